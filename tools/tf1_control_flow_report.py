"""Report: how close the converted TF1 control-flow goldens come to TensorFlow's outputs.

For every case in tests/tensorflow/golden/control_flow (NAME.npz, or NAME_<case>.npz on NAME.pb): the largest
absolute error of any output in force_fp32, and the smallest cosine similarity of any output in force_fp16 (the
default precision), each against TensorFlow's recorded outputs. Zero outputs equal to zero count as cosine 1.

Run: python tools/tf1_control_flow_report.py [--folder DIR]
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "tensorflow" / "golden" / "control_flow"


def _model(folder: Path, case: str) -> Path:
    """The .pb a case runs on: the longest NAME.pb whose NAME starts the case's name."""
    return next(folder / f"{case[:i]}.pb" for i in range(len(case), 0, -1) if (folder / f"{case[:i]}.pb").exists())


def _run(folder: Path, case: str, precision: str):
    from converter.api import build_graph
    from converter.options import ConvertOptions
    from converter.runtime import Session
    data = np.load(folder / f"{case}.npz")
    feeds = {k.split(":", 1)[1].rsplit(":", 1)[0]: data[k] for k in data.files if k.startswith("input:")}
    outs = [k.split(":", 1)[1] for k in data.files if k.startswith("output:")]
    options = ConvertOptions(framework=3, model=str(_model(folder, case)), precision_mode=precision,
                             input_shape=tuple((k, tuple(v.shape)) for k, v in feeds.items()),
                             out_nodes=tuple((o.rsplit(":", 1)[0], int(o.rsplit(":", 1)[1])) for o in outs))
    results = Session(build_graph(options)).run(feeds)
    return [(np.asarray(results[k], np.float64), data["output:" + k].astype(np.float64)) for k in outs]


def main() -> int:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folder", default=str(GOLDEN), help="folder of the goldens (default: the committed ones)")
    folder = Path(ap.parse_args().folder)
    from converter.verify.compare import FP16_DEFAULTS, compare_arrays
    warnings.simplefilter("ignore")       # the Assert notes
    print(f"{'case':28} {'fp32 max abs error':>19} {'fp16 min cosine':>16}")
    for case in sorted(p.stem for p in folder.glob("*.npz")):
        error = max(float(np.abs(got - ref).max(initial=0)) for got, ref in _run(folder, case, "force_fp32"))
        cosine = min(compare_arrays(got, ref, FP16_DEFAULTS)["cosine"] for got, ref in _run(folder, case, "force_fp16"))
        print(f"{case:28} {error:>19.2e} {cosine:>16.9f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
