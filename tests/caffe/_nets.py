"""Test helpers: write a small Caffe net with tools.make_caffe_models.CaffeNetBuilder, convert it with
the Caffe frontend and run it with the runtime Session."""
from __future__ import annotations

import numpy as np

from converter.frontends.caffe import load_caffe_graph
from converter.runtime.session import Session
from tools.make_caffe_models import CaffeNetBuilder

__all__ = ["CaffeNetBuilder", "convert", "run", "one_layer"]


def convert(builder: CaffeNetBuilder, folder, input_shapes=None, **save):
    proto, model = builder.save(str(folder), **save)
    return load_caffe_graph(proto, model, input_shapes or {})


def run(builder: CaffeNetBuilder, folder, feeds: dict, input_shapes=None, **save) -> dict:
    """Convert and run; returns {output blob name: array}."""
    graph = convert(builder, folder, input_shapes, **save)
    return Session(graph).run(feeds)


def one_layer(folder, type_: str, x: np.ndarray, blobs=None, extra_bottoms=(), n_tops: int = 1, **params):
    """Run a net holding one layer on input x (and extra inputs); returns the outputs in top order."""
    b = CaffeNetBuilder("one")
    b.input("x", list(x.shape))
    feeds = {"x": x}
    bottoms = ["x"]
    for i, extra in enumerate(extra_bottoms):
        b.input(f"x{i + 1}", list(extra.shape))
        feeds[f"x{i + 1}"] = extra
        bottoms.append(f"x{i + 1}")
    tops = [f"y{i}" for i in range(n_tops)]
    b.layer(type_, "layer", bottoms, tops, blobs, **params)
    out = run(b, folder, feeds)
    return [out[t] for t in tops]


def rand(*shape, seed: int = 0, low=None) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if low is not None:
        return rng.uniform(low, low + 2.0, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)
