"""Trains the FiLM-conditioned denoising bottleneck (issue 5) on Lyra v2 embeddings.

Input: train/data/{train,valid}.emb*.f32 from embed.ts (Google's encoder, run bit-exactly by our
engine, on clean and noisy speech). The model maps the noisy embedding stream to the clean one
when the per-frame flag is 1 and leaves it alone when it is 0; it sees past frames only.
Output: weights/lyra-v2-denoise/{manifest.json,model.bin} (our weight format), a golden-vector
file for the engine's test, and train/loss.png.

  python3 train/train.py [--steps 6000] [--smoke]      (run from the repository root)
"""
import argparse
import glob
import hashlib
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DIM = 64
DILATIONS = (1, 2, 4, 8, 16)
KERNEL = 3
CLEAN_INPUT_FRACTION = 0.25
LYRA_ENCODER_SHA256 = '237da0b16226fb0a68d49551c81bebf614e42142af72764448359f68581e88f1'


class Film(nn.Module):
    """gamma, beta = linear(condition); y = gamma * x + beta."""

    def __init__(self, channels, cond_dim=1):
        super().__init__()
        self.linear = nn.Linear(cond_dim, 2 * channels)
        nn.init.zeros_(self.linear.weight)
        with torch.no_grad():
            self.linear.bias.copy_(torch.cat([torch.ones(channels), torch.zeros(channels)]))

    def forward(self, x, cond):  # x [B, C, T], cond [B, D, T]
        gb = self.linear(cond.transpose(1, 2)).transpose(1, 2)
        gamma, beta = gb.chunk(2, dim=1)
        return gamma * x + beta


class Unit(nn.Module):
    def __init__(self, channels, dilation):
        super().__init__()
        self.pad = (KERNEL - 1) * dilation
        self.conv = nn.Conv1d(channels, channels, KERNEL, dilation=dilation)
        self.film = Film(channels)
        self.point = nn.Conv1d(channels, channels, 1)

    def forward(self, h, cond):
        r = F.elu(h)
        r = self.conv(F.pad(r, (self.pad, 0)))
        r = self.film(r, cond)
        r = F.elu(r)
        return h + self.point(r)


class Denoiser(nn.Module):
    def __init__(self, channels=DIM):
        super().__init__()
        self.inp = nn.Conv1d(DIM, channels, 1)
        self.units = nn.ModuleList([Unit(channels, d) for d in DILATIONS])
        self.out = nn.Conv1d(channels, DIM, 1)
        nn.init.zeros_(self.out.weight)  # starts as the identity
        nn.init.zeros_(self.out.bias)

    def forward(self, x, flag):  # x [B, T, 64], flag [B, T]
        xc = x.transpose(1, 2)
        cond = flag.unsqueeze(1)
        h = self.inp(xc)
        for unit in self.units:
            h = unit(h, cond)
        return (xc + self.out(h)).transpose(1, 2)

    def macs_per_frame(self):
        # Convolutions: one MAC per weight per frame. FiLM: the linear layer and gamma * x + beta.
        convs = sum(m.weight.numel() for m in self.modules() if isinstance(m, nn.Conv1d))
        films = sum(m.linear.weight.numel() + m.linear.out_features // 2 for m in self.modules() if isinstance(m, Film))
        return convs + films


def load_sets(names):
    return [pair for name in names if os.path.exists(f'train/data/{name}.json') for pair in load_set(name)]


def load_set(name):
    table = json.load(open(f'train/data/{name}.json'))
    shards = sorted(glob.glob(f'train/data/{name}.emb*.f32'))
    emb = np.concatenate([np.fromfile(s, '<f4') for s in shards]).reshape(-1, DIM)
    pairs, at = [], 0
    for u in table['utterances']:
        n = u['frames']
        if at + 2 * n > len(emb):
            break
        pairs.append((emb[at:at + n], emb[at + n:at + 2 * n]))
        at += 2 * n
    return pairs


def batch(pairs, size, frames, rng):
    clean, noisy, flag = [], [], []
    for _ in range(size):
        c, n = pairs[rng.integers(len(pairs))]
        if len(c) <= frames:
            continue
        s = rng.integers(len(c) - frames)
        f = np.full(frames, float(rng.random() < 0.5), np.float32)
        if rng.random() < 0.25:  # switching inside a sequence, as users do frame by frame
            cut = rng.integers(1, frames)
            f[cut:] = 1 - f[0]
        clean.append(c[s:s + frames])
        # Clean input too: with the flag on, clean speech must come out as it went in.
        noisy.append(c[s:s + frames] if rng.random() < CLEAN_INPUT_FRACTION else n[s:s + frames])
        flag.append(f)
    c, n, f = (torch.from_numpy(np.stack(a)) for a in (clean, noisy, flag))
    target = torch.where(f.unsqueeze(-1) > 0.5, c, n)
    return n, f, target


def evaluate(model, pairs):
    model.eval()
    with torch.no_grad():
        err_on = err_off = err_noisy = err_clean = count = 0.0
        for c, n in pairs:
            x = torch.from_numpy(n)[None]
            on = model(x, torch.ones(1, len(n)))[0].numpy()
            off = model(x, torch.zeros(1, len(n)))[0].numpy()
            clean_on = model(torch.from_numpy(c)[None], torch.ones(1, len(c)))[0].numpy()
            err_on += np.sum((on - c) ** 2)
            err_noisy += np.sum((n - c) ** 2)
            err_off += np.sum((off - n) ** 2)
            err_clean += np.sum((clean_on - c) ** 2)
            count += c.size
    model.train()
    return err_on / count, err_noisy / count, err_off / count, err_clean / count


def export(model, out_dir, golden_path, history, trained_by='train/train.py'):
    """Writes our weight format: the graph as data, tensors into one 4-byte aligned blob."""
    tensors, nodes = [], []

    def tensor(name, array):
        tensors.append((name, np.ascontiguousarray(array, dtype='<f4')))
        return name

    def conv(name, module, inp, out, dilation=1):
        w = module.weight.detach().numpy()  # [Cout, Cin, K] -> ours [Cout, K, Cin]
        k = w.shape[2]
        nodes.append({'op': 'conv1d', 'input': inp, 'output': out, 'weight': tensor(f'{name}.weight', w.transpose(0, 2, 1)),
                      'bias': tensor(f'{name}.bias', module.bias.detach().numpy()), 'inChannels': w.shape[1],
                      'outChannels': w.shape[0], 'kernel': k, 'stride': 1, 'dilation': dilation, 'groups': 1,
                      'history': (k - 1) * dilation, 'accumulate': 'sequential'})

    conv('in', model.inp, 'input', 'h0')
    h = 'h0'
    for i, unit in enumerate(model.units):
        p = f'u{i}'
        nodes.append({'op': 'elu', 'input': h, 'output': f'{p}.a', 'alpha': 1.0})
        conv(f'{p}.conv', unit.conv, f'{p}.a', f'{p}.b', unit.conv.dilation[0])
        lin = unit.film.linear
        nodes.append({'op': 'film', 'input': f'{p}.b', 'condition': 'denoise', 'output': f'{p}.c', 'channels': DIM,
                      'conditionDim': 1, 'weight': tensor(f'{p}.film.weight', lin.weight.detach().numpy().T),
                      'bias': tensor(f'{p}.film.bias', lin.bias.detach().numpy())})
        nodes.append({'op': 'elu', 'input': f'{p}.c', 'output': f'{p}.e', 'alpha': 1.0})
        conv(f'{p}.point', unit.point, f'{p}.e', f'{p}.f')
        nodes.append({'op': 'add', 'inputs': [h, f'{p}.f'], 'output': f'h{i + 1}'})
        h = f'h{i + 1}'
    conv('out', model.out, h, 'delta')
    nodes.append({'op': 'add', 'inputs': ['input', 'delta'], 'output': 'output'})

    entries, blob = [], bytearray()
    for name, array in tensors:
        data = array.tobytes()
        entries.append({'name': name, 'dtype': 'f32', 'shape': list(array.shape), 'offset': len(blob), 'byteLength': len(data)})
        blob += data + b'\0' * (-len(data) % 4)
    manifest = {
        'format': 'soundstream-ts/weights', 'version': 1, 'model': 'lyra-v2-denoise', 'sampleRate': 16000, 'frameSize': 320,
        'embeddingDim': DIM,
        'blob': {'file': 'model.bin', 'byteLength': len(blob), 'sha256': hashlib.sha256(blob).hexdigest()},
        'expects': {'model': 'lyra-v2', 'encoderSha256': LYRA_ENCODER_SHA256},
        'provenance': {'trainedBy': f'soundstream-ts {trained_by}', 'data': 'shared/train speech + noise + RIRs (see train/README.md)',
                       'macsPerFrame': model.macs_per_frame(), 'validation': history[-1] if history else None},
        'tensors': entries,
        'bottleneck': {'input': 'input', 'inputChannels': DIM, 'output': 'output', 'outputChannels': DIM,
                       'conditions': {'denoise': 1}, 'nodes': nodes},
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'model.bin'), 'wb') as f:
        f.write(blob)
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)

    # Golden vectors: synthetic embeddings (nothing derived from shared/), a flag that switches.
    g = torch.Generator().manual_seed(7)
    frames = 40
    x = torch.randn(1, frames, DIM, generator=g) * 3
    flag = torch.tensor([[0.0] * 10 + [1.0] * 15 + [0.0] * 5 + [1.0] * 10])
    model.eval()
    with torch.no_grad():
        y = model(x, flag)
    with open(golden_path, 'w') as f:
        json.dump({'frames': frames, 'dim': DIM, 'flag': flag[0].tolist(), 'input': x[0].reshape(-1).tolist(),
                   'output': y[0].reshape(-1).tolist()}, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=6000)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--frames', type=int, default=64)
    ap.add_argument('--smoke', action='store_true', help='a few steps on a few utterances, writes nothing')
    ap.add_argument('--out', default='weights/lyra-v2-denoise')
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    train, valid = load_sets(['train', 'train2']), load_set('valid')
    if args.smoke:
        train, valid, args.steps = train[:8], valid[:2], 40
    print(f'train {len(train)} utterances, valid {len(valid)}')
    model = Denoiser()
    print(f'{sum(p.numel() for p in model.parameters())} parameters, {model.macs_per_frame()} MACs per frame '
          f'({model.macs_per_frame() * 50 / 1e6:.2f} M MAC/s)')
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.steps, pct_start=0.1)
    history, losses, start = [], [], time.time()
    for step in range(1, args.steps + 1):
        x, flag, target = batch(train, args.batch, args.frames, rng)
        loss = F.mse_loss(model(x, flag), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % (10 if args.smoke else 250) == 0 or step == args.steps:
            on, noisy, off, clean_on = evaluate(model, valid)
            history.append({'step': step, 'train_mse': float(np.mean(losses[-250:])), 'valid_mse_denoised': float(on),
                            'valid_mse_noisy': float(noisy), 'valid_mse_flag_off_vs_input': float(off),
                            'valid_mse_clean_in_flag_on': float(clean_on)})
            print(f'step {step}: train {history[-1]["train_mse"]:.4f}  valid denoised {on:.4f} (noisy input {noisy:.4f})'
                  f'  flag off vs identity {off:.5f}  clean in, flag on {clean_on:.4f}  {time.time() - start:.0f}s', flush=True)
    if args.smoke:
        return
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    steps = [h['step'] for h in history]
    ax.plot(steps, [h['train_mse'] for h in history], label='train MSE (both flags)')
    ax.plot(steps, [h['valid_mse_denoised'] for h in history], label='held-out: denoised vs clean')
    ax.plot(steps, [h['valid_mse_noisy'] for h in history], '--', label='held-out: noisy input vs clean')
    ax.plot(steps, [h['valid_mse_flag_off_vs_input'] for h in history], label='held-out: flag off vs input')
    ax.plot(steps, [h['valid_mse_clean_in_flag_on'] for h in history], label='held-out clean input, flag on vs input')
    ax.set_xlabel('step')
    ax.set_ylabel('MSE (embedding units)')
    ax.set_yscale('log')
    ax.legend()
    ax.set_title('Denoising bottleneck on Lyra v2 embeddings')
    fig.tight_layout()
    fig.savefig('train/loss.png', dpi=110)
    with open('train/history.json', 'w') as f:
        json.dump(history, f, indent=1)
    torch.save(model.state_dict(), 'train/denoiser.pt')  # for finetune.py and reruns; not committed
    export(model, args.out, 'test/fixtures/denoise-golden.json', history)
    print('wrote', args.out)


if __name__ == '__main__':
    main()
