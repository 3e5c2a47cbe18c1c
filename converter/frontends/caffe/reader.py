"""Reading Caffe files: the text .prototxt (unknown fields skipped and named), and the NetParameter of a
.prototxt or .caffemodel for the JSON dump (dump.py).

A fork's prototxt often carries fields our schema does not declare; they are skipped and reported
(``ParsedNet.unknown_fields``) instead of failing the parse. A file that is not text at all (an ONNX
or .caffemodel given as --model with --framework=0) is refused with E10041.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf import text_format

from ...errors import FILE_OPEN_FAILED, MODEL_LOAD_FAILED, ModelLoadError
from ...proto import caffe_pb2
from ...proto.text import check_nesting


@dataclass
class ParsedNet:
    net: caffe_pb2.NetParameter
    unknown_fields: list = field(default_factory=list)   # "caffe.LayerParameter.foo_param" names, in order


class _RecordingParser(text_format._Parser):  # noqa: SLF001 - the only hook for skipped-field names
    """text_format's parser, remembering every unknown field it skips."""

    def __init__(self):
        super().__init__(allow_unknown_extension=True, allow_field_number=False,
                         descriptor_pool=None, allow_unknown_field=True)
        self.skipped: list = []
        self._skip_depth = 0

    def _SkipFieldContents(self, tokenizer, field_name, immediate_message_type):  # noqa: N802
        if self._skip_depth == 0:  # fields inside a skipped message are not reported separately
            self.skipped.append(f"{immediate_message_type}.{field_name}")
        self._skip_depth += 1
        try:
            return super()._SkipFieldContents(tokenizer, field_name, immediate_message_type)
        finally:
            self._skip_depth -= 1

    def _MergeScalarField(self, tokenizer, message, field):  # noqa: N802
        """A fork's enum value (``engine: MKLDNN``) is skipped like an unknown field: the default stays."""
        token = tokenizer.token
        if field.enum_type is not None and token[:1].isalpha() and token not in field.enum_type.values_by_name:
            tokenizer.NextToken()
            self.skipped.append(f"{message.DESCRIPTOR.full_name}.{field.name}: {token}")
            return None
        return super()._MergeScalarField(tokenizer, message, field)


def _decode_text(data: bytes, path: str) -> str:
    if b"\x00" in data[:4096]:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is a binary file, not a Caffe .prototxt (is --framework=0 "
                             "right? a .caffemodel goes to --weight)", path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is not a text Caffe .prototxt (is --framework=0 right?)",
                             path=path) from None


def parse_prototxt_text(text: str, path: str = "<prototxt>") -> ParsedNet:
    """Parse prototxt text into a NetParameter; unknown fields are skipped and listed."""
    net = caffe_pb2.NetParameter()
    try:
        check_nesting(text)
        parser = _RecordingParser()
        parser.MergeLines(text.split("\n"), net)
        skipped = parser.skipped
    except AttributeError:  # a protobuf without the private parser hook: parse leniently, names unknown
        text_format.Parse(text, net, allow_unknown_field=True)
        skipped = []
    except text_format.ParseError as exc:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is not a valid Caffe .prototxt: {exc}", path=path) from None
    unknown = list(dict.fromkeys(name.replace("caffe.", "", 1) for name in skipped))
    return ParsedNet(net, unknown)


def read_prototxt(path: str) -> ParsedNet:
    """Read and parse a .prototxt file (E13001 if unreadable, E10041 if it is not a prototxt)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ModelLoadError(FILE_OPEN_FAILED, f"cannot open Caffe model '{path}': {exc.strerror}", path=path) from None
    parsed = parse_prototxt_text(_decode_text(data, path), path)
    if not parsed.net.layer and not parsed.net.layers and not parsed.net.input:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' has no layers: it is not a Caffe network .prototxt "
                             "(is --framework=0 right?)", path=path)
    return parsed


def _drop_blob_data(net: caffe_pb2.NetParameter) -> None:
    for layer in list(net.layer) + list(net.layers):
        for blob in layer.blobs:
            for name in ("data", "diff", "double_data", "double_diff"):
                blob.ClearField(name)


def load_net_parameter(path: str) -> caffe_pb2.NetParameter:
    """The NetParameter of a .prototxt, or of a .caffemodel with its blob values dropped (for dumps)."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return parse_prototxt_text(data.decode("utf-8"), path).net
    except (UnicodeDecodeError, ModelLoadError):
        pass
    net = caffe_pb2.NetParameter()
    try:
        net.ParseFromString(data)
    except Exception:
        raise ModelLoadError(MODEL_LOAD_FAILED, f"'{path}' is neither a Caffe .prototxt nor a .caffemodel",
                             path=path) from None
    _drop_blob_data(net)
    return net
