"""publish_om: write an .om (with --external_weight=1 also its weight files) so that an existing model at
that path keeps computing what it did until the .om's rename replaces it, and a failed, interrupted or
killed conversion leaves nothing behind (rules: weight_files.py)."""
from __future__ import annotations

import os
from pathlib import Path

from ..fileio import folder_lock
from ..fileio.atomic import check_target
from ..fileio.temp_files import sweep_stale
from ..ir import Graph
from .external_weights import externalize_weights
from .weight_files import WeightStore
from .writer import write_om


def publish_om(graph: Graph, path, model_attrs: dict | None = None, external_weight: bool = False) -> Path:
    """Write ``graph`` to ``path`` (an exact file name; its folder must exist); returns the path."""
    target = check_target(os.fspath(path), "--output")
    folder = os.path.dirname(target)
    with folder_lock(folder), WeightStore(target) as store:
        sweep_stale(folder, force=True)  # temporary files of killed runs (fileio.temp_files: stale rule)
        if external_weight:
            externalize_weights(graph, store)
        return write_om(graph, target, model_attrs)
