"""TF tensor names: "node", "node:1" and control inputs "^node"; split at the last ':' as ATC does."""
from __future__ import annotations


def split_tensor_name(name: str) -> tuple:
    """("node", index) for "node:index" or "node" (index 0). A ':' not followed by digits is part of
    the name."""
    name = name.strip()
    if name.startswith("^"):
        name = name[1:]
    head, sep, tail = name.rpartition(":")
    if sep and head and tail.isdigit():
        return head, int(tail)
    return name, 0


def is_control_input(name: str) -> bool:
    return name.startswith("^")


def tensor_name(node: str, index: int = 0) -> str:
    return f"{node}:{index}"
