"""Really trained ResNet-50 and MobileNetV2 for measuring quantization (tools/quantize_report.py): the real
architectures (ResNet-50: 7x7 stem, max pool, bottleneck stages [3, 4, 6, 3]; MobileNetV2: width 1.0, the
inverted-residual table, ReLU6, 1280-wide head) written in plain torch.nn, trained briefly on CPU on the
handwritten digits that scikit-learn ships (1797 8x8 images, UCI optdigits; no download), exported with
torch.onnx.export. Their weights and BatchNorm statistics come from training, not from a generator.

Images: each digit upsampled to SIZE x SIZE (bilinear), randomly shifted, scaled, rotated and sheared,
coloured (ink and paper colours per image), with noise and contrast changes, and normalised; training draws
new augmentations every epoch. The 360 held-out digits (never trained on) with one fixed augmentation each
are the held-out set, 64 training digits the calibration set.

Run (needs torch, scikit-learn and onnx, e.g. in a venv with `pip install torch==2.13.0 scikit-learn onnx`):
    python tools/make_trained_models.py OUT_DIR [--models resnet50,mobilenetv2] [--size 32] [--epochs N]
        [--minutes 20] [--batch 8] [--threads 1]
writes NAME.onnx (input "input" [batch, 3, size, size], output "logits" [batch, 10]), NAME_calib.npy,
NAME_held.npy, NAME_held_labels.npy and prints each model's held-out accuracy. Training runs a fixed number of
epochs (EPOCHS, or --epochs), so the same command gives the same models; --minutes only cuts a training that
runs far too long (a busy machine), and says so. Not committed (ResNet-50 is ~90 MB).
"""
from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

CLASSES = 10
TRAIN = 1437                    # the rest of the 1797 digits are held out
MEAN, STD = 0.45, 0.25          # normalisation of the augmented images
PEAK_LR = 2e-3                  # AdamW, one cycle: linear warm-up over 10% of the steps, cosine decay
BATCH = 32                      # training batch
EPOCHS = {"resnet50": 12, "mobilenetv2": 20}    # ~6 and ~3 minutes on one free core


# ---- the architectures -----------------------------------------------------------------------------------

class Bottleneck(nn.Module):
    """ResNet-50's block: 1x1 reduce, 3x3 (stride here, as torchvision's v1.5), 1x1 expand x4, shortcut."""

    def __init__(self, cin: int, width: int, stride: int):
        super().__init__()
        cout = width * 4
        self.conv1, self.bn1 = nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout)
        nn.init.zeros_(self.bn3.weight)                # residual branches start at zero (Goyal et al.)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet50(nn.Module):
    def __init__(self, classes: int = CLASSES):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for width, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            for i in range(count):
                blocks.append(Bottleneck(cin, width, stride if i == 0 else 1))
                cin = width * 4
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def conv_bn(cin: int, cout: int, k: int, stride: int = 1, groups: int = 1, relu: bool = True) -> nn.Sequential:
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*(layers + [nn.ReLU6()] if relu else layers))


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expand (t), 3x3 depthwise, 1x1 linear projection, shortcut when shapes match."""

    def __init__(self, cin: int, cout: int, stride: int, t: int):
        super().__init__()
        hidden = cin * t
        layers = [conv_bn(cin, hidden, 1)] if t != 1 else []
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), conv_bn(hidden, cout, 1, relu=False)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class MobileNetV2(nn.Module):
    def __init__(self, classes: int = CLASSES):
        super().__init__()
        layers, cin = [conv_bn(3, 32, 3, 2)], 32
        for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                           (6, 160, 3, 2), (6, 320, 1, 1)):
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(conv_bn(cin, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(1280, classes)

    def forward(self, x):
        x = torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1)
        return self.fc(self.dropout(x))


MODELS = {"resnet50": ResNet50, "mobilenetv2": MobileNetV2}


# ---- the data ----------------------------------------------------------------------------------------------

def digits() -> tuple:
    """(images [1797, 1, 8, 8] in [0, 1], labels), in a fixed shuffled order: the first TRAIN for training."""
    from sklearn.datasets import load_digits
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    return (d.images[order] / 16.0).astype(np.float32)[:, None], d.target[order].astype(np.int64)


def augment(x: torch.Tensor, size: int, gen: torch.Generator) -> torch.Tensor:
    """8x8 digits -> normalised [N, 3, size, size] images with a random affine warp, ink/paper colours,
    contrast, blur level and noise per image (see the module docstring)."""
    n = x.shape[0]

    def u(lo, hi, *shape):
        return lo + (hi - lo) * torch.rand((n,) + shape, generator=gen)

    angle, scale, shear = u(-0.3, 0.3), u(0.8, 1.15), u(-0.2, 0.2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin + shear, u(-0.15, 0.15)], 1),
                         torch.stack([sin, cos, u(-0.15, 0.15)], 1)], 1)
    big = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    grid = F.affine_grid(theta, (n, 1, size, size), align_corners=False)
    ink = F.grid_sample(big, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    ink_colour, paper = u(0.5, 1.0, 3, 1, 1), u(0.0, 0.5, 3, 1, 1)
    img = paper + (ink_colour - paper) * ink.clamp(0, 1) * u(0.6, 1.2, 1, 1, 1)
    img = img + u(0.0, 0.08, 1, 1, 1) * torch.randn(img.shape, generator=gen)
    return ((img - MEAN) / STD).float()


# ---- training and export -----------------------------------------------------------------------------------

def train(name: str, size: int, epochs: int, minutes: float, seed: int = 0) -> nn.Module:
    """The model trained for ``epochs`` (AdamW, one-cycle schedule, batches of BATCH); stops early, with a
    note, when ``minutes`` have passed. Deterministic for a seed unless it stops early."""
    torch.manual_seed(seed)
    x, y = digits()
    x_train, y_train = torch.from_numpy(x[:TRAIN]), torch.from_numpy(y[:TRAIN])
    model = MODELS[name]()
    steps_per_epoch = TRAIN // BATCH
    opt = torch.optim.AdamW(model.parameters(), lr=PEAK_LR, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    start, total, step = time.time(), epochs * steps_per_epoch, 0
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(TRAIN, generator=gen)
        seen = correct = 0
        loss_sum = 0.0
        for k in range(steps_per_epoch):
            idx = order[k * BATCH:(k + 1) * BATCH]
            frac = step / total
            lr = PEAK_LR * (frac / 0.1 if frac < 0.1 else 0.5 * (1 + math.cos(math.pi * (frac - 0.1) / 0.9)))
            for g in opt.param_groups:
                g["lr"] = lr
            logits = model(augment(x_train[idx], size, gen))
            loss = F.cross_entropy(logits, y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            seen += len(idx)
            correct += int((logits.argmax(1) == y_train[idx]).sum())
            loss_sum += loss.item() * len(idx)
        took = time.time() - start
        print(f"{name} epoch {epoch + 1}/{epochs}: loss {loss_sum / seen:.4f}, train accuracy {correct / seen:.4f}, "
              f"{took:.0f} s", flush=True)
        if took > minutes * 60.0 and epoch + 1 < epochs:
            print(f"{name}: stopped after {epoch + 1} of {epochs} epochs (--minutes {minutes})", flush=True)
            break
    # BatchNorm statistics of the final weights (the running averages lag behind a short training)
    model.train()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None                     # cumulative average
    with torch.no_grad():
        for k in range(0, TRAIN - BATCH + 1, BATCH):
            model(augment(x_train[k:k + BATCH], size, gen))
    model.eval()
    return model


def held_out(size: int) -> tuple:
    """(held-out images, labels, calibration images): fixed augmentations (seeds 1 and 2)."""
    x, y = digits()
    held = augment(torch.from_numpy(x[TRAIN:]), size, torch.Generator().manual_seed(1))
    calib = augment(torch.from_numpy(x[:64]), size, torch.Generator().manual_seed(2))
    return held.numpy(), y[TRAIN:], calib.numpy()


def export(model: nn.Module, path: str, batch: int, size: int) -> None:
    import onnx
    torch.onnx.export(model, (torch.zeros(batch, 3, size, size),), path, input_names=["input"],
                      output_names=["logits"], opset_version=13, dynamo=False)
    m = onnx.load(path)
    onnx.checker.check_model(m)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--models", default="resnet50,mobilenetv2")
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--epochs", type=int, help="epochs for every model (default: EPOCHS)")
    ap.add_argument("--minutes", type=float, default=20.0, help="stop a model's training after this long")
    ap.add_argument("--batch", type=int, default=8, help="batch of the exported model")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (more than the free cores makes training many times slower)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    held, labels, calib = held_out(a.size)
    n = len(held) - len(held) % a.batch
    for name in a.models.split(","):
        model = train(name, a.size, a.epochs or EPOCHS[name], a.minutes)
        with torch.no_grad():
            logits = torch.cat([model(torch.from_numpy(held[i:i + a.batch])) for i in range(0, n, a.batch)])
        acc = float((logits.argmax(1).numpy() == labels[:n]).mean())
        print(f"{name}: held-out accuracy {acc:.4f} ({n} images)", flush=True)
        export(model, os.path.join(a.out, f"{name}.onnx"), a.batch, a.size)
        np.save(os.path.join(a.out, f"{name}_calib.npy"), calib)
        np.save(os.path.join(a.out, f"{name}_held.npy"), held[:n])
        np.save(os.path.join(a.out, f"{name}_held_labels.npy"), labels[:n])
        print(f"wrote {a.out}/{name}.onnx (+ _calib.npy, _held.npy, _held_labels.npy)", flush=True)


if __name__ == "__main__":
    main()
