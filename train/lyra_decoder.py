"""Lyra v2's decoder in PyTorch, float mode, built from our manifest graph (as exported by
export-float-decoder.ts): the frozen path through which finetune.py measures the denoiser's
output as sound. Streaming state becomes causal left padding; a transposed convolution's carried
overlap becomes the plain full-sequence transposed convolution, cropped, with the bias added once.
"""
import json

import numpy as np
import torch
import torch.nn.functional as F


class FloatDecoder(torch.nn.Module):
    def __init__(self, json_path='train/data/decoder-float.json', blob_path='train/data/decoder-float.f32'):
        super().__init__()
        meta = json.load(open(json_path))
        blob = np.fromfile(blob_path, '<f4')
        self.spec = meta['spec']
        self.weights = {}
        for i, (name, t) in enumerate(meta['tensors'].items()):
            data = torch.from_numpy(blob[t['offset']:t['offset'] + t['length']].copy())
            self.register_buffer(f't{i}', data)
            self.weights[name] = f't{i}'
        for p in self.parameters():
            p.requires_grad_(False)

    def tensor(self, name):
        return getattr(self, self.weights[name])

    def forward(self, embeddings):  # [B, T, 64] -> [B, T * 320]
        env = {self.spec['input']: embeddings.transpose(1, 2)}
        for n in self.spec['nodes']:
            op = n['op']
            if op == 'conv1d':
                w = self.tensor(n['weight']).view(n['outChannels'], n['kernel'], n['inChannels'] // n['groups']).permute(0, 2, 1)
                x = F.pad(env[n['input']], (n['history'], 0))
                b = self.tensor(n['bias']) if n['bias'] else None
                env[n['output']] = F.conv1d(x, w, b, stride=n['stride'], dilation=n['dilation'], groups=n['groups'])
            elif op == 'depthwise_conv1d':
                w = self.tensor(n['weight']).view(n['kernel'], n['channels']).t().unsqueeze(1)
                x = F.pad(env[n['input']], (n['history'], 0))
                b = self.tensor(n['bias']) if n['bias'] else None
                env[n['output']] = F.conv1d(x, w, b, dilation=n['dilation'], groups=n['channels'])
            elif op == 'transposed_conv1d':
                w = self.tensor(n['weight']).view(n['outChannels'], n['kernel'], n['inChannels']).permute(2, 0, 1)
                x = env[n['input']]
                y = F.conv_transpose1d(x, w, stride=n['stride'])[:, :, :x.shape[2] * n['stride']]
                if n['bias']:
                    y = y + self.tensor(n['bias']).view(1, -1, 1)
                env[n['output']] = y
            elif op == 'leaky_relu':
                env[n['output']] = F.leaky_relu(env[n['input']], n['alpha'])
            elif op == 'add':
                env[n['output']] = env[n['inputs'][0]] + env[n['inputs'][1]]
            elif op == 'split_channels':
                for name, part in zip(n['outputs'], torch.chunk(env[n['input']], len(n['outputs']), dim=1)):
                    env[name] = part
            elif op == 'concat_channels':
                env[n['output']] = torch.cat([env[i] for i in n['inputs']], dim=1)
            else:
                raise ValueError(f'float decoder: op {op} not supported')
        out = env[self.spec['output']]
        return out.reshape(out.shape[0], -1)
