"""Export small PyTorch models (defined here) to ONNX with both of torch.onnx's exporters (TorchScript and
dynamo), with their inputs and PyTorch's outputs, into tests/data/pytorch/ (needs torch and onnxscript;
not needed by the tests, which use the committed files).

Run: python tools/export_torch_models.py [OUT_DIR]
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "pytorch")

class ConvBNAct(nn.Sequential):
    def __init__(s, i, o, k=3, st=1, g=1, act=nn.Hardswish):
        super().__init__(nn.Conv2d(i, o, k, st, k // 2, groups=g, bias=False), nn.BatchNorm2d(o), act())

class SE(nn.Module):
    def __init__(s, c):
        super().__init__(); s.fc1 = nn.Conv2d(c, c // 4, 1); s.fc2 = nn.Conv2d(c // 4, c, 1)
    def forward(s, x):
        w = F.adaptive_avg_pool2d(x, 1); return x * F.hardsigmoid(s.fc2(F.relu(s.fc1(w))))

class MobileLike(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = ConvBNAct(3, 16, st=2)
        s.b1 = nn.Sequential(ConvBNAct(16, 16, g=16), SE(16), ConvBNAct(16, 24, 1, act=nn.Identity))
        s.b2 = nn.Sequential(ConvBNAct(24, 72, 1), ConvBNAct(72, 72, 5, 2, g=72), ConvBNAct(72, 40, 1, act=nn.Identity))
        s.head = nn.Linear(40, 10)
    def forward(s, x):
        x = s.b2(s.b1(s.stem(x)))
        return F.softmax(s.head(x.mean((2, 3))), dim=-1)

class UNetLike(nn.Module):
    def __init__(s):
        super().__init__()
        s.d1 = ConvBNAct(3, 8, act=nn.ReLU); s.d2 = ConvBNAct(8, 16, st=2, act=nn.ReLU)
        s.up = nn.ConvTranspose2d(16, 8, 2, 2); s.out = nn.Conv2d(16, 2, 1)
    def forward(s, x):
        a = s.d1(x); b = s.d2(a)
        u = s.up(b)
        u = F.interpolate(u, size=a.shape[2:], mode="bilinear", align_corners=False)
        return s.out(torch.cat([a, u], 1))

class TinyViT(nn.Module):
    def __init__(s, d=32, heads=4):
        super().__init__()
        s.patch = nn.Conv2d(3, d, 4, 4); s.cls = nn.Parameter(torch.randn(1, 1, d)); s.pos = nn.Parameter(torch.randn(1, 17, d))
        s.enc = nn.TransformerEncoderLayer(d, heads, 64, dropout=0.0, batch_first=True, activation="gelu")
        s.norm = nn.LayerNorm(d); s.fc = nn.Linear(d, 5)
    def forward(s, x):
        p = s.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat([s.cls.expand(x.shape[0], -1, -1), p], 1) + s.pos
        return s.fc(s.norm(s.enc(t))[:, 0])

class TextRNN(nn.Module):
    def __init__(s):
        super().__init__(); s.emb = nn.Embedding(50, 16); s.lstm = nn.LSTM(16, 24, batch_first=True, bidirectional=True); s.fc = nn.Linear(48, 3)
    def forward(s, ids):
        y, _ = s.lstm(s.emb(ids)); return s.fc(y.max(1).values)

class RMSNorm(nn.Module):
    def __init__(s, d): super().__init__(); s.w = nn.Parameter(torch.ones(d) + 0.1 * torch.randn(d))
    def forward(s, x): return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * s.w

def rotary(x, pos):
    d = x.shape[-1] // 2
    inv = 1.0 / (10000 ** (torch.arange(0, d, dtype=torch.float32) / d))
    ang = pos[:, None].float() * inv[None]
    cos, sin = ang.cos(), ang.sin()
    x1, x2 = x[..., :d], x[..., d:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)

class TinyLlama(nn.Module):
    def __init__(s, vocab=64, d=32, heads=4, layers=2):
        super().__init__(); s.h = heads; s.emb = nn.Embedding(vocab, d)
        s.blocks = nn.ModuleList([nn.ModuleDict(dict(n1=RMSNorm(d), qkv=nn.Linear(d, 3 * d, bias=False), o=nn.Linear(d, d, bias=False),
                                                      n2=RMSNorm(d), up=nn.Linear(d, 64, bias=False), gate=nn.Linear(d, 64, bias=False),
                                                      down=nn.Linear(64, d, bias=False))) for _ in range(layers)])
        s.norm = RMSNorm(d); s.lm = nn.Linear(d, vocab, bias=False)
    def forward(s, ids):
        b, t = ids.shape
        x = s.emb(ids); pos = torch.arange(t)
        mask = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        for blk in s.blocks:
            q, k, v = blk["qkv"](blk["n1"](x)).chunk(3, -1)
            sh = lambda z: z.view(b, t, s.h, -1).transpose(1, 2)
            q, k, v = rotary(sh(q), pos), rotary(sh(k), pos), sh(v)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + mask
            y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, -1)
            x = x + blk["o"](y)
            hdn = blk["n2"](x)
            x = x + blk["down"](F.silu(blk["gate"](hdn)) * blk["up"](hdn))
        return s.lm(s.norm(x))

torch.manual_seed(0)
cases = {"mobile": (MobileLike(), torch.randn(2, 3, 32, 32)), "unet": (UNetLike(), torch.randn(1, 3, 20, 28)),
         "vit": (TinyViT(), torch.randn(2, 3, 16, 16)), "textrnn": (TextRNN(), torch.randint(0, 50, (2, 7))),
         "tinyllama": (TinyLlama(), torch.randint(0, 64, (2, 9)))}
for name, (m, x) in cases.items():
    m.eval()
    for dyn in (False, True):
        path = os.path.join(OUT, f"{name}_{'dynamo' if dyn else 'ts'}.onnx")
        try:
            torch.onnx.export(m, (x,), path, input_names=["x"], output_names=["y"], dynamo=dyn, opset_version=17 if not dyn else 18,
                              dynamic_axes=({"x": {0: "batch", 1: "t"}} if name == "tinyllama" else {"x": {0: "batch"}})
                              if not dyn else None)
            np.save(path + ".x.npy", x.numpy()); np.save(path + ".y.npy", m(x).detach().numpy())
            print("exported", path)
        except Exception as e:
            print("FAILED export", path, type(e).__name__, str(e)[:200])
