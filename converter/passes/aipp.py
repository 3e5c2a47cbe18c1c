"""--insert_op_conf: put one Aipp op (static AIPP) behind each model input an aipp_op block names.

The Data op becomes the uint8 image (shape and NHWC layout from input_format and src_image_size; its
origin_* fields keep what the model declared) and the Aipp op produces what the model read before: the
original float NCHW/NHWC tensor. Checks follow GE's AippOp / Aipp infer: the AIPP output H/W (crop, else
the source image size; plus padding) must equal the model input's H/W.
"""
from __future__ import annotations

from ..errors import INVALID_ARGUMENT_VALUE, ConverterError
from ..ir import DataType, Graph, Op
from ..ops.aipp import AIPP_ATTRS, IMAGE_CHANNELS, YUV_INPUTS, image_shape, output_hw
from .base import PassContext
from .input_shapes import _find_input
from .precision import FLOATS

OPTION = "--insert_op_conf"
# GE's defaults when csc_switch is on and a matrix entry / bias is not given (ge_aipp_op.cc).
DEFAULT_CSC = {
    "yuv": {"matrix": ((298, 516, 0), (298, -100, -208), (298, 0, 409)), "input_bias": (16, 128, 128)},
    "rgb": {"matrix": ((66, 129, 25), (-38, -74, 112), (112, -94, -18)), "output_bias": (16, 128, 128)},
}


def _fail(message: str, node: str | None = None) -> ConverterError:
    return ConverterError(INVALID_ARGUMENT_VALUE, f"{OPTION}: {message}", option=OPTION, node=node)


def _target(graph: Graph, block: dict):
    """The Data op an aipp_op block applies to: related_input_name, else related_input_rank (default 0)."""
    inputs = graph.data_ops()
    name = block.get("related_input_name")
    if name:
        op = _find_input(graph, name)
        if op is None:
            raise _fail(f"related_input_name '{name}' is not a model input; inputs are: "
                        f"{', '.join(o.name for o in inputs)}")
        return op
    rank = block.get("related_input_rank", 0)
    if rank >= len(inputs):
        raise _fail(f"related_input_rank {rank} is out of range: the model has {len(inputs)} input(s) "
                    f"({', '.join(o.name for o in inputs)}), so it must be below {len(inputs)}")
    return inputs[rank]


def _first(block: dict, key: str, default):
    value = block.get(key, default)
    return value[0] if isinstance(value, list) else value


def _csc_attrs(block: dict, fmt: str) -> dict:
    kind = "yuv" if fmt in YUV_INPUTS else "rgb"
    defaults = DEFAULT_CSC[kind]
    out = {f"matrix_r{r}c{c}": int(_first(block, f"matrix_r{r}c{c}", defaults["matrix"][r][c]))
           for r in range(3) for c in range(3)}
    for key in ("input_bias", "output_bias"):
        for chn in range(3):
            out[f"{key}_{chn}"] = int(_first(block, f"{key}_{chn}", defaults.get(key, (0, 0, 0))[chn]))
    return out


def _layout(desc, node: str) -> tuple:
    """(format, N, C, H, W) of a 4-D model input."""
    fmt = desc.format if desc.format in ("NCHW", "NHWC") else "NCHW"
    if desc.shape is None or len(desc.shape) != 4:
        raise _fail(f"input '{node}' has shape {list(desc.shape or [])}; AIPP needs a 4-D image input "
                    "(NCHW or NHWC)", node)
    n, c, h, w = desc.shape if fmt == "NCHW" else (desc.shape[0], desc.shape[3], desc.shape[1], desc.shape[2])
    if c <= 0:
        raise _fail(f"input '{node}' has a dynamic channel count {list(desc.shape)}; AIPP needs it fixed", node)
    if (h < 0) != (w < 0):
        raise _fail(f"input '{node}' has one dynamic spatial dim {list(desc.shape)}; AIPP needs H and W both fixed "
                    "or both dynamic (--dynamic_image_size)", node)
    return fmt, n, c, h, w


def aipp_attrs(block: dict, fmt: str, channels: int, height: int, width: int) -> dict:
    """The Aipp op's attrs, complete: the block's values with GE's defaults filled and sizes resolved
    (src_image_size / crop_size 0 = the model input's size; switched-off steps keep no sizes)."""
    given = {key: block[key] for key in AIPP_ATTRS if key in block and not isinstance(block[key], list)}
    attrs = {name: spec.default for name, spec in AIPP_ATTRS.items() if name != "input_format"}
    attrs.update(given, input_format=block["input_format"], channels=channels, data_format=fmt)
    attrs["src_image_size_h"] = block.get("src_image_size_h") or height
    attrs["src_image_size_w"] = block.get("src_image_size_w") or width
    if block.get("csc_switch"):
        attrs.update(_csc_attrs(block, block["input_format"]))
    for names, on in ((("load_start_pos_h", "load_start_pos_w", "crop_size_h", "crop_size_w"), "crop"),
                      (("left_padding_size", "right_padding_size", "top_padding_size", "bottom_padding_size"),
                       "padding")):
        if not attrs[on]:
            attrs.update(dict.fromkeys(names, 0))
    if attrs["crop"]:
        attrs["crop_size_h"] = attrs["crop_size_h"] or height
        attrs["crop_size_w"] = attrs["crop_size_w"] or width
    return attrs


def _check_format(attrs: dict, node: str, channels: int) -> None:
    fmt = attrs["input_format"]
    if fmt not in IMAGE_CHANNELS:
        raise _fail(f"input_format {fmt} is not supported by this converter; use one of "
                    f"{', '.join(IMAGE_CHANNELS)}", node)
    if channels > IMAGE_CHANNELS[fmt]:
        raise _fail(f"input '{node}' has {channels} channels but {fmt} images give {IMAGE_CHANNELS[fmt]}", node)
    if fmt == "YUV400_U8" and attrs["csc_switch"]:
        raise _fail("csc_switch cannot be used with YUV400_U8 (a single gray channel)", node)


def _check_sizes(block: dict, attrs: dict, node: str, height: int, width: int) -> None:
    """Crop inside the image, even YUV420SP geometry, no real resize, and the output is the model's H/W."""
    fmt = attrs["input_format"]
    src_h, src_w = attrs["src_image_size_h"], attrs["src_image_size_w"]
    if fmt == "YUV420SP_U8" and (src_h % 2 or src_w % 2):
        raise _fail(f"YUV420SP_U8 needs an even src_image_size, got {src_w}x{src_h} (w x h)", node)
    if attrs["crop"]:
        for axis, size in (("h", src_h), ("w", src_w)):
            start, crop = attrs[f"load_start_pos_{axis}"], attrs[f"crop_size_{axis}"]
            if start + crop > size:
                raise _fail(f"crop is larger than the image: load_start_pos_{axis} {start} + crop_size_{axis} "
                            f"{crop} > src_image_size_{axis} {size}", node)
            if fmt == "YUV420SP_U8" and start % 2:
                raise _fail(f"YUV420SP_U8 needs an even load_start_pos_{axis}, got {start}", node)
    if block.get("resize"):
        crop_h, crop_w = output_hw(src_h, src_w, {**attrs, "padding": False})
        if (block.get("resize_output_h") or crop_h, block.get("resize_output_w") or crop_w) != (crop_h, crop_w):
            raise _fail("resize (scaling) is not supported by this converter; crop and pad to the model's size",
                        node)
    out_h, out_w = output_hw(src_h, src_w, attrs)
    if (out_h, out_w) != (height, width):
        what = "crop/padding" if attrs["crop"] or attrs["padding"] else "src_image_size"
        raise _fail(f"the AIPP output is {out_w}x{out_h} (w x h) but input '{node}' is {width}x{height}; "
                    f"make the {what} give the model's size", node)


def _check_dynamic_size(block: dict, node: str) -> None:
    """Dynamic H/W (--dynamic_image_size): the image has each profile's size, so nothing may fix a size."""
    fixed = [key for key in ("src_image_size_h", "src_image_size_w", "crop", "padding", "resize") if block.get(key)]
    if fixed:
        raise _fail(f"input '{node}' has a dynamic H/W, so the image takes each profile's size: remove "
                    f"{', '.join(fixed)} from the aipp_op block", node)


def _insert(graph: Graph, data: Op, block: dict) -> None:
    d = data.outputs[0]
    if d.dtype not in FLOATS:
        raise _fail(f"input '{data.name}' is {DataType(d.dtype).name}; AIPP feeds float image inputs", data.name)
    fmt, n, c, h, w = _layout(d, data.name)
    attrs = aipp_attrs(block, fmt, c, h, w)
    _check_format(attrs, data.name, c)
    if h < 0:
        _check_dynamic_size(block, data.name)
        attrs["src_image_size_h"] = attrs["src_image_size_w"] = 0    # 0: the size of the image fed
    else:
        _check_sizes(block, attrs, data.name, h, w)
    name = graph.unique_name(f"{data.name}_0_huawei_aipp")
    aipp = Op(name, "Aipp", attrs, [d.copy()], source=None)
    graph.add(aipp)
    graph.replace_uses((data.name, 0), (name, 0))
    graph.connect((data.name, 0), name, 0)
    d.origin_shape = d.origin_shape or d.shape
    d.origin_format = d.origin_format or d.format
    d.origin_dtype = d.origin_dtype or d.dtype
    d.dtype = DataType.DT_UINT8
    d.shape = image_shape(n, attrs["src_image_size_h"] or h, attrs["src_image_size_w"] or w, attrs["input_format"])
    d.format = "NHWC"
    d.shape_range = _image_range(d.shape_range, fmt, d.shape, attrs["input_format"])


def _image_range(model_range, fmt: str, shape: tuple, input_format: str):
    """The model input's (lo, hi) ranges moved to the image's NHWC dims (YUV420SP rows scale by 3/2)."""
    if not model_range:
        return None
    n, _, h, w = model_range if fmt == "NCHW" else (model_range[0], model_range[3], model_range[1], model_range[2])
    if input_format == "YUV420SP_U8":
        h = tuple(v * 3 // 2 if v > 0 else v for v in h)
    return tuple(tuple(rng) if dim < 0 else (dim, dim) for dim, rng in zip(shape, (n, h, w, (0, 0))))


def insert_aipp(graph: Graph, ctx: PassContext) -> bool:
    """One Aipp op per aipp_op block (E10001 for dynamic AIPP, a bad rank, or sizes that do not fit)."""
    blocks = tuple(ctx.options.aipp or ())
    done: dict = {}
    for block in blocks:
        if block.get("aipp_mode", "static") == "dynamic":
            raise _fail("aipp_mode: dynamic is not supported by this converter; use static AIPP")
        if "input_format" not in block:
            raise _fail("a static aipp_op block needs input_format")
        data = _target(graph, block)
        if data.name in done:
            raise _fail(f"two aipp_op blocks name input '{data.name}'; give one block per input", data.name)
        if block.get("input_edge_idx") and len(graph.consumers(data.name, 0)) > 1:
            raise _fail(f"input_edge_idx (AIPP on some consumers of '{data.name}' only) is not supported; AIPP "
                        "applies to all of them", data.name)
        _insert(graph, data, block)
        done[data.name] = block
    return bool(done)
