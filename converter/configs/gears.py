"""The gears of a multi-profile model (--dynamic_batch_size/_image_size/_dims) as the text the model
records in its `dynamic_gears` attr: one string per gear, `input:d0,d1,...;input2:...`. Written by the
record_gears pass, read back by the runtime, which runs a model only at one of its gears."""
from __future__ import annotations


def format_gears(gears: list) -> list:
    """[{input: shape}] -> one `name:d0,d1;name2:...` string per gear."""
    return [";".join(f"{name}:{','.join(map(str, shape))}" for name, shape in gear.items()) for gear in gears]


def parse_gears(texts) -> list:
    """The recorded gear strings back as [{input: shape}]; names may contain ':' (split at the last)."""
    gears = []
    for text in texts:
        gear = {}
        for item in str(text).split(";"):
            name, _, dims = item.rpartition(":")
            gear[name] = tuple(int(d) for d in dims.split(",") if d != "")
        gears.append(gear)
    return gears
