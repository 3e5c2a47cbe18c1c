"""Helpers turning a line of fixtures/atc-cmdlines/public.txt into argv for our parser: shell-split it,
drop env assignments and the program path, replace <PLACEHOLDER> tokens with values that fit the option."""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

PUBLIC_TXT = Path(__file__).parent / "data" / "public_cmdlines.txt"   # copy of fixtures/atc-cmdlines/public.txt
PLACEHOLDER = re.compile(r"<[A-Za-z_0-9]+>|\{[a-z_]+\}")

# a whole value that is a placeholder gets a value that fits its option
OPTION_DEFAULTS = {
    "model": "model.onnx", "weight": "model.caffemodel", "output": "out/model", "om": "model.om",
    "json": "model.json", "framework": "5", "input_shape": "x:-1,3,224,224", "soc_version": "Ascend310",
    "dynamic_batch_size": "1,2,4", "dynamic_dims": "1;2", "dynamic_image_size": "224,224;448,448",
    "out_nodes": "out:0", "input_fp16_nodes": "x", "insert_op_conf": "aipp.cfg",
}
# placeholders inside a value: numbers, except where a line needs more
TOKEN_DEFAULTS = {"<DIMS>": "1,1;2,2"}

# files created (relative to the test's working folder) for option values, with valid content
FILE_CONTENT = {
    "keep_dtype": "Node_1\nOpType::Relu\n",
    "customize_dtypes": "Gemm_1::InputDtype:float16,OutputDtype:float16\n",
    "insert_op_conf": "aipp_op {\n    aipp_mode:static\n    input_format:YUV420SP_U8\n    csc_switch:true\n}\n",
    "op_name_map": "DetectionOutput:SSDDetectionOutput\n",
    "fusion_switch_file": "TransposeReshapeFusionPass:off\n",
    "op_precision_mode": "[ByOpType]\nRelu=high_precision\n",
    "modify_mixlist": '{"white-list": {"to-remove": ["A"]}}\n',
    "weight": "",
}


def public_lines() -> list[tuple[int, str]]:
    return [(number, line) for number, line in enumerate(PUBLIC_TXT.read_text().splitlines(), start=1)
            if line.strip()]


def _option_name(token: str) -> str | None:
    if not token.startswith("-"):
        return None
    return token.lstrip("-").partition("=")[0].replace("-", "_")


def _fill(option: str | None, value: str) -> str:
    bare = value.strip("\"'")
    if bare in TOKEN_DEFAULTS:
        return TOKEN_DEFAULTS[bare]
    if PLACEHOLDER.fullmatch(bare) and option in OPTION_DEFAULTS:
        return OPTION_DEFAULTS[option]
    return PLACEHOLDER.sub(lambda m: TOKEN_DEFAULTS.get(m.group(), "1"), value)


def line_to_argv(line: str) -> list[str]:
    tokens = shlex.split(line)
    while tokens and re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*=.*", tokens[0]):
        tokens.pop(0)                                   # VAR=value before the program
    if tokens and os.path.basename(tokens[0]) == "atc":
        tokens.pop(0)                                   # the program itself
    argv, previous = [], None
    for token in tokens:
        name = _option_name(token)
        if name is not None and "=" in token:
            head, _, value = token.partition("=")
            argv.append(f"{head}={_fill(name, value)}")
        elif name is None:
            argv.append(_fill(previous, token))
        else:
            argv.append(token)
        previous = name
    return argv


def create_option_files(argv: list[str], folder: Path) -> None:
    """Create the relative files the line's option values name, so parsing goes past 'no such file'."""
    previous = None
    for token in argv:
        name, value = _option_name(token), None
        if name is not None and "=" in token:
            value = token.partition("=")[2]
        elif name is None and previous in FILE_CONTENT:
            name, value = previous, token
        if name in FILE_CONTENT and value and not os.path.isabs(value):
            path = folder / value.strip("\"'")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(FILE_CONTENT[name])
        previous = _option_name(token)
