"""Proof that two converter versions write the same models up to where the weights sit: for the model set
of tools/om_fingerprints.py, each pair of .om files must have the same ModelDef once Const data offsets and
the weight_size / om_info_list attributes are set aside, the same bytes for every Const, and the same
header fields and partition kinds. (Used when a change moves weights on purpose, e.g. their alignment.)

Run: PYTHONPATH=OLD_TREE python tools/om_layout_diff.py convert OLD_OUT   (OLD_TREE: e.g. `git archive main`)
     python tools/om_layout_diff.py convert NEW_OUT
     python tools/om_layout_diff.py compare OLD_OUT NEW_OUT
`convert` uses the `converter` package found first on sys.path (PYTHONPATH before this tree).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # after PYTHONPATH

HEADER_FIELDS = ("version", "name", "om_ir_version", "model_num", "is_unknow_model", "modeltype", "checksum")


def convert(out_dir: str) -> None:
    import tools.om_fingerprints as fp
    from converter import api
    from converter.options import ConvertOptions
    os.makedirs(out_dir, exist_ok=True)
    index = {}
    with tempfile.TemporaryDirectory() as tmp:
        for framework, model, shapes, weight in fp._onnx_models() + fp._tf_models() + fp._caffe_models(tmp):
            for mode in fp.MODES:
                key = f"{os.path.basename(model)}|{mode}"
                kw = {"framework": framework, "model": model, "precision_mode": mode,
                      "output": os.path.join(out_dir, hashlib.md5(key.encode()).hexdigest())}
                if weight:
                    kw["weight"] = weight
                if shapes:
                    kw["input_shape"] = shapes
                try:
                    index[key] = str(api.convert(ConvertOptions(**kw)))
                except Exception as exc:   # noqa: BLE001 - a refusal is recorded, and must match the other side
                    index[key] = f"refused: {type(exc).__name__}"
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    print(f"{len(index)} conversions into {out_dir}")


def _layout_free(model_def) -> bytes:
    m = type(model_def)()
    m.CopyFrom(model_def)
    for g in m.graph:
        for op in g.op:
            if op.type == "Const" and "value" in op.attr:
                op.attr["value"].t.desc.data_offset = 0
    for key in ("weight_size", "om_info_list"):
        if key in m.attr:
            del m.attr[key]
    return m.SerializeToString(deterministic=True)


def _const_bytes(om) -> dict:
    out = {}
    for g in om.model_def.graph:
        for op in g.op:
            if op.type == "Const" and "value" in op.attr:
                d = op.attr["value"].t.desc
                out[(g.name, op.name)] = bytes(om.weights[d.data_offset:d.data_offset + d.weight_size])
    return out


def _index(folder: str) -> dict:
    with open(os.path.join(folder, "index.json")) as f:
        return json.load(f)


def compare(old_dir: str, new_dir: str) -> int:
    from converter.om.reader import read_om
    old, new = (_index(d) for d in (old_dir, new_dir))
    differ, identical, grown = [], 0, 0
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is None or b is None or a.startswith("refused") or b.startswith("refused"):
            if a != b:
                differ.append(key)
            continue
        with open(a, "rb") as fa, open(b, "rb") as fb:
            identical += fa.read() == fb.read()
        A, B = read_om(a), read_om(b)
        same = (_layout_free(A.model_def) == _layout_free(B.model_def) and _const_bytes(A) == _const_bytes(B)
                and all(getattr(A.header, f) == getattr(B.header, f) for f in HEADER_FIELDS)
                and [p.type for p in A.file.models[0].partitions] == [p.type for p in B.file.models[0].partitions])
        grown += os.path.getsize(b) - os.path.getsize(a)
        if not same:
            differ.append(key)
    for key in differ:
        print("DIFFERS beyond the weights' layout:", key)
    print(f"{len(old)} models: {identical} byte-identical, {len(differ)} differ beyond weight offsets and sizes; "
          f"files {grown:+d} bytes in all")
    return 1 if differ else 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "convert":
        convert(sys.argv[2])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
