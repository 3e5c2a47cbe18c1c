"""Compile every converter/proto/**/*.proto into committed *_pb2.py modules (grpc_tools.protoc).

usage: python tools/compile_protos.py            regenerate the modules in place
       python tools/compile_protos.py --check    regenerate into a temp dir, diff, exit 1 if stale

The generated code is post-processed so it works with any protobuf runtime >= 5.26:
- protoc >= 5.27 emits a ``ValidateProtobufRuntimeVersion(...)`` call that refuses any runtime
  older than the protoc that generated it (grpcio-tools 1.85 -> protobuf 7.35); it is removed,
  since the descriptor-builder API the module uses is stable since protobuf 5.26.
- imports between our protos (``import foo_pb2``) become package-relative imports.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent.parent / "converter" / "proto"

_VERSION_CHECK = re.compile(
    r"^from google\.protobuf import runtime_version as _runtime_version\n", re.M)
_VERSION_CALL = re.compile(r"^_runtime_version\.ValidateProtobufRuntimeVersion\(\n(?:.*\n)*?\)\n", re.M)
_GENCODE_LINE = re.compile(r"^# Protobuf Python Version: .*\n", re.M)
_IMPORT = re.compile(r"^(?:from ([\w.]+) )?import (\w+_pb2) as (\w+)$", re.M)


def proto_files(root: Path = PROTO_ROOT) -> list[Path]:
    return sorted(root.rglob("*.proto"))


def _make_portable(code: str, module: Path, out_root: Path, known: set[str]) -> str:
    """Drop the runtime version pin and make imports of sibling generated modules relative."""
    code = _VERSION_CHECK.sub("", code)
    code = _VERSION_CALL.sub("", code)
    code = _GENCODE_LINE.sub("# Post-processed by tools/compile_protos.py (portable to protobuf >= 5.26).\n", code)
    depth = len(module.relative_to(out_root).parts) - 1
    dots = "." * (depth + 1)

    def fix(m: re.Match) -> str:
        package, name, alias = m.group(1), m.group(2), m.group(3)
        target = f"{package.replace('.', '/')}/{name}" if package else name
        if target not in known:
            return m.group(0)
        prefix = dots + (package or "")
        return f"from {prefix} import {name} as {alias}"

    return _IMPORT.sub(fix, code)


def compile_all(root: Path, out_dir: Path) -> list[Path]:
    """Run protoc on every .proto under root, writing post-processed *_pb2.py files to out_dir."""
    from grpc_tools import protoc  # lazily: only developers need grpcio-tools
    import grpc_tools

    protos = proto_files(root)
    if not protos:
        return []
    include = Path(grpc_tools.__file__).parent / "_proto"
    args = ["protoc", f"-I{root}", f"-I{include}", f"--python_out={out_dir}"]
    args += [str(p.relative_to(root)) for p in protos]
    if protoc.main(args) != 0:
        raise SystemExit(f"protoc failed on {root}")
    known = {str(p.relative_to(root).with_suffix("")) + "_pb2" for p in protos}
    outputs = []
    for proto in protos:
        module = out_dir / proto.relative_to(root).with_name(proto.stem + "_pb2.py")
        module.write_text(_make_portable(module.read_text(), module, out_dir, known))
        outputs.append(module)
    return outputs


def check(root: Path = PROTO_ROOT) -> list[str]:
    """Names of generated modules that differ from (or are missing next to) their .proto."""
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for fresh in compile_all(root, Path(tmp)):
            committed = root / fresh.relative_to(tmp)
            old = committed.read_text() if committed.exists() else ""
            new = fresh.read_text()
            if old != new:
                diff = difflib.unified_diff(old.splitlines(), new.splitlines(), str(committed), "fresh",
                                            lineterm="", n=1)
                stale.append("\n".join(list(diff)[:20]))
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the modules are up to date")
    parser.add_argument("--root", type=Path, default=PROTO_ROOT, help="folder holding the .proto files")
    ns = parser.parse_args(argv)
    if ns.check:
        stale = check(ns.root)
        for text in stale:
            print(text)
        print("generated protobuf modules are " + ("STALE: run tools/compile_protos.py" if stale else "up to date"))
        return 1 if stale else 0
    for module in compile_all(ns.root, ns.root):
        print(f"wrote {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
