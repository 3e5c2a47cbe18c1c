"""Write Caffe deploy nets (.prototxt) with random-weight .caffemodels using our caffe_pb2 (no Caffe needed).

    python tools/make_caffe_models.py --out /tmp/caffe_models                 # reduced depth (fast)
    python tools/make_caffe_models.py --out /tmp/caffe_models --full          # real layer counts/sizes
    python tools/make_caffe_models.py --out /tmp/caffe_models --only resnet50 mobilenet_ssd

Nets with the structure of ResNet-50 (BatchNorm + Scale), MobileNet v1 (depthwise group convs),
GoogLeNet (inception Concat, LRN) and MobileNet-SSD (Permute/Flatten/Concat heads, PriorBox,
DetectionOutput). ``CaffeNetBuilder`` is also what the Caffe tests use to write small nets.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from google.protobuf import text_format  # noqa: E402

from converter.proto import caffe_pb2  # noqa: E402


def _set_params(msg, params: dict) -> None:
    """Fill a protobuf message from a dict (nested dicts for messages, lists for repeated fields)."""
    for key, value in params.items():
        field = msg.DESCRIPTOR.fields_by_name[key]
        if field.message_type is not None:
            if field.is_repeated:
                for item in (value if isinstance(value, list) else [value]):
                    _set_params(getattr(msg, key).add(), item)
            else:
                _set_params(getattr(msg, key), value)
        elif field.is_repeated:
            getattr(msg, key).extend(value if isinstance(value, (list, tuple)) else [value])
        else:
            setattr(msg, key, value)


class CaffeNetBuilder:
    """Builds a NetParameter (the .prototxt) and the blobs of each layer (the .caffemodel)."""

    def __init__(self, name: str = "net", seed: int = 0):
        self.net = caffe_pb2.NetParameter(name=name)
        self.blobs: dict = {}
        self.rng = np.random.default_rng(seed)

    # ---- generic ------------------------------------------------------------------------------
    def input(self, name: str, shape, style: str = "layer") -> str:
        """An input blob as an Input layer (style "layer") or legacy input/input_shape/input_dim."""
        if style == "layer":
            self.layer("Input", name, [], [name], input_param={"shape": [{"dim": list(shape)}]})
        elif style == "input_shape":
            self.net.input.append(name)
            self.net.input_shape.add().dim.extend(shape)
        else:
            self.net.input.append(name)
            self.net.input_dim.extend(shape)
        return name

    def layer(self, type_: str, name: str, bottoms, tops, blobs=None, **params) -> str:
        layer = self.net.layer.add(name=name, type=type_)
        layer.bottom.extend([bottoms] if isinstance(bottoms, str) else bottoms)
        layer.top.extend([tops] if isinstance(tops, str) else tops)
        _set_params(layer, params)
        if blobs is not None:
            self.blobs[name] = [np.asarray(b, np.float32) for b in blobs]
        return layer.top[0] if layer.top else name

    def randn(self, *shape, scale: float = 1.0) -> np.ndarray:
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def save(self, folder: str, name: str | None = None, legacy_shapes: bool = False) -> tuple:
        """Write NAME.prototxt and NAME.caffemodel; returns their paths."""
        name = name or self.net.name
        os.makedirs(folder, exist_ok=True)
        proto_path = os.path.join(folder, name + ".prototxt")
        model_path = os.path.join(folder, name + ".caffemodel")
        with open(proto_path, "w") as f:
            f.write(text_format.MessageToString(self.net))
        weights = caffe_pb2.NetParameter(name=self.net.name)
        for layer in self.net.layer:
            out = weights.layer.add(name=layer.name, type=layer.type)
            for arr in self.blobs.get(layer.name, []):
                blob = out.blobs.add()
                if legacy_shapes and arr.ndim <= 4:
                    dims = (1,) * (4 - arr.ndim) + arr.shape
                    blob.num, blob.channels, blob.height, blob.width = dims
                else:
                    blob.shape.dim.extend(arr.shape)
                blob.data.extend(arr.reshape(-1).tolist())
        with open(model_path, "wb") as f:
            f.write(weights.SerializeToString())
        return proto_path, model_path

    # ---- common layers ------------------------------------------------------------------------
    def conv(self, name, bottom, cin, cout, k, stride=1, pad=0, group=1, bias=True, top=None) -> str:
        fan_in = cin // group * k * k
        blobs = [self.randn(cout, cin // group, k, k, scale=np.sqrt(2.0 / fan_in))]
        if bias:
            blobs.append(self.randn(cout, scale=0.1))
        p = {"num_output": cout, "kernel_size": [k], "stride": [stride], "pad": [pad], "bias_term": bias}
        if group > 1:
            p["group"] = group
        return self.layer("Convolution", name, bottom, top or name, blobs, convolution_param=p)

    def bn_scale(self, name, bottom, c, factor: float = 1.0) -> str:
        """BatchNorm (mean, var, scale factor blobs) + Scale with bias, in place like ResNet's."""
        mean = self.randn(c, scale=0.1) * factor
        var = (self.rng.uniform(0.5, 1.5, c) * factor).astype(np.float32)
        self.layer("BatchNorm", f"bn_{name}", bottom, bottom, [mean, var, np.array([factor], np.float32)],
                   batch_norm_param={"use_global_stats": True})
        return self.layer("Scale", f"scale_{name}", bottom, bottom,
                          [self.rng.uniform(0.5, 1.5, c), self.randn(c, scale=0.1)], scale_param={"bias_term": True})

    def relu(self, name, bottom) -> str:
        return self.layer("ReLU", name, bottom, bottom)

    def pool(self, name, bottom, k, stride, pool="MAX", pad=0, global_pooling=False) -> str:
        P = caffe_pb2.PoolingParameter
        p = {"pool": getattr(P, pool)}
        if global_pooling:
            p["global_pooling"] = True
        else:
            p.update(kernel_size=k, stride=stride, pad=pad)
        return self.layer("Pooling", name, bottom, name, pooling_param=p)

    def fc(self, name, bottom, k_in, n_out) -> str:
        return self.layer("InnerProduct", name, bottom, name,
                          [self.randn(n_out, k_in, scale=np.sqrt(1.0 / k_in)), self.randn(n_out, scale=0.1)],
                          inner_product_param={"num_output": n_out})


# ---- the structural nets ------------------------------------------------------------------------

def resnet50(full: bool = False) -> tuple:
    """ResNet-50: conv/BN/Scale/ReLU, bottleneck blocks with projection shortcuts, Eltwise SUM."""
    size, width, blocks = (224, 64, [3, 4, 6, 3]) if full else (64, 16, [1, 1, 1, 1])
    b = CaffeNetBuilder("resnet50")
    x = b.input("data", [1, 3, size, size])
    x = b.conv("conv1", x, 3, width, 7, stride=2, pad=3, bias=False)
    b.bn_scale("conv1", x, width)
    x = b.relu("conv1_relu", x)
    x = b.pool("pool1", x, 3, 2)
    cin = width
    for stage, n_blocks in enumerate(blocks):
        mid = width * 2 ** stage
        cout = mid * 4
        for i in range(n_blocks):
            tag = f"{stage + 2}{chr(ord('a') + i)}"
            stride = 2 if i == 0 and stage > 0 else 1
            if i == 0:
                short = b.conv(f"res{tag}_branch1", x, cin, cout, 1, stride=stride, bias=False)
                b.bn_scale(f"{tag}_branch1", short, cout)
            else:
                short = x
            y = b.conv(f"res{tag}_branch2a", x, cin, mid, 1, stride=stride, bias=False)
            b.bn_scale(f"{tag}_branch2a", y, mid)
            y = b.relu(f"res{tag}_branch2a_relu", y)
            y = b.conv(f"res{tag}_branch2b", y, mid, mid, 3, pad=1, bias=False)
            b.bn_scale(f"{tag}_branch2b", y, mid)
            y = b.relu(f"res{tag}_branch2b_relu", y)
            y = b.conv(f"res{tag}_branch2c", y, mid, cout, 1, bias=False)
            b.bn_scale(f"{tag}_branch2c", y, cout)
            x = b.layer("Eltwise", f"res{tag}", [short, y], f"res{tag}")
            x = b.relu(f"res{tag}_relu", x)
            cin = cout
    x = b.pool("pool5", x, 0, 0, pool="AVE", global_pooling=True)
    x = b.fc("fc1000", x, cin, 1000 if full else 10)
    b.layer("Softmax", "prob", x, "prob")
    return b, {"data": (1, 3, size, size)}


MOBILENET_CFG = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2),
                 (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 512, 1), (512, 1024, 2),
                 (1024, 1024, 1)]


def _mobilenet_body(b: CaffeNetBuilder, x: str, cfg, div: int) -> tuple:
    x = b.conv("conv0", x, 3, 32 // div, 3, stride=2, pad=1, bias=False)
    b.bn_scale("conv0", x, 32 // div)
    x = b.relu("conv0_relu", x)
    feats = []
    for i, (cin, cout, stride) in enumerate(cfg, start=1):
        cin, cout = cin // div, cout // div
        x = b.conv(f"conv{i}_dw", x, cin, cin, 3, stride=stride, pad=1, group=cin, bias=False)
        b.bn_scale(f"conv{i}_dw", x, cin)
        x = b.relu(f"conv{i}_dw_relu", x)
        x = b.conv(f"conv{i}", x, cin, cout, 1, bias=False)
        b.bn_scale(f"conv{i}", x, cout)
        x = b.relu(f"conv{i}_relu", x)
        feats.append((x, cout))
    return x, feats


def mobilenet(full: bool = False) -> tuple:
    """MobileNet v1: depthwise (group = channels) + pointwise convs, global average pool, 1x1 conv classifier."""
    size, div, cfg = (224, 1, MOBILENET_CFG) if full else (64, 8, MOBILENET_CFG[:6])
    b = CaffeNetBuilder("mobilenet")
    x = b.input("data", [1, 3, size, size], style="input_dim")
    x, feats = _mobilenet_body(b, x, cfg, div)
    x = b.pool("pool6", x, 0, 0, pool="AVE", global_pooling=True)
    x = b.conv("fc7", x, feats[-1][1], 1000 if full else 10, 1)
    x = b.layer("Flatten", "flatten", x, "flatten")
    b.layer("Softmax", "prob", x, "prob")
    return b, {"data": (1, 3, size, size)}


def _inception(b: CaffeNetBuilder, name: str, x: str, cin: int, c1, c3r, c3, c5r, c5, pp) -> tuple:
    outs = []
    y = b.conv(f"{name}/1x1", x, cin, c1, 1)
    outs.append(b.relu(f"{name}/relu_1x1", y))
    y = b.relu(f"{name}/relu_3x3_reduce", b.conv(f"{name}/3x3_reduce", x, cin, c3r, 1))
    outs.append(b.relu(f"{name}/relu_3x3", b.conv(f"{name}/3x3", y, c3r, c3, 3, pad=1)))
    y = b.relu(f"{name}/relu_5x5_reduce", b.conv(f"{name}/5x5_reduce", x, cin, c5r, 1))
    outs.append(b.relu(f"{name}/relu_5x5", b.conv(f"{name}/5x5", y, c5r, c5, 5, pad=2)))
    y = b.pool(f"{name}/pool", x, 3, 1, pad=1)
    outs.append(b.relu(f"{name}/relu_pool_proj", b.conv(f"{name}/pool_proj", y, cin, pp, 1)))
    out = b.layer("Concat", f"{name}/output", outs, f"{name}/output")
    return out, c1 + c3 + c5 + pp


GOOGLENET_CFG = [("inception_3a", 64, 96, 128, 16, 32, 32), ("inception_3b", 128, 128, 192, 32, 96, 64), "pool",
                 ("inception_4a", 192, 96, 208, 16, 48, 64), ("inception_4b", 160, 112, 224, 24, 64, 64),
                 ("inception_4c", 128, 128, 256, 24, 64, 64), ("inception_4d", 112, 144, 288, 32, 64, 64),
                 ("inception_4e", 256, 160, 320, 32, 128, 128), "pool",
                 ("inception_5a", 256, 160, 320, 32, 128, 128), ("inception_5b", 384, 192, 384, 48, 128, 128)]


def googlenet(full: bool = False) -> tuple:
    """GoogLeNet: LRN after the stem, inception modules (four branches joined by Concat), ceil-mode pools."""
    size, div, cfg = (224, 1, GOOGLENET_CFG) if full else (64, 8, GOOGLENET_CFG[:3] + GOOGLENET_CFG[9:10])
    b = CaffeNetBuilder("googlenet")
    x = b.input("data", [1, 3, size, size], style="input_shape")
    x = b.relu("conv1/relu_7x7", b.conv("conv1/7x7_s2", x, 3, 64 // div, 7, stride=2, pad=3))
    x = b.pool("pool1/3x3_s2", x, 3, 2)
    x = b.layer("LRN", "pool1/norm1", x, "pool1/norm1", lrn_param={"local_size": 5, "alpha": 1e-4, "beta": 0.75})
    x = b.relu("conv2/relu_3x3_reduce", b.conv("conv2/3x3_reduce", x, 64 // div, 64 // div, 1))
    x = b.relu("conv2/relu_3x3", b.conv("conv2/3x3", x, 64 // div, 192 // div, 3, pad=1))
    x = b.layer("LRN", "conv2/norm2", x, "conv2/norm2", lrn_param={"local_size": 5, "alpha": 1e-4, "beta": 0.75})
    x = b.pool("pool2/3x3_s2", x, 3, 2)
    cin, n_pool = 192 // div, 3
    for entry in cfg:
        if entry == "pool":
            x = b.pool(f"pool{n_pool}/3x3_s2", x, 3, 2)
            n_pool += 1
            continue
        name, *chans = entry
        x, cin = _inception(b, name, x, cin, *[max(1, c // div) for c in chans])
    x = b.pool("pool5/7x7_s1", x, 0, 0, pool="AVE", global_pooling=True)
    x = b.layer("Dropout", "pool5/drop_7x7_s1", x, x, dropout_param={"dropout_ratio": 0.4})
    x = b.fc("loss3/classifier", x, cin, 1000 if full else 10)
    b.layer("Softmax", "prob", x, "prob")
    return b, {"data": (1, 3, size, size)}


def _ssd_head(b: CaffeNetBuilder, name: str, feat: str, cin: int, min_size, max_size, ratios, n_cls: int,
              heads: dict) -> None:
    n_prior = 1 + (1 if max_size else 0) + 2 * len(ratios)
    for kind, per in (("loc", 4), ("conf", n_cls)):
        y = b.conv(f"{name}_mbox_{kind}", feat, cin, n_prior * per, 1 if kind == "conf" else 3,
                   pad=0 if kind == "conf" else 1)
        y = b.layer("Permute", f"{name}_mbox_{kind}_perm", y, f"{name}_mbox_{kind}_perm",
                    permute_param={"order": [0, 2, 3, 1]})
        heads[kind].append(b.layer("Flatten", f"{name}_mbox_{kind}_flat", y, f"{name}_mbox_{kind}_flat",
                                   flatten_param={"axis": 1}))
    p = {"min_size": [min_size], "aspect_ratio": ratios, "flip": True, "clip": False,
         "variance": [0.1, 0.1, 0.2, 0.2], "offset": 0.5}
    if max_size:
        p["max_size"] = [max_size]
    heads["prior"].append(b.layer("PriorBox", f"{name}_mbox_priorbox", [feat, "data"], f"{name}_mbox_priorbox",
                                  prior_box_param=p))


def mobilenet_ssd(full: bool = False) -> tuple:
    """MobileNet-SSD: MobileNet body, loc/conf heads (Permute + Flatten + Concat), PriorBox, softmax over
    classes (Reshape + Softmax + Flatten) and DetectionOutput."""
    size, div, cfg = (300, 1, MOBILENET_CFG) if full else (96, 8, MOBILENET_CFG[:6])
    n_cls = 21 if full else 5
    b = CaffeNetBuilder("mobilenet_ssd", seed=1)
    x = b.input("data", [1, 3, size, size])
    x, feats = _mobilenet_body(b, x, cfg, div)
    heads = {"loc": [], "conf": [], "prior": []}
    sources = [feats[len(cfg) - 3], feats[-1]]   # a stride-16 and the last feature map
    sizes = [(size // 5, None, [2.0]), (size * 7 // 20, size // 2, [2.0, 3.0])]
    extra_cin = sources[-1][1]
    if full:
        x2 = x
        for i, (mid, out) in enumerate([(256, 512), (128, 256), (128, 256), (64, 128)], start=14):
            y = b.relu(f"conv{i}_1_relu", b.conv(f"conv{i}_1", x2, extra_cin, mid, 1))
            x2 = b.relu(f"conv{i}_2_relu", b.conv(f"conv{i}_2", y, mid, out, 3, stride=2, pad=1))
            sources.append((x2, out))
            extra_cin = out
        sizes = [(60, None, [2.0]), (105, 150, [2.0, 3.0]), (150, 195, [2.0, 3.0]), (195, 240, [2.0, 3.0]),
                 (240, 285, [2.0, 3.0]), (285, 300, [2.0, 3.0])]
    for (feat, cin), (mn, mx, ratios) in zip(sources, sizes):
        _ssd_head(b, feat, feat, cin, float(mn), float(mx) if mx else None, ratios, n_cls, heads)
    loc = b.layer("Concat", "mbox_loc", heads["loc"], "mbox_loc", concat_param={"axis": 1})
    conf = b.layer("Concat", "mbox_conf", heads["conf"], "mbox_conf", concat_param={"axis": 1})
    prior = b.layer("Concat", "mbox_priorbox", heads["prior"], "mbox_priorbox", concat_param={"axis": 2})
    conf = b.layer("Reshape", "mbox_conf_reshape", conf, "mbox_conf_reshape",
                   reshape_param={"shape": {"dim": [0, -1, n_cls]}})
    conf = b.layer("Softmax", "mbox_conf_softmax", conf, "mbox_conf_softmax", softmax_param={"axis": 2})
    conf = b.layer("Flatten", "mbox_conf_flatten", conf, "mbox_conf_flatten", flatten_param={"axis": 1})
    b.layer("DetectionOutput", "detection_out", [loc, conf, prior], "detection_out",
            detection_output_param={"num_classes": n_cls, "share_location": True, "background_label_id": 0,
                                    "nms_param": {"nms_threshold": 0.45, "top_k": 100},
                                    "code_type": caffe_pb2.PriorBoxParameter.CENTER_SIZE,
                                    "keep_top_k": 100, "confidence_threshold": 0.25})
    return b, {"data": (1, 3, size, size)}


MODELS = {"resnet50": resnet50, "mobilenet": mobilenet, "googlenet": googlenet, "mobilenet_ssd": mobilenet_ssd}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for NAME.prototxt and NAME.caffemodel")
    parser.add_argument("--full", action="store_true", help="real depth and input size (slow, large files)")
    parser.add_argument("--only", nargs="*", choices=sorted(MODELS), help="models to write (default: all)")
    ns = parser.parse_args(argv)
    for name in ns.only or sorted(MODELS):
        builder, shapes = MODELS[name](full=ns.full)
        proto, model = builder.save(ns.out, name)
        shape_opt = ";".join(f"{k}:{','.join(map(str, v))}" for k, v in shapes.items())
        print(f"wrote {proto} and {model} (--input_shape=\"{shape_opt}\")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
