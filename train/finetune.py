"""Fine-tunes the trained denoiser (weights/lyra-v2-denoise) with a perceptual term: the
log-mel distance between Lyra's decoder (float mode, lyra_decoder.py) run on the denoised
embeddings and on the clean ones, besides train.py's embedding loss. Then exports again.

  python3 train/finetune.py [--steps 600]      (run from the repository root)
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, 'train')
from lyra_decoder import FloatDecoder  # noqa: E402
from train import DIM, Denoiser, batch, evaluate, export, load_set, load_sets  # noqa: E402


def load_manifest_weights(model, directory='weights/lyra-v2-denoise'):
    """The inverse of train.export: our [Cout, K, Cin] tensors back into the PyTorch modules."""
    manifest = json.load(open(f'{directory}/manifest.json'))
    blob = np.fromfile(f'{directory}/model.bin', np.uint8)
    tensors = {t['name']: torch.from_numpy(blob[t['offset']:t['offset'] + t['byteLength']].view('<f4').copy()).view(t['shape'])
               for t in manifest['tensors']}
    convs = {'in': model.inp, 'out': model.out}
    for i, unit in enumerate(model.units):
        convs[f'u{i}.conv'] = unit.conv
        convs[f'u{i}.point'] = unit.point
    with torch.no_grad():
        for name, conv in convs.items():
            conv.weight.copy_(tensors[f'{name}.weight'].permute(0, 2, 1))
            conv.bias.copy_(tensors[f'{name}.bias'])
        for i, unit in enumerate(model.units):
            unit.film.linear.weight.copy_(tensors[f'u{i}.film.weight'].t())
            unit.film.linear.bias.copy_(tensors[f'u{i}.film.bias'])


class LogMel(torch.nn.Module):
    def __init__(self, rate=16000, n_fft=512, hop=160, bands=64):
        super().__init__()
        freqs = torch.linspace(0, rate / 2, n_fft // 2 + 1)
        mel = lambda f: 2595 * torch.log10(1 + f / 700)  # noqa: E731
        edges = torch.linspace(0, float(mel(torch.tensor(rate / 2.0))), bands + 2)
        fb = torch.zeros(bands, n_fft // 2 + 1)
        m = mel(freqs)
        for b in range(bands):
            lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
            fb[b] = torch.clamp(torch.minimum((m - lo) / (mid - lo), (hi - m) / (hi - mid)), min=0)
        self.register_buffer('fb', fb)
        self.register_buffer('window', torch.hann_window(n_fft))
        self.n_fft, self.hop = n_fft, hop

    def forward(self, audio):
        spec = torch.stft(audio, self.n_fft, self.hop, window=self.window, return_complex=True).abs() ** 2
        return torch.log10(self.fb @ spec + 1e-6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=600)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--frames', type=int, default=48)
    ap.add_argument('--mel-weight', type=float, default=4.0)
    args = ap.parse_args()
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    train, valid = load_sets(['train', 'train2']), load_set('valid')
    model = Denoiser()
    load_manifest_weights(model)
    decoder, logmel = FloatDecoder(), LogMel()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=1e-2)
    history = json.load(open('train/history.json'))
    start, last = time.time(), history[-1]['step'] if history else 0
    for step in range(1, args.steps + 1):
        x, flag, target = batch(train, args.batch, args.frames, rng)
        out = model(x, flag)
        loss_embed = F.mse_loss(out, target)
        with torch.no_grad():
            wanted = logmel(decoder(target))
        loss_mel = (logmel(decoder(out)) - wanted).abs().mean()
        loss = loss_embed + args.mel_weight * loss_mel
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == args.steps:
            on, noisy, off, clean_on = evaluate(model, valid)
            history.append({'step': last + step, 'train_mse': float(loss_embed), 'train_logmel': float(loss_mel),
                            'valid_mse_denoised': float(on), 'valid_mse_noisy': float(noisy),
                            'valid_mse_flag_off_vs_input': float(off), 'valid_mse_clean_in_flag_on': float(clean_on)})
            print(f'step {step}: embed {loss_embed.item():.3f} mel {loss_mel.item():.4f}  valid denoised {on:.3f} '
                  f'(noisy {noisy:.3f})  off {off:.4f}  clean-in {clean_on:.3f}  {time.time() - start:.0f}s', flush=True)
    with open('train/history.json', 'w') as f:
        json.dump(history, f, indent=1)
    export(model, 'weights/lyra-v2-denoise', 'test/fixtures/denoise-golden.json', history)
    print('wrote weights/lyra-v2-denoise')


if __name__ == '__main__':
    main()
