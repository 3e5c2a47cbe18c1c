"""Export small PyTorch models (defined here) to ONNX with both of torch.onnx's exporters (TorchScript and
dynamo), with their inputs and PyTorch's outputs, into tests/data/pytorch/ (needs torch and onnxscript;
not needed by the tests, which use the committed files).

Run: python tools/export_torch_models.py [OUT_DIR]
"""
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

torch.manual_seed(0)
cases = {"mobile": (MobileLike(), torch.randn(2, 3, 32, 32)), "unet": (UNetLike(), torch.randn(1, 3, 20, 28)),
         "vit": (TinyViT(), torch.randn(2, 3, 16, 16)), "textrnn": (TextRNN(), torch.randint(0, 50, (2, 7)))}
for name, (m, x) in cases.items():
    m.eval()
    for dyn in (False, True):
        path = os.path.join(OUT, f"{name}_{'dynamo' if dyn else 'ts'}.onnx")
        try:
            torch.onnx.export(m, (x,), path, input_names=["x"], output_names=["y"], dynamo=dyn, opset_version=17 if not dyn else 18,
                              dynamic_axes={"x": {0: "batch"}} if not dyn else None)
            np.save(path + ".x.npy", x.numpy()); np.save(path + ".y.npy", m(x).detach().numpy())
            print("exported", path)
        except Exception as e:
            print("FAILED export", path, type(e).__name__, str(e)[:200])
