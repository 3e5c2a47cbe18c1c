"""Seed inputs of the reader fuzzer, small enough that one case runs in tens of milliseconds: the shipped ONNX
samples and a few generated models (If, Loop, external data, folding chains), a small Caffe net, small TF
goldens (binary and text), our .om files of those (one with external weights) and the real ATC/HiAI files of
../shared/fixtures/om when present, .air models, and one example of each option file.

A seed is a folder's worth of files (name -> bytes), the name of the file to mutate first, and the extra
arguments its command line needs."""
from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass, field

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("SHARED_DIR", os.path.join(os.path.dirname(ROOT), "shared"))
TF_GOLDENS = ["argmax_pool", "bicubic", "conv_transpose", "functional_if", "keep_prob_default", "ctc_decoder"]
FIXTURE_MAX_BYTES = 64 * 1024


@dataclass
class Seed:
    name: str
    files: dict                      # file name -> bytes (written into the case's input folder)
    main: str                        # the file the command line names (and that is mutated most)
    args: list = field(default_factory=list)


def _onnx_bytes(model) -> bytes:
    return model.SerializeToString()


def _generated_onnx() -> dict:
    """name -> (ModelProto, extra files, args)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def model(nodes, inputs, outputs, inits=(), opset=17):
        g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m

    vi = helper.make_tensor_value_info
    x = vi("x", TensorProto.FLOAT, [1, 4])
    y = vi("y", TensorProto.FLOAT, None)
    out = {}
    branch = lambda name, k: helper.make_graph(  # noqa: E731
        [helper.make_node("Mul", ["x", f"{name}_k"], [f"{name}_y"])], name, [], [vi(f"{name}_y", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.full(4, k, np.float32), f"{name}_k")])
    out["if"] = (model([helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
                        helper.make_node("Greater", ["s", "zero"], ["c"]),
                        helper.make_node("If", ["c"], ["y"], then_branch=branch("then", 2.0),
                                         else_branch=branch("else", 3.0))],
                       [x], [y], [numpy_helper.from_array(np.zeros((), np.float32), "zero")]), {}, [])
    body = helper.make_graph([helper.make_node("Add", ["acc", "one"], ["acc_out"]),
                              helper.make_node("Identity", ["cond"], ["cond_out"])], "body",
                             [vi("i", TensorProto.INT64, []), vi("cond", TensorProto.BOOL, []),
                              vi("acc", TensorProto.FLOAT, [1, 4])],
                             [vi("cond_out", TensorProto.BOOL, []), vi("acc_out", TensorProto.FLOAT, [1, 4])],
                             [numpy_helper.from_array(np.ones((1, 4), np.float32), "one")])
    out["loop"] = (model([helper.make_node("Loop", ["n", "t", "x"], ["y"], body=body)], [x], [y],
                         [numpy_helper.from_array(np.array(3, np.int64), "n"),
                          numpy_helper.from_array(np.array(True), "t")]), {}, [])
    w = np.arange(16, dtype=np.float32).reshape(4, 4)
    ext = numpy_helper.from_array(w, "w")
    ext.ClearField("raw_data")
    ext.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "m.data"), ("offset", "0"), ("length", str(w.nbytes))):
        ext.external_data.add(key=key, value=value)
    out["external"] = (model([helper.make_node("MatMul", ["x", "w"], ["y"])], [x], [y], [ext]),
                       {"m.data": w.tobytes()}, [])
    shape = numpy_helper.from_array(np.array([2, 4], np.int64), "shape")
    reps = numpy_helper.from_array(np.array([1, 2], np.int64), "reps")
    out["folding"] = (model([helper.make_node("ConstantOfShape", ["shape"], ["c"],
                                              value=numpy_helper.from_array(np.array([0.5], np.float32))),
                             helper.make_node("Tile", ["c", "reps"], ["t"]),
                             helper.make_node("Shape", ["t"], ["ts"]),
                             helper.make_node("Reshape", ["t", "ts"], ["r"]),
                             helper.make_node("ReduceMean", ["r"], ["m"], keepdims=1),
                             helper.make_node("Add", ["x", "m"], ["y"])], [x], [y], [shape, reps]), {}, [])
    del onnx
    return out


def onnx_seeds() -> list:
    seeds = []
    for name, args in (("tiny_cnn", []), ("mlp", ["--input_shape=x:2,64"]),
                       ("dynamic_seg", ["--input_shape=x:1,3,16,16"])):
        with open(os.path.join(ROOT, "samples", f"{name}.onnx"), "rb") as f:
            seeds.append(Seed(name, {"m.onnx": f.read()}, "m.onnx", args))
    for name, (m, extra, args) in _generated_onnx().items():
        seeds.append(Seed(name, {"m.onnx": _onnx_bytes(m), **extra}, "m.onnx", args))
    return seeds


def caffe_seeds() -> list:
    from tools.make_caffe_models import CaffeNetBuilder
    b = CaffeNetBuilder("small", seed=0)
    b.input("data", [1, 3, 8, 8])
    x = b.conv("conv1", "data", 3, 4, 3, pad=1)
    x = b.bn_scale("bn1", x, 4)
    x = b.relu("relu1", x)
    p = b.pool("pool1", x, 2, 2)
    e = b.layer("Eltwise", "sum", [p, p], ["sum"], eltwise_param={"operation": 1})
    c = b.layer("Concat", "cat", [e, p], ["cat"], concat_param={"axis": 1})
    f = b.fc("fc", c, 8 * 4 * 4, 5)
    b.layer("Softmax", "prob", [f], ["prob"])
    with tempfile.TemporaryDirectory() as tmp:
        proto, weights = b.save(tmp, "n")
        with open(proto, "rb") as fp, open(weights, "rb") as fw:
            files = {"n.prototxt": fp.read(), "n.caffemodel": fw.read()}
    return [Seed("caffe_small", files, "n.prototxt", ["--weight={dir}/n.caffemodel"])]


def tf_seeds(text: bool = False) -> list:
    from google.protobuf import text_format

    from converter.proto import tf_graph_pb2 as tfpb
    seeds = []
    for name in TF_GOLDENS:
        path = os.path.join(ROOT, "tests", "tensorflow", "golden", f"{name}.pb")
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if text:
            g = tfpb.GraphDef()
            g.ParseFromString(data)
            seeds.append(Seed(name, {"g.pbtxt": text_format.MessageToString(g).encode()}, "g.pbtxt"))
        else:
            seeds.append(Seed(name, {"g.pb": data}, "g.pb"))
    return seeds


def om_seeds(work: str) -> list:
    """Our .om files of the ONNX seeds (tiny_cnn also with external weights), and small real fixtures."""
    from converter.api import convert
    from converter.options import ConvertOptions
    seeds = []
    for seed in onnx_seeds():
        if seed.name not in ("tiny_cnn", "mlp", "if", "loop"):
            continue
        for external in ((0, 1) if seed.name == "tiny_cnn" else (0,)):
            folder = os.path.join(work, f"{seed.name}_{external}")
            os.makedirs(folder, exist_ok=True)
            for fname, data in seed.files.items():
                with open(os.path.join(folder, fname), "wb") as f:
                    f.write(data)
            shapes = tuple((a.split("=", 1)[1].split(":")[0],
                            tuple(int(d) for d in a.split(":")[1].split(","))) for a in seed.args)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                om = convert(ConvertOptions(framework=5, model=os.path.join(folder, "m.onnx"), input_shape=shapes,
                                            output=os.path.join(folder, "out", "m"), external_weight=external))
            files = {}
            out = os.path.dirname(om)
            for base, _, names in os.walk(out):
                for fname in names:
                    full = os.path.join(base, fname)
                    with open(full, "rb") as f:
                        files[os.path.relpath(full, out)] = f.read()
            seeds.append(Seed(f"{seed.name}{'_ext' if external else ''}", files, "m.om"))
    fixtures = os.path.join(SHARED, "fixtures", "om")
    if os.path.isdir(fixtures):
        for fname in sorted(os.listdir(fixtures)):
            full = os.path.join(fixtures, fname)
            if fname.endswith(".om") and os.path.getsize(full) <= FIXTURE_MAX_BYTES:
                with open(full, "rb") as f:
                    seeds.append(Seed(fname[:-3], {"m.om": f.read()}, "m.om"))
    return seeds


def air_seeds(work: str) -> list:
    from tools.make_air_models import onnx_to_air
    seeds = []
    for name, shape in (("tiny_cnn", (("x", (1, 3, 32, 32)),)), ("mlp", (("x", (2, 64)),))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = onnx_to_air(os.path.join(ROOT, "samples", f"{name}.onnx"), shape)
        seeds.append(Seed(name, {"m.air": model.SerializeToString()}, "m.air"))
    return seeds


SINGLEOP = [{"op": "Add", "input_desc": [{"format": "ND", "shape": [3, 3], "type": "float32"}] * 2,
             "output_desc": [{"format": "ND", "shape": [3, 3], "type": "float32"}]},
            {"op": "Conv2D", "name": "conv",
             "input_desc": [{"format": "NCHW", "shape": [1, 2, 5, 5], "type": "float16"},
                            {"format": "NCHW", "shape": [3, 2, 3, 3], "type": "float16", "is_const": True,
                             "const_value": [0.5] * 54}],
             "output_desc": [{"format": "NCHW", "shape": [1, 3, 3, 3], "type": "float16"}],
             "attr": [{"name": "strides", "type": "list_int", "value": [1, 1, 1, 1]},
                      {"name": "pads", "type": "list_int", "value": [0, 0, 0, 0]},
                      {"name": "dilations", "type": "list_int", "value": [1, 1, 1, 1]}]}]


def config_seeds() -> list:
    """Option files, each with the tiny_cnn (or Caffe) model it configures; ``{dir}`` is the input folder."""
    import json
    with open(os.path.join(ROOT, "samples", "tiny_cnn.onnx"), "rb") as f:
        tiny = f.read()
    aipp = os.path.join(ROOT, "tests", "cli", "data", "aipp")
    seeds = []
    onnx_args = ["--framework=5", "--model={dir}/m.onnx"]
    for fname in ("aipp_01.cfg", "aipp_02.cfg", "aipp_05.cfg"):
        with open(os.path.join(aipp, fname), "rb") as f:
            seeds.append(Seed(f"aipp_{fname[5:7]}", {"m.onnx": tiny, "c.cfg": f.read()}, "c.cfg",
                              onnx_args + ["--insert_op_conf={dir}/c.cfg"]))
    seeds.append(Seed("keep_dtype", {"m.onnx": tiny, "c.cfg": b"conv1\nOpType::Softmax\nrelu2\n"}, "c.cfg",
                      onnx_args + ["--keep_dtype={dir}/c.cfg"]))
    seeds.append(Seed("customize_dtypes", {"m.onnx": tiny, "c.cfg": b"fc::InputDtype:float16,float16,float16,"
                                           b"OutputDtype:float16\nOpType::Relu:InputDtype:float32,OutputDtype:float32\n"},
                      "c.cfg", onnx_args + ["--customize_dtypes={dir}/c.cfg", "--precision_mode=force_fp32"]))
    mix = {"white-list": {"to-add": ["Softmax"], "to-remove": ["Conv2D"]}, "black-list": {"to-add": ["Relu"]}}
    seeds.append(Seed("modify_mixlist", {"m.onnx": tiny, "c.json": json.dumps(mix).encode()}, "c.json",
                      onnx_args + ["--modify_mixlist={dir}/c.json", "--precision_mode=allow_mix_precision"]))
    proto = (b'name: "m"\ninput: "data"\ninput_shape { dim: 1 dim: 2 dim: 3 dim: 3 }\n'
             b'layer { name: "act" type: "MyReLU" bottom: "data" top: "act" }\n'
             b'layer { name: "prob" type: "Sigmoid" bottom: "act" top: "prob" }\n')
    seeds.append(Seed("op_name_map", {"m.prototxt": proto, "m.caffemodel": b"", "c.cfg": b"MyReLU:ReLU\nX:Y\n"},
                      "c.cfg", ["--framework=0", "--model={dir}/m.prototxt", "--weight={dir}/m.caffemodel",
                                "--op_name_map={dir}/c.cfg"]))
    seeds.append(Seed("singleop", {"ops.json": json.dumps(SINGLEOP).encode()}, "ops.json",
                      ["--singleop={dir}/ops.json", "--soc_version=Ascend310"]))
    return seeds
