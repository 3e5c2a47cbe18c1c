"""Writes converter/data/onnx_schemas.json: what the ONNX frontend needs from the ONNX operator schemas
(attribute types, defaults and required flags; input and output counts), for every op of the default
domain and every version, taken from the installed onnx package.

The frontend reads this table instead of calling ``onnx.defs`` at conversion time (importing the schema
registry is slow). Versions whose entry equals the previous version's are left out: a lookup takes the
newest version not above the model's opset, which then gives the same entry. A test checks that the
committed table equals what the installed onnx reports.

Run: python tools/make_onnx_schemas.py            (rewrites the table)
     python tools/make_onnx_schemas.py --check    (exit status 1 when the table is out of date)
"""
from __future__ import annotations

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = os.path.join(ROOT, "converter", "data", "onnx_schemas.json")
UNBOUNDED = 2 ** 31 - 1     # what onnx reports as the max input/output count of a variadic op
FORMAL = {"Single": "S", "Optional": "O", "Variadic": "V"}


def _default(attr):
    """The schema's default as a JSON value (None when the attribute has none)."""
    from onnx import helper
    if not attr.default_value.name:
        return None
    value = helper.get_attribute_value(attr.default_value)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [v.decode() if isinstance(v, bytes) else v for v in value]
    if not isinstance(value, (int, float, str)):
        raise TypeError(f"default of {attr.name} is a {type(value).__name__}: extend tools/make_onnx_schemas.py")
    return value


def _count(n: int):
    return None if n == UNBOUNDED else n


def schema_entry(schema) -> dict:
    """attrs: name -> [type, required, default]; inputs: [min, max or None, formal options (S/O/V each)];
    outputs: [min, max or None]."""
    attrs = {name: [attr.type.name, bool(attr.required), _default(attr)]
             for name, attr in sorted(schema.attributes.items())}
    formal = "".join(FORMAL[str(i.option).rsplit(".", 1)[-1]] for i in schema.inputs)
    return {"attrs": attrs, "inputs": [schema.min_input, _count(schema.max_input), formal],
            "outputs": [schema.min_output, _count(schema.max_output)]}


def build_table() -> dict:
    """{"onnx_version": ..., "opset": the newest default-domain opset it defines, "ops": {op type: {since
    version (str): entry}}} from the installed onnx."""
    import onnx
    from onnx import defs
    versions: dict = {}
    for schema in defs.get_all_schemas_with_history():
        if schema.domain in ("", "ai.onnx"):
            versions.setdefault(schema.name, {})[schema.since_version] = schema_entry(schema)
    ops = {}
    for name in sorted(versions):
        kept, previous = {}, None
        for since in sorted(versions[name]):
            entry = versions[name][since]
            if entry != previous:
                kept[str(since)] = entry
            previous = entry
        ops[name] = kept
    return {"onnx_version": onnx.__version__, "opset": defs.onnx_opset_version(), "ops": ops}


def table_text(table: dict) -> str:
    """JSON with one op a line (readable diffs, small file)."""
    lines = [f'{json.dumps(name)}: {json.dumps(entry, sort_keys=True, separators=(",", ":"))}'
             for name, entry in table["ops"].items()]
    return ('{"onnx_version": ' + json.dumps(table["onnx_version"]) + ', "opset": ' + json.dumps(table["opset"])
            + ', "ops": {\n'
            + ",\n".join(lines) + "\n}}\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report whether the table is up to date")
    args = parser.parse_args(argv)
    text = table_text(build_table())
    if args.check:
        with open(TABLE, encoding="utf-8") as f:
            same = f.read() == text
        print("up to date" if same else f"{TABLE} differs from the installed onnx: rerun this script")
        return 0 if same else 1
    os.makedirs(os.path.dirname(TABLE), exist_ok=True)
    with open(TABLE, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {TABLE} ({len(text)} bytes, {text.count(chr(10)) - 2} op types)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
