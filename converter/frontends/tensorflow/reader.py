"""Reads TensorFlow frozen graphs: GraphDef parsing with content checks, tensors (zero-copy where the
bytes allow), attribute values and the TF -> converter data type mapping."""
from __future__ import annotations

import numpy as np
from google.protobuf import message as _pb_message
from google.protobuf import text_format

from ...errors import FILE_OPEN_FAILED, MODEL_LOAD_FAILED, UNSUPPORTED_OP, ModelLoadError
from ...ir import DataType
from ...ir.sizes import check_tensor_bytes, element_count
from ...ops.fold_budget import FOLD_MAX_BYTES
from ...proto import tf_graph_pb2 as tfpb
from ...proto.text import NestingTooDeep, parse_text

# TF DataType number -> (our DataType, numpy dtype used to decode values). *_REF types are 100 + type.
_TF_TYPES = {
    1: (DataType.DT_FLOAT, np.float32),
    2: (DataType.DT_DOUBLE, np.float64),
    3: (DataType.DT_INT32, np.int32),
    4: (DataType.DT_UINT8, np.uint8),
    5: (DataType.DT_INT16, np.int16),
    6: (DataType.DT_INT8, np.int8),
    7: (DataType.DT_STRING, np.object_),
    8: (DataType.DT_COMPLEX64, np.complex64),
    9: (DataType.DT_INT64, np.int64),
    10: (DataType.DT_BOOL, np.bool_),
    14: (DataType.DT_BF16, np.float32),   # bfloat16 values are widened to float32 when read
    17: (DataType.DT_UINT16, np.uint16),
    18: (DataType.DT_COMPLEX128, np.complex128),
    19: (DataType.DT_FLOAT16, np.float16),
    21: (DataType.DT_VARIANT, np.object_),  # TensorList handles (sequences) in While loops
    22: (DataType.DT_UINT32, np.uint32),
    23: (DataType.DT_UINT64, np.uint64),
}
BFLOAT16 = 14
HALF = 19

# dtype -> the TensorProto typed-list field holding its values
_VALUE_FIELDS = {
    1: "float_val", 2: "double_val", 3: "int_val", 4: "int_val", 5: "int_val", 6: "int_val",
    7: "string_val", 8: "scomplex_val", 9: "int64_val", 10: "bool_val", 14: "half_val",
    17: "int_val", 18: "dcomplex_val", 19: "half_val", 22: "uint32_val", 23: "uint64_val",
}


def tf_type_name(tf_type: int) -> str:
    try:
        return tfpb.DataType.Name(tf_type)
    except ValueError:
        return f"DataType({tf_type})"


def to_data_type(tf_type: int, node: str = "") -> DataType:
    """Our DataType for a TF DataType number (reference types count as their value type)."""
    base = tf_type - 100 if tf_type > 100 else tf_type
    try:
        return _TF_TYPES[base][0]
    except KeyError:
        raise ModelLoadError(MODEL_LOAD_FAILED,
                             f"node '{node}': TensorFlow type {tf_type_name(tf_type)} is not supported",
                             path=None) from None


def tf_type_of(dtype: DataType) -> int:
    """The TF DataType number of one of our data types (0 when TensorFlow has none)."""
    for tf_type, (ours, _) in _TF_TYPES.items():
        if ours == dtype and tf_type != BFLOAT16:
            return tf_type
    return 0


def numpy_type(tf_type: int, node: str = "") -> np.dtype:
    base = tf_type - 100 if tf_type > 100 else tf_type
    to_data_type(base, node)
    return np.dtype(_TF_TYPES[base][1])


# ---- GraphDef -------------------------------------------------------------------------------------

def parse_graphdef(data: bytes, path: str = "") -> tfpb.GraphDef:
    """A GraphDef from binary (or, failing that, text-format) bytes; E10041 if it is not one."""
    graph = tfpb.GraphDef()
    try:
        graph.ParseFromString(data)
    except _pb_message.DecodeError:
        graph = _parse_text(data, path)
    if graph is None or not _looks_like_graph(graph):
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is not a TensorFlow frozen graph (cannot parse a GraphDef "
                             "with named nodes); check --framework and --model", path=path)
    return graph


def _parse_text(data: bytes, path: str):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.lstrip().startswith("node"):
        return None
    try:
        return parse_text(text, tfpb.GraphDef())
    except NestingTooDeep as exc:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is a text GraphDef whose {exc}; it cannot be a model "
                             "we convert", path=path) from None
    except text_format.ParseError:
        return None


def _looks_like_graph(graph: tfpb.GraphDef) -> bool:
    """Binary protobuf parsing accepts many foreign files; a GraphDef has nodes with a name and an op."""
    if not graph.node:
        return False
    return all(n.name and n.op for n in graph.node)


def load_graphdef(path: str) -> tfpb.GraphDef:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ModelLoadError(FILE_OPEN_FAILED, f"cannot open model file '{path}': {exc.strerror}", path=path) from None
    return parse_graphdef(data, path)


# ---- tensors --------------------------------------------------------------------------------------

def shape_of(shape: tfpb.TensorShapeProto):
    """A TensorShapeProto as a tuple (-1 for unknown dims), or None when the rank is unknown."""
    if shape.unknown_rank:
        return None
    return tuple(int(d.size) if d.size >= 0 else -1 for d in shape.dim)


def tensor_to_array(t: tfpb.TensorProto, node: str = "") -> np.ndarray:
    """A numpy array for a TensorProto. tensor_content becomes a read-only view of the message bytes;
    a typed value list shorter than the shape repeats its last value (TF's rule for splat constants).
    The shape is checked first (E10041 for a negative dim or a count beyond int64, E10001 beyond a
    device's memory); a single value spread over more than FOLD_MAX_BYTES stays one value (a read-only
    broadcast view: the Const handler makes it a Fill op, computed at run time)."""
    shape = shape_of(t.tensor_shape) or ()
    what = f"node '{node}': constant"
    count = element_count(shape, what, code=MODEL_LOAD_FAILED, error=ModelLoadError)
    if t.dtype == BFLOAT16:
        check_tensor_bytes(count, 4, what, error=ModelLoadError)
        return _bfloat16(t, shape, count)
    dtype = numpy_type(t.dtype, node)
    check_tensor_bytes(count, dtype.itemsize, what, error=ModelLoadError)
    if t.tensor_content and dtype != np.object_:
        if len(t.tensor_content) % dtype.itemsize:
            raise ModelLoadError(MODEL_LOAD_FAILED, f"node '{node}': tensor_content holds {len(t.tensor_content)} "
                                 f"bytes, not a whole number of {dtype.name} values")
        arr = np.frombuffer(t.tensor_content, dtype=dtype.newbyteorder("<"))
        if arr.size != count:
            raise ModelLoadError(MODEL_LOAD_FAILED, f"node '{node}': tensor_content holds {arr.size} values but the "
                                 f"shape {list(shape)} needs {count}")
        return arr.reshape(shape)
    field = _VALUE_FIELDS.get(t.dtype - 100 if t.dtype > 100 else t.dtype)
    if field is None:
        raise ModelLoadError(UNSUPPORTED_OP, f"node '{node}': constants of TensorFlow type {tf_type_name(t.dtype)} "
                             "are not supported")
    values = getattr(t, field)
    if len(values) < count and count * dtype.itemsize > FOLD_MAX_BYTES:
        return _large_splat(values, dtype, shape, node)
    if t.dtype == HALF:
        flat = np.asarray(values, dtype=np.int32).astype(np.uint16).view(np.float16)
    elif dtype.kind == "c":
        parts = np.asarray(values, dtype=np.float32 if dtype == np.complex64 else np.float64)
        flat = (parts[0::2] + 1j * parts[1::2]).astype(dtype)
    elif dtype == np.object_:
        flat = np.empty(len(values), dtype=object)
        flat[:] = list(values)
    else:
        flat = np.asarray(values).astype(dtype, copy=False)
    return _fill_to(flat, shape, count, node)


def _large_splat(values, dtype, shape, node: str) -> np.ndarray:
    """One value spread over a large shape, as a read-only zero-stride view (nothing allocated)."""
    if len(values) > 1 or dtype.kind in "cO":
        raise ModelLoadError(UNSUPPORTED_OP, f"node '{node}': constant of shape {list(shape)} lists {len(values)} "
                             "values and repeats the last for the rest; for a constant this large only one "
                             "repeated value is supported (store it whole, as tensor_content)")
    if dtype == np.float16:
        value = np.asarray(values, dtype=np.int32).astype(np.uint16).view(np.float16)
    else:
        value = np.asarray(values).astype(dtype, copy=False)
    if value.size == 0:
        value = np.zeros(1, dtype)
    return np.broadcast_to(value.reshape(()), shape)


def _fill_to(flat: np.ndarray, shape, count: int, node: str) -> np.ndarray:
    if flat.size == count:
        return flat.reshape(shape)
    if flat.size == 0:
        return np.zeros(shape, dtype=flat.dtype)
    if flat.size > count:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"node '{node}': constant holds {flat.size} values but its shape "
                             f"{list(shape)} needs {count}")
    out = np.empty(count, dtype=flat.dtype)
    out[:flat.size] = flat
    out[flat.size:] = flat[-1]
    return out.reshape(shape)


def _bfloat16(t: tfpb.TensorProto, shape, count: int) -> np.ndarray:
    """bfloat16 bit patterns (tensor_content or half_val) widened to float32."""
    if t.tensor_content:
        if len(t.tensor_content) % 2:
            raise ModelLoadError(MODEL_LOAD_FAILED, f"bfloat16 tensor_content holds {len(t.tensor_content)} bytes, "
                                 "an odd count")
        bits = np.frombuffer(t.tensor_content, dtype="<u2")
    else:
        bits = np.asarray(t.half_val, dtype=np.int32).astype(np.uint16)
    wide = (bits.astype(np.uint32) << 16).view(np.float32)
    return _fill_to(wide, shape, count, "")


# ---- attributes -----------------------------------------------------------------------------------

def _type_value(tf_type: int):
    """A 'type' attr: our DataType when we have one, else the TF type name (e.g. 'DT_RESOURCE')."""
    base = tf_type - 100 if tf_type > 100 else tf_type
    return _TF_TYPES[base][0] if base in _TF_TYPES else tf_type_name(tf_type)


def _list_value(lv: tfpb.AttrValue.ListValue, node: str):
    if lv.s:
        return [s.decode("utf-8", "replace") for s in lv.s]
    if lv.i:
        return [int(v) for v in lv.i]
    if lv.f:
        return [float(v) for v in lv.f]
    if lv.b:
        return [bool(v) for v in lv.b]
    if lv.type:
        return [_type_value(v) for v in lv.type]
    if lv.shape:
        return [shape_of(s) for s in lv.shape]
    if lv.tensor:
        return [tensor_to_array(t, node) for t in lv.tensor]
    if lv.func:
        return [f.name for f in lv.func]
    return []


def attr_value(a: tfpb.AttrValue, node: str = ""):
    """Python value of an AttrValue: str, int, float, bool, DataType, shape tuple, ndarray or list."""
    kind = a.WhichOneof("value")
    if kind == "s":
        return a.s.decode("utf-8", "replace")
    if kind == "type":
        return _type_value(a.type)
    if kind == "shape":
        return shape_of(a.shape)
    if kind == "tensor":
        return tensor_to_array(a.tensor, node)
    if kind == "list":
        return _list_value(a.list, node)
    if kind == "func":
        return a.func.name
    if kind is None:
        return None
    return getattr(a, kind)


def node_attrs(node: tfpb.NodeDef) -> dict:
    """All attrs of a node decoded (tensor attrs of Const nodes included)."""
    return {k: attr_value(v, node.name) for k, v in node.attr.items()}
