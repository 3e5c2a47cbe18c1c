"""--customize_dtypes files: `name::InputDtype:a,b,OutputDtype:c` (by node name) or
`OpType::T:InputDtype:a,OutputDtype:c` (by op type). Dtype lists are comma-separated."""
from __future__ import annotations

from dataclasses import dataclass

from .files import bad_line, content_lines, read_option_file

DTYPES = frozenset({"float16", "float32", "float", "bfloat16", "double", "int8", "int16", "int32", "int64",
                    "uint8", "uint16", "uint32", "uint64", "bool", "hifloat8", "float8_e5m2", "float8_e4m3fn"})
SECTIONS = {"InputDtype": "inputs", "OutputDtype": "outputs"}


@dataclass(frozen=True)
class CustomDtype:
    by: str            # "name" or "optype"
    target: str        # node name or op type
    inputs: tuple      # dtype names per input, in order
    outputs: tuple     # dtype names per output, in order


def parse_customize_dtypes(path: str, option: str = "--customize_dtypes") -> tuple:
    entries = []
    for number, line in content_lines(read_option_file(path, option)):
        try:
            entries.append(_parse_line(line))
        except ValueError as exc:
            raise bad_line(option, path, number, line, str(exc)) from None
    return tuple(entries)


def _parse_line(line: str) -> CustomDtype:
    if line.startswith("OpType::"):
        target, sep, spec = line[len("OpType::"):].partition(":")
        by = "optype"
    else:
        target, sep, spec = line.partition("::")
        by = "name"
    if not sep or not target.strip():
        raise ValueError("expected 'name::InputDtype:..,OutputDtype:..' or 'OpType::T:InputDtype:..'")
    lists = {"inputs": [], "outputs": []}
    current = None
    for token in (t.strip() for t in spec.split(",")):
        head, colon, value = token.partition(":")
        if colon:
            if head.strip() not in SECTIONS:
                raise ValueError(f"unknown section '{head}' (use InputDtype or OutputDtype)")
            current = lists[SECTIONS[head.strip()]]
            token = value.strip()
        if current is None:
            raise ValueError("dtypes must follow InputDtype: or OutputDtype:")
        if token not in DTYPES:
            raise ValueError(f"unknown dtype '{token}'")
        current.append(token)
    return CustomDtype(by, target.strip(), tuple(lists["inputs"]), tuple(lists["outputs"]))
