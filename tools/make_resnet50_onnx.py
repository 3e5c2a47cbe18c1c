"""Generate a ResNet-50-shaped ONNX model with random weights (about 100 MB), for benchmarks.

Run: python tools/make_resnet50_onnx.py OUT.onnx [--batch N] [--dynamic]
Not committed: big reference models are generated, tests use small ones.
"""
from __future__ import annotations

import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class _Net:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base: str) -> str:
        self.n += 1
        return f"{base}_{self.n}"

    def weight(self, base, shape, scale):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array((self.rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def conv_bn(self, x, cin, cout, k, stride=1, relu=True):
        w = self.weight("w", (cout, cin, k, k), np.sqrt(2.0 / (cin * k * k)))
        y = self.name("conv")
        self.nodes.append(helper.make_node("Conv", [x, w], [y], name=y, kernel_shape=[k, k],
                                           strides=[stride, stride], pads=[k // 2] * 4))
        s = self.weight("bn_s", (cout,), 0.1)
        self.inits[-1] = numpy_helper.from_array(1 + numpy_helper.to_array(self.inits[-1]), s)
        b = self.weight("bn_b", (cout,), 0.1)
        m = self.weight("bn_m", (cout,), 0.1)
        v = self.name("bn_v")
        self.inits.append(numpy_helper.from_array((0.5 + self.rng.random(cout)).astype(np.float32), v))
        z = self.name("bn")
        self.nodes.append(helper.make_node("BatchNormalization", [y, s, b, m, v], [z], name=z))
        if not relu:
            return z
        r = self.name("relu")
        self.nodes.append(helper.make_node("Relu", [z], [r], name=r))
        return r

    def bottleneck(self, x, cin, mid, cout, stride):
        y = self.conv_bn(x, cin, mid, 1)
        y = self.conv_bn(y, mid, mid, 3, stride)
        y = self.conv_bn(y, mid, cout, 1, relu=False)
        sc = self.conv_bn(x, cin, cout, 1, stride, relu=False) if (stride != 1 or cin != cout) else x
        a, r = self.name("add"), self.name("relu")
        self.nodes += [helper.make_node("Add", [y, sc], [a], name=a), helper.make_node("Relu", [a], [r], name=r)]
        return r


def resnet50(batch=1, dynamic=False, seed=0, num_classes=1000, blocks=(3, 4, 6, 3), width=64,
             size=224) -> onnx.ModelProto:
    """ResNet-50 by default; smaller ``blocks``/``width``/``size`` give the same structure at test size.
    Stage outputs are named stage1..stage4 (useful cut points for splitting the network)."""
    net = _Net(seed)
    x = net.conv_bn("input", 3, width, 7, 2)
    p = net.name("pool")
    net.nodes.append(helper.make_node("MaxPool", [x], [p], name=p, kernel_shape=[3, 3], strides=[2, 2],
                                      pads=[1, 1, 1, 1]))
    x, cin = p, width
    stages = [(width, blocks[0], 1), (width * 2, blocks[1], 2), (width * 4, blocks[2], 2), (width * 8, blocks[3], 2)]
    for stage, (mid, count, stride) in enumerate(stages, 1):
        for i in range(count):
            x = net.bottleneck(x, cin, mid, mid * 4, stride if i == 0 else 1)
            cin = mid * 4
        last = net.nodes[-1]
        last.output[0] = last.name = f"stage{stage}"
        x = last.output[0]
    g, f = net.name("gap"), net.name("flatten")
    w = net.weight("fc_w", (num_classes, cin), 0.01)
    b = net.weight("fc_b", (num_classes,), 0.01)
    net.nodes += [helper.make_node("GlobalAveragePool", [x], [g], name=g),
                  helper.make_node("Flatten", [g], [f], name=f),
                  helper.make_node("Gemm", [f, w, b], ["logits"], name="fc", transB=1),
                  helper.make_node("Softmax", ["logits"], ["prob"], name="softmax", axis=1)]
    n = "N" if dynamic else batch
    graph = helper.make_graph(net.nodes, "resnet50",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [n, 3, size, size])],
                              [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [n, num_classes])],
                              net.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_resnet50")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--dynamic", action="store_true")
    a = ap.parse_args()
    onnx.save(resnet50(a.batch, a.dynamic), a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
