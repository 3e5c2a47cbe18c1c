"""Write our canonical graphs as MindSpore-style ``.air`` models (a GE ModelDef of Ascend IR ops) for
``atc --framework=1``: the tests' round trip (ONNX -> our graph -> .air -> atc --framework=1 -> .om) and sample
files. Each canonical op becomes the Ascend IR op of the same computation with Ascend IR's attribute conventions
(4-D strides in the data format's order, pads [top, bottom, left, right], ksize, concat_dim, ...); Consts carry
their values inline, Data ops their ``index``. Only the op types listed in EXPORTERS are written.

Run: python tools/make_air_models.py OUT_DIR     (tiny_cnn, dynamic_seg, mlp, encoder, lstm_tagger .air files)
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np

from converter.ir import DataType, Graph, TensorDesc
from converter.om.attrs import desc_to_proto, inline_tensor, to_attr
from converter.proto import ge_ir_pb2 as ge

# our DataType -> ge::DataType (C++ numbering, as Cast's dst_type holds it)
GE_DTYPE = {DataType.DT_FLOAT: 0, DataType.DT_FLOAT16: 1, DataType.DT_INT8: 2, DataType.DT_INT32: 3,
            DataType.DT_UINT8: 4, DataType.DT_INT16: 6, DataType.DT_INT64: 9, DataType.DT_BOOL: 12}


class Export:
    """One canonical op being written: its inputs (refs), descriptors and a way to add consts."""

    def __init__(self, writer: "AirWriter", op):
        self.writer, self.op, self.graph = writer, op, writer.graph
        self.refs = writer.graph.inputs_of(op.name)

    def shape(self, i: int) -> tuple:
        return tuple(self.graph.desc(self.refs[i]).shape)

    def out_shape(self, k: int = 0) -> tuple:
        return tuple(self.op.outputs[k].shape)

    def value(self, i: int):
        ref = self.refs[i] if i < len(self.refs) else None
        return None if ref is None else self.graph.const_value(ref)

    def const(self, value, suffix: str) -> tuple:
        return self.writer.const(np.asarray(value), f"{self.op.name}/{suffix}")


def _pads(e: Export, kernel, strides, dilations) -> list:
    """Explicit pads [top, bottom, left, right] (auto_pad resolved on the static input shape)."""
    a = e.op.attrs
    mode = a.get("auto_pad", "NOTSET")
    if mode in ("NOTSET", None, ""):
        t, left, b, r = (list(a.get("pads") or [0, 0, 0, 0]) + [0, 0, 0, 0])[:4]
        return [t, b, left, r]
    if mode == "VALID":
        return [0, 0, 0, 0]
    out = []
    for size, k, s, d in zip(e.shape(0)[2:], kernel, strides, dilations):
        total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
        small = total // 2
        out.append((small, total - small) if mode == "SAME_UPPER" else (total - small, small))
    return [out[0][0], out[0][1], out[1][0], out[1][1]]


def _nchw(values) -> list:
    return [1, 1] + [int(v) for v in values]


def _check_nchw(e: Export) -> None:
    if e.op.attrs.get("data_format", "NCHW") != "NCHW":
        raise ValueError(f"{e.op.type} {e.op.name!r}: only NCHW is exported")


def conv(e: Export):
    _check_nchw(e)
    a = e.op.attrs
    kernel = e.shape(1)[2:]
    strides, dilations = a.get("strides") or [1, 1], a.get("dilations") or [1, 1]
    return "Conv2D", [0, 1, 2], {"strides": _nchw(strides), "dilations": _nchw(dilations), "data_format": "NCHW",
                                 "pads": _pads(e, kernel, strides, dilations), "groups": int(a.get("groups", 1))}


def conv_transpose(e: Export):
    _check_nchw(e)
    a = e.op.attrs
    strides, dilations = a.get("strides") or [1, 1], a.get("dilations") or [1, 1]
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise ValueError("Conv2DTranspose with SAME padding is not exported")
    t, left, b, r = (list(a.get("pads") or [0, 0, 0, 0]) + [0] * 4)[:4]
    return "Conv2DTransposeD", [0, 1, 2], {
        "input_size": list(e.out_shape()), "strides": _nchw(strides), "dilations": _nchw(dilations),
        "pads": [t, b, left, r], "groups": int(a.get("groups", 1)), "data_format": "NCHW",
        "output_padding": _nchw(a.get("output_padding") or [0, 0])}


def pool(e: Export):
    _check_nchw(e)
    a = e.op.attrs
    kernel, strides = a["kernel_shape"], a.get("strides") or [1, 1]
    attrs = {"ksize": _nchw(kernel), "strides": _nchw(strides), "padding_mode": "CALCULATED",
             "pads": _pads(e, kernel, strides, [1, 1]), "data_format": "NCHW", "global_pooling": False,
             "ceil_mode": bool(a.get("ceil_mode", False))}
    if e.op.type == "AvgPool":
        attrs["exclusive"] = not a.get("count_include_pad", False)
        return "AvgPoolV2", [0], attrs
    return "MaxPoolV3", [0], attrs


def global_pool(e: Export):
    _check_nchw(e)
    h, w = e.shape(0)[2:]
    attrs = {"ksize": [1, 1, h, w], "strides": [1, 1, 1, 1], "padding_mode": "VALID", "data_format": "NCHW",
             "global_pooling": True}
    return ("AvgPoolV2" if e.op.type == "GlobalAveragePool" else "MaxPoolV3"), [0], attrs


def reshape(e: Export):
    """Reshape to the static output shape (Ascend IR's Reshape reads 0 as a zero-sized dim, not 'keep')."""
    shape = e.const(np.asarray(e.out_shape(), np.int64), "shape")
    return "Reshape", [0, shape], {}


def split(e: Export):
    a = e.op.attrs
    axis = a.get("axis", 0)
    sizes = [int(d.shape[axis]) for d in e.op.outputs]
    return "SplitVD", [0], {"size_splits": sizes, "split_dim": axis, "num_split": len(sizes)}


def layer_norm(e: Export):
    """Ascend IR's LayerNorm also has mean and variance outputs (normalised dims kept as 1)."""
    shape = e.shape(0)
    axis = e.op.attrs.get("axis", -1) % len(shape)
    stats = TensorDesc(dtype=e.op.outputs[0].dtype, shape=shape[:axis] + (1,) * (len(shape) - axis))
    return "LayerNorm", [0, 1, 2], {"begin_norm_axis": axis, "begin_params_axis": axis,
                                    "epsilon": float(e.op.attrs.get("epsilon", 1e-5))}, [stats, stats]


def rnn(e: Export):
    a = e.op.attrs
    if a.get("layout", 0):
        raise ValueError("recurrent ops with layout=1 are not exported")
    attrs = {"direction": a.get("direction", "forward"), "hidden_size": int(a["hidden_size"]),
             "activations": list(a.get("activations") or []), "activation_alpha": list(a.get("activation_alpha") or []),
             "activation_beta": list(a.get("activation_beta") or []),
             "clip": -1.0 if a.get("clip") is None else float(a["clip"])}
    if e.op.type == "LSTM":
        attrs["input_forget"] = int(a.get("input_forget", 0))
        return "CommonLSTM", list(range(8)), attrs
    attrs["linear_before_reset"] = int(a.get("linear_before_reset", 0))
    return "CommonGRU", list(range(6)), attrs


def resize(e: Export):
    a = e.op.attrs
    if a.get("axes") or a.get("antialias") or a.get("keep_aspect_ratio_policy", "stretch") != "stretch":
        raise ValueError("Resize with axes, antialias or an aspect-ratio policy is not exported")
    keys = ("mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "extrapolation_value")
    attrs = {k: a[k] for k in keys if k in a}
    attrs["exclude_outside"] = int(bool(a.get("exclude_outside", False)))
    return "Resize", [0, 1, 2, 3], attrs


def _same(ge_type: str, inputs=None):
    return lambda e: (ge_type, inputs if inputs is not None else list(range(len(e.refs))), {})


EXPORTERS = {
    "Conv2D": conv, "Conv2DTranspose": conv_transpose, "MaxPool": pool, "AvgPool": pool,
    "GlobalAveragePool": global_pool, "GlobalMaxPool": global_pool, "Reshape": reshape, "Split": split,
    "LayerNorm": layer_norm, "LSTM": rnn, "GRU": rnn, "Resize": resize,
    "Flatten": lambda e: ("Flatten", [0], {"axis": int(e.op.attrs.get("axis", 1))}),
    "MatMulV2": lambda e: ("MatMulV2", [0, 1, 2], {"transpose_x1": bool(e.op.attrs.get("transpose_x1", False)),
                                                 "transpose_x2": bool(e.op.attrs.get("transpose_x2", False))}),
    "BatchMatMulV2": lambda e: ("BatchMatMulV2", [0, 1], {"adj_x1": bool(e.op.attrs.get("adj_x1", False)),
                                                        "adj_x2": bool(e.op.attrs.get("adj_x2", False))}),
    "Softmax": lambda e: ("SoftmaxV2", [0], {"axes": [int(e.op.attrs.get("axis", -1))]}),
    "LogSoftmax": lambda e: ("LogSoftmaxV2", [0], {"axes": [int(e.op.attrs.get("axis", -1))]}),
    "HardSigmoid": lambda e: ("HardSigmoid", [0], {"alpha": float(e.op.attrs.get("alpha", 0.2)),
                                                   "beta": float(e.op.attrs.get("beta", 0.5))}),
    "ConcatD": lambda e: ("ConcatD", None, {"concat_dim": int(e.op.attrs["concat_dim"]), "N": len(e.refs)}),
    "Transpose": lambda e: ("TransposeD", [0], {"perm": [int(p) for p in e.op.attrs["perm"]]}),
    "GatherV2": lambda e: ("GatherV2", [0, 1, e.const(np.asarray([e.op.attrs.get("axis", 0)], np.int32), "axis")],
                           {}),
    "Unsqueeze": lambda e: ("Unsqueeze", [0], {"axes": [int(a) for a in e.op.attrs["axes"]]}),
    "Squeeze": lambda e: ("Squeeze", [0], {"axis": [int(a) for a in e.op.attrs.get("axes") or []]}),
    "Select": _same("SelectV2", [0, 1, 2]), "ClipByValue": _same("ClipByValue", [0, 1, 2]),
    "Cast": lambda e: ("Cast", [0], {"dst_type": GE_DTYPE[DataType(e.op.attrs["dst_type"])]}),
    **{t: _same(t) for t in ("Add", "Sub", "Mul", "RealDiv", "Equal", "Less", "Greater", "Maximum", "Minimum",
                             "Relu", "Sigmoid", "Tanh", "Erf", "Exp", "Sqrt", "Abs", "Neg", "Pow")},
}


class AirWriter:
    """A canonical graph (static shapes) written as a GE ModelDef of Ascend IR ops."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.model = ge.ModelDef()
        self.model.name = graph.name
        self.gdef = self.model.graph.add()
        self.gdef.name = graph.name
        self.names = {op.name for op in graph.ops()}

    def const(self, value: np.ndarray, name: str) -> tuple:
        while name in self.names:
            name += "_"
        self.names.add(name)
        op = self.gdef.op.add()
        op.name, op.type = name, "Const"
        inline_tensor(op.attr["value"].t, value)
        desc_to_proto(TensorDesc(dtype=op.attr["value"].t.desc.dtype, shape=tuple(value.shape), format="ND",
                                 origin_format="ND", origin_shape=tuple(value.shape)), op.output_desc.add())
        return (name, 0)

    def desc(self, d: TensorDesc) -> TensorDesc:
        fmt = d.format if d.format in ("NCHW", "NHWC", "ND") else "ND"
        return TensorDesc(dtype=d.dtype, shape=d.shape, format=fmt, origin_format=fmt, origin_shape=d.shape)

    def write(self) -> ge.ModelDef:
        used = set()
        for op in self.graph.topo_order():
            if op.type == "Const":
                continue
            for ref in self.graph.inputs_of(op.name):
                if ref is not None:
                    used.add(ref[0])
        for op in self.graph.topo_order():
            if op.type == "Const":
                if op.name in used:
                    self._const_op(op)
            elif op.type == "Data":
                out = self.gdef.op.add()
                out.name, out.type = op.name, "Data"
                to_attr(int(op.attrs.get("index", 0)), out.attr["index"])
                desc_to_proto(self.desc(op.outputs[0]), out.output_desc.add())
            elif op.type == "NetOutput":
                self._op(op, "NetOutput", list(range(len(self.graph.inputs_of(op.name)))), {})
            else:
                fn = EXPORTERS.get(op.type)
                if fn is None:
                    raise ValueError(f"no Ascend IR export for {op.type} ({op.name!r})")
                ge_type, inputs, attrs, *extra = fn(Export(self, op))
                self._op(op, ge_type, inputs, attrs, extra[0] if extra else ())
        return self.model

    def _const_op(self, op) -> None:
        out = self.gdef.op.add()
        out.name, out.type = op.name, "Const"
        inline_tensor(out.attr["value"].t, np.asarray(op.value))
        desc_to_proto(self.desc(op.outputs[0]), out.output_desc.add())

    def _op(self, op, ge_type: str, inputs, attrs: dict, extra_outputs=()) -> None:
        refs = self.graph.inputs_of(op.name)
        out = self.gdef.op.add()
        out.name, out.type = op.name, ge_type
        picked = list(range(len(refs))) if inputs is None else inputs
        while picked and isinstance(picked[-1], int) and (picked[-1] >= len(refs) or refs[picked[-1]] is None):
            picked = picked[:-1]                       # trailing absent optional inputs are left out
        for item in picked:
            ref = item if isinstance(item, tuple) else (refs[item] if item < len(refs) else None)
            out.input.append("" if ref is None else f"{ref[0]}:{ref[1]}")
            target = out.input_desc.add()
            if ref is not None:
                src = self.graph.desc(ref) if ref[0] in self.graph else self._const_desc(ref)
                desc_to_proto(self.desc(src), target)
        if ge_type != "NetOutput":
            for d in list(op.outputs) + list(extra_outputs):
                desc_to_proto(self.desc(d), out.output_desc.add())
        for key, value in sorted(attrs.items()):
            to_attr(value, out.attr[key])

    def _const_desc(self, ref) -> TensorDesc:
        from converter.om.attrs import desc_from_proto
        op = next(o for o in self.gdef.op if o.name == ref[0])
        return desc_from_proto(op.output_desc[0])


def graph_to_air(graph: Graph) -> ge.ModelDef:
    """The ModelDef of a canonical graph whose shapes are static (ValueError for ops not in EXPORTERS)."""
    return AirWriter(graph).write()


def onnx_to_air(onnx_path: str, input_shape: tuple) -> ge.ModelDef:
    """An ONNX model converted by our frontend and passes (fp32, shapes fixed) and written as .air."""
    from converter.api import build_graph
    from converter.options import ConvertOptions
    graph = build_graph(ConvertOptions(framework=5, model=onnx_path, output="unused", input_shape=input_shape,
                                       precision_mode="must_keep_origin_dtype"))
    return graph_to_air(graph)


MODELS = {"tiny_cnn": (("x", (1, 3, 32, 32)),), "dynamic_seg": (("x", (1, 3, 16, 16)),), "mlp": (("x", (2, 64)),),
          "encoder": (("ids", (2, 7)),), "lstm_tagger": (("ids", (5, 2)),)}


def sample_onnx(name: str):
    from tools.make_samples import dynamic_seg, mlp, tiny_cnn
    from tools.make_seq_models import lstm_tagger, transformer_encoder
    return {"tiny_cnn": tiny_cnn, "dynamic_seg": dynamic_seg, "mlp": mlp, "encoder": transformer_encoder,
            "lstm_tagger": lstm_tagger}[name]()


def main(out_dir: str) -> None:
    import tempfile

    import onnx
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, shapes in MODELS.items():
            src = os.path.join(tmp, name + ".onnx")
            onnx.save(sample_onnx(name), src)
            path = os.path.join(out_dir, name + ".air")
            with open(path, "wb") as f:
                f.write(onnx_to_air(src, shapes).SerializeToString(deterministic=True))
            print(f"wrote {path} (inputs {', '.join(f'{n}:{list(s)}' for n, s in shapes)})")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # tools.make_samples
    main(*(sys.argv[1:] or ["."]))
