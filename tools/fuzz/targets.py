"""The readers the fuzzer drives: for each target, its seeds, how a seed's file is mutated, and what runs on the
mutated input (a command line run in process, as `atc` runs it, or the omtool/runtime entry points for .om
files). Every action writes only under the case's output folder."""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import corpus
from .mutate import mutate_bytes, mutate_json, mutate_message, mutate_proto, mutate_text


def atc(argv: list) -> object:
    """One `atc` command line, in process, without printing: options parsed and validated as the CLI does,
    then the mode's API function (converter.cli.run). Raises what the API raises."""
    from converter.cli import run
    from converter.cli_args import parse_argv
    from converter.options import build_options
    return run(build_options(parse_argv(argv)))


def _message_class(name: str):
    from converter.proto import caffe_pb2, ge_ir_pb2
    from converter.proto import tf_graph_pb2 as tfpb
    if name.endswith(".onnx"):
        import onnx
        return onnx.ModelProto
    if name.endswith(".caffemodel"):
        return caffe_pb2.NetParameter
    if name.endswith(".pb"):
        return tfpb.GraphDef
    return ge_ir_pb2.ModelDef  # .air


def _mutate_om(data: bytes, rng: random.Random, others) -> bytes:
    """An .om: its ModelDef edited and the container rebuilt (so the edit gets past the container checks),
    or its bytes edited (header, table, weights)."""
    if rng.random() < 0.4:
        return mutate_bytes(data, rng, others)
    import io

    from converter.om import container
    from converter.proto import ge_ir_pb2
    try:
        om = container.parse_om(data)
        parts = om.models[0].partitions
    except Exception:  # noqa: BLE001 - not a container we can rebuild: edit its bytes
        return mutate_bytes(data, rng, others)
    chunks = []
    for p in parts:
        body = bytes(p.data)
        if p.type == container.PartitionType.MODEL_DEF:
            body = mutate_proto(body, ge_ir_pb2.ModelDef, rng)
        elif p.type == container.PartitionType.WEIGHTS_DATA and rng.random() < 0.2:
            body = mutate_bytes(body, rng)
        chunks.append((p.type, body))
    out = io.BytesIO()
    header = om.header
    table = container.pack_table64([_Part(t, len(b)) for t, b in chunks])
    header.model_num, header.model_length = 1, len(table) + sum(len(b) for _, b in chunks)
    header.length = header.model_length
    out.write(container.pack_header(header))
    out.write(table)
    for _, body in chunks:
        out.write(body)
    return out.getvalue()


@dataclass
class _Part:
    type: int
    size: int


def _mutate_text_proto(name: str, data: bytes, rng: random.Random) -> bytes:
    """A text-format message parsed, edited as a message (mutate_message) and printed again: edits that keep
    the text parseable, so they reach the converter."""
    from google.protobuf import text_format

    from converter.proto import caffe_pb2
    from converter.proto import tf_graph_pb2 as tfpb
    message = (caffe_pb2.NetParameter if name.endswith(".prototxt") else tfpb.GraphDef)()
    try:
        text_format.Parse(data.decode("utf-8"), message, allow_unknown_field=True)
    except Exception:  # noqa: BLE001 - not parseable: edit the text instead
        return mutate_text(data.decode("utf-8", "replace"), rng).encode("utf-8", "surrogatepass")
    mutate_message(message, rng)
    return text_format.MessageToString(message, as_utf8=True).encode("utf-8", "surrogatepass")


def mutate_file(name: str, data: bytes, rng: random.Random, others=()) -> bytes:
    """Pick the mutator by file kind."""
    if name.endswith((".onnx", ".caffemodel", ".pb", ".air")):
        return mutate_proto(data, _message_class(name), rng, others)
    if name.endswith(".om"):
        return _mutate_om(data, rng, others)
    if name.endswith(".json"):
        return mutate_json(data.decode("utf-8", "replace"), rng).encode("utf-8", "surrogatepass")
    if name.endswith((".prototxt", ".pbtxt")) and rng.random() < 0.5:
        return _mutate_text_proto(name, data, rng)
    if name.endswith((".prototxt", ".pbtxt", ".cfg")):
        if rng.random() < 0.1:
            return mutate_bytes(data, rng, others)
        return mutate_text(data.decode("utf-8", "replace"), rng).encode("utf-8", "surrogatepass")
    return mutate_bytes(data, rng, others)


# ---- actions -----------------------------------------------------------------------------------------------

def _fill(args: list, folder: str) -> list:
    return [a.replace("{dir}", folder) for a in args]


def _model_action(framework: int, flag_model: str = "--model"):
    def action(seed, rng: random.Random, inp: str, out: str) -> Callable:
        model = os.path.join(inp, seed.main)
        roll = rng.random()
        extra = _fill(seed.args, inp)
        if roll < 0.12:
            return lambda: atc(["--mode=1", f"--framework={framework}", f"--om={model}", f"--json={out}/m.json",
                                *[a for a in extra if a.startswith("--input_shape")]])
        if roll < 0.17:
            return lambda: atc(["--mode=1", f"--framework={framework}", f"--om={model}", f"--json={out}/m.json",
                                "--dump_mode=1", *extra])
        if roll < 0.25:
            return lambda: atc(["--mode=3", f"--framework={framework}", f"--model={model}",
                                f"--check_report={out}/check.json", *extra])
        options = rng.choice([[], ["--precision_mode=force_fp32"], ["--external_weight=1"],
                              ["--precision_mode=allow_mix_precision"]])
        return lambda: atc([f"--framework={framework}", f"{flag_model}={model}", f"--output={out}/m", *extra,
                            *options])
    return action


def _om_action(seed, rng: random.Random, inp: str, out: str) -> Callable:
    model = os.path.join(inp, seed.main)
    roll = rng.random()
    if roll < 0.2:
        return lambda: atc(["--mode=6", f"--om={model}"])
    if roll < 0.4:
        return lambda: atc(["--mode=1", f"--om={model}", f"--json={out}/m.json"])
    if roll < 0.5:
        from converter.api import export_onnx
        return lambda: export_onnx(model, f"{out}/m.onnx")
    return lambda: _run_om(model, rng.randrange(1000))


RUN_INPUT_BYTES = 64 << 20   # the fuzzer feeds random inputs only to models whose inputs are at most this big


def _run_om(model: str, seed: int):
    """What `omtool run --seed N` does, with inputs of at most RUN_INPUT_BYTES."""
    from converter.runtime import Session
    from converter.runtime.inputs import model_feeds, random_inputs
    from converter.ir.dtypes import itemsize
    sess = Session(model)
    total = 0
    for op in sess.graph.data_ops():
        d = op.outputs[0]
        if d.shape is not None and all(int(x) >= 0 for x in d.shape):
            try:
                total += int(np.prod([int(x) for x in d.shape], dtype=object)) * itemsize(d.dtype)
            except (KeyError, TypeError, ValueError):
                pass
    if total > RUN_INPUT_BYTES:
        return None
    return sess.run(model_feeds(sess.graph, random_inputs(sess.graph, seed)))


def _config_action(seed, rng: random.Random, inp: str, out: str) -> Callable:
    args = _fill(seed.args, inp)
    if any(a.startswith("--singleop") for a in args):
        return lambda: atc([*args, f"--output={out}/ops"])
    return lambda: atc([*args, f"--output={out}/m"])


@dataclass
class Target:
    name: str
    seeds: Callable          # (work folder) -> [Seed]
    action: Callable         # (seed, rng, input folder, output folder) -> a no-argument callable


TARGETS = [
    Target("onnx", lambda work: corpus.onnx_seeds(), _model_action(5)),
    Target("caffe", lambda work: corpus.caffe_seeds(), _model_action(0)),
    Target("tf_pb", lambda work: corpus.tf_seeds(), _model_action(3)),
    Target("tf_text", lambda work: corpus.tf_seeds(text=True), _model_action(3)),
    Target("om", corpus.om_seeds, _om_action),
    Target("air", corpus.air_seeds, _model_action(1)),
    Target("config", lambda work: corpus.config_seeds(), _config_action),
]
TARGET_NAMES = [t.name for t in TARGETS]
