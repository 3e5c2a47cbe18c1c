"""E-coded errors raised by every layer below the CLI (the CLI turns them into ATC-style output), and the
names of the codes: modules write ``GraphError(INVALID_ARGUMENT_VALUE, ...)``, never the code itself."""
from __future__ import annotations

# ---- the codes, by what they mean (ATC's codes: ../shared/docs/atc-cli.md "E-codes") ----------------------
# tests/test_error_codes.py checks that no other module spells a code and that each name's code is in that
# table or in NOT_IN_ATC_CLI_DOC. Two names share a code where ATC uses one code for two situations.

INVALID_ARGUMENT_VALUE = "E10001"       # a value is invalid, with the reason: an option, a node, an attribute
TENSOR_TOO_LARGE = "E10001"            # ... in particular a tensor larger than the device's memory (ir/sizes.py)
INVALID_INPUT_SHAPE = "E10002"          # --input_shape is malformed
INVALID_OPTION_VALUE = "E10003"         # an option's value (or the file it names) is invalid
INVALID_OM_FILE = "E10003"              # ... in particular a file given as an offline model is not a valid .om
EMPTY_REQUIRED_OPTION = "E10004"        # a required option is missing or empty
NOT_TRUE_OR_FALSE = "E10005"            # the value must be true or false
NOT_ZERO_OR_ONE = "E10006"              # the value must be 0 or 1
INVALID_FRAMEWORK = "E10007"            # --framework missing or not 0, 1, 3, 5
CAFFE_WEIGHT_OPTION_MISSING = "E10008"  # a Caffe model without --weight
EXCLUSIVE_DYNAMIC_OPTIONS = "E10009"    # more than one of the dynamic-shape options
INVALID_LOG_LEVEL = "E10010"            # bad --log level
NON_POSITIVE_STATIC_DIM = "E10011"      # a static shape with a dim that is not a positive integer
VALUE_OUT_OF_RANGE = "E10013"           # a number out of range
UNPARSABLE_NUMBER = "E10014"            # a number that cannot be parsed
NODE_NOT_FOUND = "E10016"               # a node named in an option is not in the model
NOT_A_GRAPH_INPUT = "E10017"            # a node named in an input option is not a graph input
DYNAMIC_BATCH_NON_BATCH_DIM = "E10018"  # --dynamic_batch_size: a dim other than N is -1
DYNAMIC_IMAGE_NON_HW_DIM = "E10019"     # --dynamic_image_size: a dim other than H, W is -1 (or H, W are not)
INVALID_DYNAMIC_IMAGE_SIZE = "E10020"   # --dynamic_image_size: a profile is not "h,w"
PATH_WITHOUT_FILE_NAME = "E10022"       # an output path names a folder, not a file
DYNAMIC_BATCH_WITHOUT_N = "E10031"      # --dynamic_batch_size: no input has N = -1
TOO_FEW_PROFILES = "E10035"             # dynamic profiles: fewer than the minimum
TOO_MANY_PROFILES = "E10036"            # dynamic profiles: more than the maximum
PROFILE_LENGTHS_DIFFER = "E10037"       # dynamic profiles with different value counts
NON_POSITIVE_PROFILE_VALUE = "E10038"   # a dynamic profile value that is not > 0
DUPLICATE_PROFILES = "E10039"           # the same dynamic profile twice
RANGE_WITH_DYNAMIC_OPTION = "E10040"    # --input_shape with '~' ranges next to a dynamic profile option
MODEL_LOAD_FAILED = "E10041"            # the model file cannot be loaded (bad file or wrong --framework)
INPUT_SHAPE_RANK_MISMATCH = "E10049"    # --input_shape gives another dim count than the model input has
CAFFE_INPUT_WITHOUT_SHAPE = "E11005"    # a Caffe input with no shape in the prototxt nor --input_shape
UNSUPPORTED_OP = "E11009"               # no converter for an op type (or a feature of the node)
UNKNOWN_INPUT = "E11012"                # a node reads a tensor no node produces (Caffe: unknown bottom blob)
OUTPUT_NODE_NOT_FOUND = "E11016"        # --out_nodes (or a graph output) names an unknown node
OUTPUT_INDEX_NOT_FOUND = "E11017"       # --out_nodes names an output index the node does not have
CAFFE_LAYER_WITHOUT_BLOBS = "E11029"    # a prototxt layer has no weights in the .caffemodel
CAFFE_BLOB_SIZE_MISMATCH = "E11033"     # a .caffemodel blob's size does not fit its layer
FILE_OPEN_FAILED = "E13001"             # a file cannot be opened
FILE_READ_FAILED = "E13003"             # a file cannot be read
FILE_WRITE_FAILED = "E13004"            # a file cannot be written
FILE_PARSE_FAILED = "E13005"            # a file cannot be parsed
DUPLICATE_NAME = "E13009"               # two ops (nodes, layers, input blobs) with one name
UNSUPPORTED_OP_TYPE = "E13010"          # the same, as GE reports it for an op type it has no IR for

# ATC codes that the table in atc-cli.md does not list (meanings from ATC's own error list), and E19999
DYNAMIC_BATCH_SCALAR_INPUT = "E10012"   # --dynamic_batch_size with an input of no dims
EXCLUSIVE_OPTIONS = "E10047"            # two options that cannot both be set
INVALID_INPUT_SHAPE_RANGE = "E10048"    # --input_shape_range is malformed
CAFFE_LEGACY_LAYERS = "E11021"          # a prototxt with V1 'layers' that cannot be upgraded (or mixed)
SINGLEOP_NOT_A_FILE = "E10023"          # --singleop: the path is not an existing file
SINGLEOP_OPEN_FAILED = "E10024"         # --singleop: the description file cannot be opened
SINGLEOP_NOT_JSON = "E10025"            # --singleop: the description file is not valid JSON
SINGLEOP_EMPTY_OP_TYPE = "E10026"       # --singleop: an entry's op type ("op") is missing or empty
SINGLEOP_INVALID_TENSOR = "E10027"      # --singleop: a tensor's type or format is missing or unknown
SINGLEOP_EMPTY_ATTR_NAME = "E10029"     # --singleop: an attribute without a name
SINGLEOP_INVALID_ATTR = "E10030"        # --singleop: an attribute's type or value is not one ATC knows
JSON_PARSE_FAILED = "E10032"            # a JSON file's content does not have the expected structure or types
INVALID_OP_PARAMETER = "E13014"         # a value given for an op (shape, range, constant, attribute) is invalid
INTERNAL_ERROR = "E19999"               # a bug of ours (GE's code for an internal error): never the user's fault
NOT_IN_ATC_CLI_DOC = frozenset({DYNAMIC_BATCH_SCALAR_INPUT, EXCLUSIVE_OPTIONS, INVALID_INPUT_SHAPE_RANGE,
                                CAFFE_LEGACY_LAYERS, SINGLEOP_NOT_A_FILE, SINGLEOP_OPEN_FAILED, SINGLEOP_NOT_JSON,
                                SINGLEOP_EMPTY_OP_TYPE, SINGLEOP_INVALID_TENSOR, SINGLEOP_EMPTY_ATTR_NAME,
                                SINGLEOP_INVALID_ATTR, JSON_PARSE_FAILED, INVALID_OP_PARAMETER, INTERNAL_ERROR})


def shown(text, keep_lines: bool = False) -> str:
    """``text`` made safe to print: every character that is not printable (ESC and the other control
    characters, line breaks, bidi overrides such as U+202E, unassigned code points: ``str.isprintable``) is
    written as ``repr`` writes it (``\\x1b``, ``\\n``, ``\\u202e``); printable text, non-ASCII letters included,
    is unchanged. ``keep_lines``: line breaks (``\\n``) stay, for multi-line text we wrote ourselves.

    Names and strings read from model files are untrusted: ConverterError and ConversionWarning messages go
    through it (so every message builder is covered), and so does everything the CLI and omtool print."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or (keep_lines and c == "\n") else repr(c)[1:-1] for c in text)


class ConverterError(Exception):
    """A user-facing failure with an ATC E-code.

    code:    ATC error code such as "E10016".
    message: what went wrong and what to do, in our own words; stored escaped (``shown``): one line, no
             control characters, whatever names from the model it quotes.
    option:  the command-line option involved, if any (e.g. "--input_shape").
    node:    the model node/op/layer involved, if any.
    path:    the file involved, if any.
    """

    def __init__(self, code: str, message: str, *, option: str | None = None,
                 node: str | None = None, path: str | None = None):
        message = shown(message)  # names from a model file may hold ESC sequences or line breaks
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.option = option
        self.node = node
        self.path = path

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class OptionError(ConverterError):
    """A command-line option has a bad value or conflicts with another option."""


class ModelLoadError(ConverterError):
    """A model file cannot be opened, read or parsed (E10041, E13001, E13005, ...)."""


class UnsupportedOpError(ConverterError):
    """One or more op types have no converter (E11009 / E13010); lists them all at once."""


class GraphError(ConverterError):
    """The graph is inconsistent: unknown node, bad shapes, failed pass."""


class OmFormatError(ConverterError):
    """An .om file is not a valid offline model (E10003)."""


def fail(code: str, message: str, **where) -> "ConverterError":
    """Shorthand used by modules: ``raise fail(NODE_NOT_FOUND, "...", option="--input_shape")``."""
    return ConverterError(code, message, **where)


class ConversionWarning(UserWarning):
    """Something the user should know about a conversion that still succeeded (an unknown prototxt
    field skipped, an option without effect, ...). The CLI prints these as `ATC warning:` lines. The message
    is escaped like ConverterError's (``shown``): it may name nodes of the model."""

    def __init__(self, message=""):
        super().__init__(shown(message))
