"""Noisy/clean speech pairs for training the denoising bottleneck (issue 5).

Reads ../shared/train (speech 16 kHz, noise 24 kHz, room impulse responses), mixes each
utterance with a noise clip at an SNR drawn from [-5, 20] dB, sometimes after reverberating the
speech, and writes float32 audio for tools/embed (our TypeScript encoder) to turn into Lyra
embeddings. Speakers and noise files are split into train and held-out sets so validation uses
voices and noises the model never saw.

Output (gitignored): train/data/{train,valid}.f32 (clean and noisy utterances back to back, each
padded to whole 320-sample frames) and train/data/{train,valid}.json (utterance table).
"""
import argparse
import json
import os
import random

import numpy as np
import soundfile as sf
from scipy.signal import fftconvolve, resample_poly

FRAME = 320
RATE = 16000


def load(path, rate=RATE):
    audio, sr = sf.read(path, dtype='float32', always_2d=True)
    audio = audio.mean(axis=1)
    if sr != rate:
        g = np.gcd(sr, rate)
        audio = resample_poly(audio, rate // g, sr // g).astype(np.float32)
    return audio


def speaker_of(folder, name):
    # LibriSpeech files are <speaker>-<chapter>-<utt>; other corpora: one file = one voice
    # (voxceleb clips), or one reader for the whole folder.
    if folder == 'librispeech':
        return 'ls-' + name.split('-')[0]
    if folder in ('amateur_lj_reader', 'ljspeech'):
        return folder
    return folder + '-' + name


def split_files(root, held_out_fraction, rng):
    """Files grouped by speaker (or by noise file); a fixed fraction of groups is held out."""
    groups = {}
    for folder in sorted(os.listdir(root)):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith(('.flac', '.wav')):
                groups.setdefault(speaker_of(folder, name) if 'speech' in root else folder + '/' + name, []).append(os.path.join(path, name))
    keys = sorted(groups)
    rng.shuffle(keys)
    n_held = max(1, int(len(keys) * held_out_fraction))
    held = set(keys[:n_held])
    train = [f for k in keys if k not in held for f in groups[k]]
    valid = [f for k in keys if k in held for f in groups[k]]
    return train, valid


def mix(clean, noise, snr_db, rng):
    start = rng.randrange(0, max(1, len(noise) - len(clean)))
    segment = np.resize(noise[start:start + len(clean)], len(clean))
    p_clean = np.mean(clean ** 2) + 1e-10
    p_noise = np.mean(segment ** 2) + 1e-10
    return clean + segment * np.sqrt(p_clean / (p_noise * 10 ** (snr_db / 10)))


def build(files, noises, rirs, minutes, rng, out, snr_range, reverb_probability):
    utterances, chunks, total = [], [], 0
    noise_cache = {}
    for path in files:
        if total >= minutes * 60 * RATE:
            break
        clean = load(path)
        clean = clean[: 12 * RATE]  # long clips add little variety per second of compute
        peak = np.max(np.abs(clean)) + 1e-9
        clean = clean * (rng.uniform(0.3, 0.9) / peak)
        noise_path = rng.choice(noises)
        if noise_path not in noise_cache:
            noise_cache[noise_path] = load(noise_path)
        snr = rng.uniform(*snr_range)
        source = clean
        reverb = rirs and rng.random() < reverb_probability
        if reverb:
            rir = rng.choice(rirs)
            source = fftconvolve(clean, rir)[: len(clean)].astype(np.float32)
        noisy = mix(source, noise_cache[noise_path], snr, rng)
        scale = 0.95 / max(1.0, float(np.max(np.abs(noisy))))
        frames = -(-len(clean) // FRAME)
        padded = np.zeros((2, frames * FRAME), np.float32)
        padded[0, : len(clean)] = clean * scale
        padded[1, : len(clean)] = noisy * scale
        chunks.append(padded.reshape(-1))
        utterances.append({'speech': os.path.relpath(path, '..'), 'noise': os.path.relpath(noise_path, '..'),
                           'snr_db': round(snr, 2), 'reverb': bool(reverb), 'frames': frames})
        total += len(clean)
    np.concatenate(chunks).astype('<f4').tofile(out + '.f32')
    with open(out + '.json', 'w') as f:
        json.dump({'frame': FRAME, 'rate': RATE, 'layout': 'per utterance: clean then noisy, frames*320 float32 each',
                   'utterances': utterances}, f, indent=1)
    print(f'{out}: {len(utterances)} utterances, {total / RATE / 60:.1f} min')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shared', default='../../shared/train')
    ap.add_argument('--out', default='data')
    ap.add_argument('--train-minutes', type=float, default=40)
    ap.add_argument('--valid-minutes', type=float, default=5)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--name', default='train', help='name of the training set (a second seed gives a second mix)')
    ap.add_argument('--no-valid', action='store_true', help='write the training set only')
    args = ap.parse_args()
    split_rng = random.Random(1)
    os.makedirs(args.out, exist_ok=True)
    speech_train, speech_valid = split_files(os.path.join(args.shared, 'speech'), 0.1, split_rng)
    noise_train, noise_valid = split_files(os.path.join(args.shared, 'noise'), 0.2, split_rng)
    rng = random.Random(args.seed) if args.seed != 1 else split_rng
    rir_dir = os.path.join(args.shared, 'rir')
    rirs = []
    for name in sorted(os.listdir(rir_dir)):
        rir = load(os.path.join(rir_dir, name))
        rirs.append(rir / (np.max(np.abs(rir)) + 1e-9))
    rng.shuffle(speech_train)
    rng.shuffle(speech_valid)
    # The split above depends only on the listing, never on --seed's later draws: every mix keeps the same held-out set.
    build(speech_train, noise_train, rirs, args.train_minutes, rng, os.path.join(args.out, args.name), (-5, 20), 0.3)
    if args.no_valid:
        return
    # Validation at about 6 dB SNR, the operating point the issue measures, on unseen voices and noises.
    build(speech_valid, noise_valid, [], args.valid_minutes, rng, os.path.join(args.out, 'valid'), (3, 9), 0.0)


if __name__ == '__main__':
    main()
