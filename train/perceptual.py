"""Trains the denoiser on what the metrics hear: Lyra's own quantizer and decoder sit in the loop.

train.py fits the clean *embeddings*; its output, a conditional mean, is not an embedding the
decoder was trained on, and after quantizing and decoding it sounds worse than the noisy input.
Here the loss is taken after the whole receiving side instead:

  noisy embedding -> denoiser -> residual VQ (16, 30 or 46 stages, straight-through gradient)
                  -> Lyra's decoder (float, lyra_decoder.py) -> log-mel spectrogram (and, with
                  --stoi-weight, one-third-octave band envelopes: EnvelopeCorrelation)
  target: the same path run on the clean embedding, with the same number of stages.

With the flag off the target is the input embedding itself (MSE): the module must stay the
identity there. Training starts from the identity (train.py's zero output layer) unless --init
gives a checkpoint, so every step
moves away from "plain Lyra" only where the decoded sound gets closer to clean speech.

  python3 train/perceptual.py [--steps 6000] [--init ckpt.pt] [--stoi-weight 60] [--threads 1] [--smoke]
  (from the repository root; train/README.md has the runs that made the shipped model)
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, 'train')
from finetune import LogMel  # noqa: E402
from lyra_decoder import FloatDecoder  # noqa: E402
from train import Denoiser, export, load_set, load_sets  # noqa: E402

STAGES = (16, 30, 46)


class EnvelopeCorrelation(torch.nn.Module):
    """A differentiable stand-in for STOI (Taal et al. 2011), at 16 kHz: one-third-octave band
    envelopes (15 bands from 150 Hz, 25 ms frames every 12.5 ms) cut into 30-frame segments; per
    segment and band, the test envelope is scaled to the reference's energy and clipped 15 dB
    above it, as STOI does, and correlated with the reference. Returns 1 - mean correlation per
    batch item. Unlike STOI it keeps silent frames (the log-mel term looks after those)."""

    def __init__(self, rate=16000, n_fft=512, win=400, hop=200, bands=15, low=150.0, segment=30):
        super().__init__()
        freqs = torch.fft.rfftfreq(n_fft, 1 / rate)
        centers = low * 2 ** (torch.arange(bands) / 3)
        lo, hi = centers * 2 ** (-1 / 6), centers * 2 ** (1 / 6)
        self.register_buffer('bands', ((freqs[None] >= lo[:, None]) & (freqs[None] < hi[:, None])).float())
        self.register_buffer('window', torch.hann_window(win))
        self.n_fft, self.win, self.hop, self.segment = n_fft, win, hop, segment

    def envelopes(self, audio):  # [B, N] -> [B, bands, segments, segment]
        spec = torch.stft(audio, self.n_fft, self.hop, self.win, window=self.window, center=False, return_complex=True)
        env = torch.sqrt(self.bands @ spec.abs() ** 2 + 1e-10)
        return env.unfold(-1, self.segment, self.segment // 3)

    def forward(self, test, reference):
        x, y = self.envelopes(reference), self.envelopes(test)
        y = y * (x.norm(dim=-1, keepdim=True) / (y.norm(dim=-1, keepdim=True) + 1e-8))
        y = torch.minimum(y, x * (1 + 10 ** (15 / 20)))
        x, y = x - x.mean(-1, keepdim=True), y - y.mean(-1, keepdim=True)
        correlation = (x * y).sum(-1) / (x.norm(dim=-1) * y.norm(dim=-1) + 1e-8)
        return 1 - correlation.mean(dim=(1, 2))


def load_codebooks(directory='weights/lyra-v2'):
    manifest = json.load(open(f'{directory}/manifest.json'))
    entry = next(t for t in manifest['tensors'] if t['name'] == manifest['quantizer']['codebooks'])
    blob = np.fromfile(f'{directory}/model.bin', np.uint8)
    data = blob[entry['offset']:entry['offset'] + entry['byteLength']].view('<f4').copy()
    return torch.from_numpy(data).view(entry['shape'])  # [stages, entries, dim]


def rvq(x, codebooks, stages):
    """Nearest codeword per stage on the running residual; returns the sum of the chosen codewords."""
    residual, total = x, torch.zeros_like(x)
    for s in range(stages):
        book = codebooks[s]
        chosen = book[torch.cdist(residual, book.expand(residual.shape[0], -1, -1)).argmin(-1)]
        total = total + chosen
        residual = residual - chosen
    return total


def quantize_straight_through(x, codebooks, stages):
    return x + (rvq(x.detach(), codebooks, stages) - x).detach()


def sample(pairs, size, frames, rng, clean_fraction):
    """Sequences of (input, flag, clean): a quarter switch the flag inside; some inputs are clean."""
    xs, flags, cleans = [], [], []
    while len(xs) < size:
        c, n = pairs[rng.integers(len(pairs))]
        if len(c) <= frames:
            continue
        s = rng.integers(len(c) - frames)
        f = np.full(frames, float(rng.random() < 0.6), np.float32)
        if rng.random() < 0.25:
            f[rng.integers(1, frames):] = 1 - f[0]
        clean = c[s:s + frames]
        xs.append(clean if rng.random() < clean_fraction else n[s:s + frames])
        flags.append(f)
        cleans.append(clean)
    return (torch.from_numpy(np.stack(a)) for a in (xs, flags, cleans))


def validate(model, decoder, logmel, envelope, codebooks, pairs, stages=30):
    """Held-out distances of the decoded audio to the decoded clean embeddings, for noisy input with
    denoise off, noisy with it on, clean with it on: log-mel (dB) and 1 - envelope correlation."""
    model.eval()
    sums = np.zeros((2, 3))
    with torch.no_grad():
        for c, n in pairs:
            c, n = torch.from_numpy(c)[None], torch.from_numpy(n)[None]
            wanted = decoder(rvq(c, codebooks, stages))
            for j, x in enumerate((n, model(n, torch.ones(1, n.shape[1])), model(c, torch.ones(1, c.shape[1])))):
                heard = decoder(rvq(x, codebooks, stages))
                sums[0, j] += float(10 * (logmel(heard) - logmel(wanted)).abs().mean())
                sums[1, j] += float(envelope(heard, wanted)[0])
    model.train()
    return sums / len(pairs)


def plot(tags, path='train/loss.png'):
    """The loss curves of a chain of runs (each started from the previous one's checkpoint), end to end."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (mel_ax, env_ax) = plt.subplots(1, 2, figsize=(11, 4))
    offset, rows = 0, []
    for tag in tags:
        history = json.load(open(f'train/history-{tag}.json'))
        rows += [dict(h, step=h['step'] + offset, run=tag) for h in history]
        offset = rows[-1]['step']
        for ax in (mel_ax, env_ax):
            ax.axvline(offset, color='0.85', lw=0.8)
    steps = [r['step'] for r in rows]
    for key, label, style in (('noisy', 'noisy input, denoise off', '--'), ('denoised', 'noisy input, denoise on', '-'),
                              ('clean_in_flag_on', 'clean input, denoise on', '-')):
        mel_ax.plot(steps, [r[f'valid_logmel_db_{key}'] for r in rows], style, label=label)
        env_ax.plot([r['step'] for r in rows if f'valid_envelope_{key}' in r],
                    [r[f'valid_envelope_{key}'] for r in rows if f'valid_envelope_{key}' in r], style, label=label)
    mel_ax.set_ylabel('log-mel distance to the clean path (dB)')
    env_ax.set_ylabel('1 - envelope correlation (STOI-like)')
    for ax in (mel_ax, env_ax):
        ax.set_xlabel('step (runs: ' + ' -> '.join(tags) + ')')
        ax.legend(fontsize=8)
    fig.suptitle('Denoiser, held-out utterances, decoded through Lyra at 6 kbps')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=6000)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--frames', type=int, default=48)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--off-weight', type=float, default=10.0)
    ap.add_argument('--stoi-weight', type=float, default=0.0, help='weight of the envelope-correlation (STOI-like) term')
    ap.add_argument('--init', help='start from this checkpoint (.pt) instead of the identity')
    ap.add_argument('--clean-fraction', type=float, default=0.2, help='share of sequences whose input is clean speech')
    ap.add_argument('--seed', type=int, default=3)
    ap.add_argument('--tag', default='perceptual', help='names train/history-<tag>.json and train/denoiser-<tag>.pt')
    ap.add_argument('--no-export', action='store_true', help='keep weights/lyra-v2-denoise as it is')
    ap.add_argument('--export-from', help='only export this checkpoint (.pt) to --out, then stop')
    ap.add_argument('--out', default='weights/lyra-v2-denoise')
    ap.add_argument('--plot', nargs='+', metavar='TAG', help='only plot the histories of these runs, in order, to train/loss.png')
    ap.add_argument('--threads', type=int, default=0)
    ap.add_argument('--valid-every', type=int, default=250)
    ap.add_argument('--valid-utterances', type=int, default=12)
    ap.add_argument('--smoke', action='store_true', help='a few steps on a few utterances, writes nothing')
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.plot:
        plot(args.plot)
        return
    if args.export_from:
        model = Denoiser()
        model.load_state_dict(torch.load(args.export_from))
        history_path = args.export_from.replace('denoiser-', 'history-').replace('.pt', '.json')
        golden = 'test/fixtures/denoise-golden.json' if args.out == 'weights/lyra-v2-denoise' else f'{args.out}/golden.json'
        export(model, args.out, golden, json.load(open(history_path)), f'train/perceptual.py ({os.path.basename(args.export_from)})')
        print('wrote', args.out)
        return
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train, valid = load_sets(['train', 'train2']), load_set('valid')
    if args.smoke:
        train, args.steps, args.valid_every, args.valid_utterances = train[:8], 6, 3, 2
    valid = valid[:args.valid_utterances]
    model, decoder, logmel, envelope, codebooks = Denoiser(), FloatDecoder(), LogMel(), EnvelopeCorrelation(), load_codebooks()
    if args.init:
        model.load_state_dict(torch.load(args.init))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    history, best, best_state, start = [], float('inf'), None, time.time()
    running = []
    for step in range(1, args.steps + 1):
        x, flag, clean = sample(train, args.batch, args.frames, rng, args.clean_fraction)
        stages = STAGES[rng.integers(len(STAGES))]
        out = model(x, flag)
        on = flag > 0.5
        with torch.no_grad():
            wanted_audio = decoder(rvq(clean, codebooks, stages))
            wanted = logmel(wanted_audio)
        heard_audio = decoder(quantize_straight_through(out, codebooks, stages))
        heard = logmel(heard_audio)
        # Only the frames of sequences whose flag is on anywhere count for the decoded loss; the
        # audio of frame t depends on neighbouring embeddings, so a sequence is judged whole.
        seq_on = on.any(dim=1)
        loss_mel = 10 * (heard - wanted).abs().mean(dim=(1, 2))
        if args.stoi_weight:
            loss_mel = loss_mel + args.stoi_weight * envelope(heard_audio, wanted_audio)
        loss_mel = (loss_mel * seq_on).sum() / seq_on.sum().clamp(min=1)
        loss_off = ((out - x) ** 2 * (~on).unsqueeze(-1)).sum() / ((~on).sum() * x.shape[-1]).clamp(min=1)
        loss = loss_mel + args.off_weight * loss_off
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running.append((loss_mel.item(), loss_off.item()))
        if step % args.valid_every == 0 or step == args.steps:
            (noisy, denoised, clean_on), (e_noisy, e_denoised, e_clean_on) = validate(model, decoder, logmel, envelope, codebooks, valid)
            mel, off = np.mean(running, axis=0)
            running = []
            history.append({'step': step, 'train_perceptual': float(mel), 'train_mse_flag_off': float(off),
                            'valid_logmel_db_noisy': float(noisy), 'valid_logmel_db_denoised': float(denoised),
                            'valid_logmel_db_clean_in_flag_on': float(clean_on), 'valid_envelope_noisy': float(e_noisy),
                            'valid_envelope_denoised': float(e_denoised), 'valid_envelope_clean_in_flag_on': float(e_clean_on)})
            print(f'step {step}: train {mel:.2f}, off MSE {off:.4f} | held-out, to the clean path: log-mel '
                  f'noisy {noisy:.2f}, denoised {denoised:.2f}, clean in/flag on {clean_on:.2f}; 1 - envelope correlation '
                  f'{e_noisy:.3f}, {e_denoised:.3f}, {e_clean_on:.3f}  {time.time() - start:.0f}s', flush=True)
            score = denoised + clean_on + args.stoi_weight * (e_denoised + e_clean_on)
            if score < best:
                best, best_state = score, {k: v.clone() for k, v in model.state_dict().items()}
    if args.smoke:
        return
    model.load_state_dict(best_state)
    with open(f'train/history-{args.tag}.json', 'w') as f:
        json.dump(history, f, indent=1)
    torch.save(model.state_dict(), f'train/denoiser-{args.tag}.pt')
    if args.no_export:
        return
    export(model, args.out, 'test/fixtures/denoise-golden.json', history, f'train/perceptual.py ({args.tag})')
    print('wrote', args.out)


if __name__ == '__main__':
    main()
