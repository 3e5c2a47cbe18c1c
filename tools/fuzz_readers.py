"""Seeded fuzzing of every reader: mutated ONNX models (with external data), Caffe prototxt + caffemodel, TF
GraphDefs (binary and text), .om files (ours, with external weights, and real ATC/HiAI files), .air models and
option files (AIPP insert_op_conf, keep_dtype, customize_dtypes, op_name_map, modify_mixlist, --singleop JSON)
run in process through the same entry points as `atc` and `omtool`.

A case passes when it converts (or reads) or fails with an E-coded ConverterError other than E19999, and
leaves nothing behind: no file in the output folder after a failure, no temporary file after a success, no
new file in the input folder. Anything else is a finding, reported with the command that reproduces it.
Case i of seed S always mutates the same way (its random generator is seeded with S and i) for the same
--targets (cases go round robin over them), whatever --count is.

Run: python tools/fuzz_readers.py --seed 1 --count 10000          (all targets, round robin)
     python tools/fuzz_readers.py --seed 1 --case 4711 --verbose   (one case again, with its traceback)
     python tools/fuzz_readers.py --seed 1 --count 500 --targets onnx,om
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from converter.fileio.interrupts import sigterm_as_interrupt  # noqa: E402
from tools.fuzz.targets import TARGET_NAMES, TARGETS, mutate_file  # noqa: E402

CASE_SECONDS = 30        # a case running longer is a finding (a hang)
REPORTS = {"check.json"}
FAILURE_KINDS = ("traceback", "E19999", "files left behind", "hang")  # --mode=3 writes its report when the check fails too: that is its output


class CaseTimeout(BaseException):
    """Raised by the alarm in a case that runs too long (a BaseException: no handler of ours catches it)."""


@dataclass
class Outcome:
    case: int
    target: str
    seed_name: str
    result: str                 # "ok", an E-code, or "FAIL"
    detail: str = ""
    kind: str = ""              # for a FAIL: one of FAILURE_KINDS
    seconds: float = 0.0


@dataclass
class Report:
    seed: int
    targets: list
    outcomes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list:
        return [o for o in self.outcomes if o.result == "FAIL"]


def case_rng(seed: int, case: int) -> random.Random:
    return random.Random(f"{seed}:{case}")


def _files_under(folder: str) -> set:
    found = set()
    for base, dirs, names in os.walk(folder):
        found.update(os.path.relpath(os.path.join(base, n), folder) for n in names + dirs)
    return found


def _on_alarm(signum, frame):
    raise CaseTimeout()


class Fuzzer:
    def __init__(self, seed: int, targets=None, work: str | None = None):
        self.seed = seed
        self.targets = [t for t in TARGETS if targets is None or t.name in targets]
        self.work = work or tempfile.mkdtemp(prefix="fuzz_readers_")
        self.seeds = {}
        for t in self.targets:
            folder = os.path.join(self.work, "seeds", t.name)
            os.makedirs(folder, exist_ok=True)
            self.seeds[t.name] = t.seeds(folder)

    def case(self, index: int, verbose: bool = False) -> Outcome:
        target = self.targets[index % len(self.targets)]
        rng = case_rng(self.seed, index)
        seeds = self.seeds[target.name]
        seed = rng.choice(seeds)
        files = dict(seed.files)
        name = seed.main if rng.random() < 0.8 or len(files) == 1 else rng.choice(sorted(files))
        others = [s.files[s.main] for s in seeds]
        files[name] = mutate_file(name, files[name], rng, others)
        folder = os.path.join(self.work, f"case_{index}")
        inp, out = os.path.join(folder, "in"), os.path.join(folder, "out")
        os.makedirs(out)
        for fname, data in files.items():
            path = os.path.join(inp, fname)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        written = _files_under(inp)
        action = target.action(seed, rng, inp, out)
        outcome = Outcome(index, target.name, seed.name, "ok")
        start = time.perf_counter()
        failed = False
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                action()
        except CaseTimeout:
            outcome.result, outcome.detail = "FAIL", f"still running after {CASE_SECONDS} s"
            outcome.kind = "hang"
        except Exception as exc:  # noqa: BLE001 - classifying is the point
            from converter.errors import INTERNAL_ERROR, ConverterError
            failed = True
            if isinstance(exc, ConverterError) and exc.code != INTERNAL_ERROR:
                outcome.result = exc.code
                outcome.detail = exc.message[:300]
            else:
                outcome.result = "FAIL"
                outcome.kind = "E19999" if isinstance(exc, ConverterError) else "traceback"
                outcome.detail = (f"{type(exc).__name__}: {str(exc)[:300]}" if not verbose else
                                  "".join(traceback.format_exception(exc)))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        outcome.seconds = time.perf_counter() - start
        left = _files_under(out)
        stray = sorted(p for p in left if (failed and p not in REPORTS) or os.path.basename(p).endswith(".tmp"))
        added = sorted(_files_under(inp) - written)
        if (stray or added) and outcome.result != "FAIL":
            outcome.detail = f"files left behind: {stray + added} ({outcome.result}: {outcome.detail})"
            outcome.result, outcome.kind = "FAIL", "files left behind"
        shutil.rmtree(folder, ignore_errors=True)
        return outcome

    def run(self, count: int, start: int = 0, progress=None, report: Report | None = None) -> Report:
        """Cases start .. start+count-1, added to ``report`` (a new one by default) as they finish, so an
        interrupted run still has the outcomes so far."""
        report = report if report is not None else Report(self.seed, [t.name for t in self.targets])
        t0 = time.perf_counter() - report.seconds
        try:
            for index in range(start, start + count):
                outcome = self.case(index)
                report.outcomes.append(outcome)
                if progress:
                    progress(outcome, report)
        finally:
            report.seconds = time.perf_counter() - t0
        return report

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def summary(report: Report) -> str:
    lines = [f"fuzz_readers: seed {report.seed}, {len(report.outcomes)} cases in {report.seconds:.1f} s "
             f"({len(report.outcomes) / max(report.seconds, 1e-9):.1f} cases/s), {len(report.failures)} failures"]
    kinds = Counter(o.kind for o in report.failures)
    lines.append("  " + ", ".join(f"{kind}: {kinds[kind]}" for kind in FAILURE_KINDS))
    by_target = {}
    for o in report.outcomes:
        by_target.setdefault(o.target, Counter())[o.result] += 1
    for name, counts in by_target.items():
        results = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
        lines.append(f"  {name:8s} {sum(counts.values()):6d} cases: {results}")
    for o in report.failures:
        lines.append(f"FAIL case {o.case} ({o.target}, seed input {o.seed_name}): {o.detail}")
        only = "" if report.targets == TARGET_NAMES else f" --targets {','.join(report.targets)}"
        lines.append(f"     reproduce: python tools/fuzz_readers.py --seed {report.seed}{only} --case {o.case} --verbose")
    return "\n".join(lines)


def _limit_memory(gib: float) -> None:
    import resource
    limit = int(gib * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0, help="first case index")
    parser.add_argument("--case", type=int, help="run this one case (with --verbose: its traceback)")
    parser.add_argument("--targets", default=",".join(TARGET_NAMES),
                        help=f"comma-separated, from {', '.join(TARGET_NAMES)} (round robin over them)")
    parser.add_argument("--memory-gib", type=float, default=6.0,
                        help="address-space limit of the process: an allocation beyond it is a MemoryError")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    unknown = set(targets) - set(TARGET_NAMES)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}")
    if args.memory_gib > 0:
        _limit_memory(args.memory_gib)
    fuzzer = Fuzzer(args.seed, targets)
    try:
        if args.case is not None:
            o = fuzzer.case(args.case, verbose=True)
            print(f"case {o.case} ({o.target}, seed input {o.seed_name}): {o.result} in {o.seconds:.2f} s\n{o.detail}")
            return 1 if o.result == "FAIL" else 0

        def progress(outcome, report):
            if outcome.result == "FAIL":
                print(f"FAIL case {outcome.case} ({outcome.target}): {outcome.detail[:200]}", flush=True)
            elif args.verbose:
                print(f"case {outcome.case} {outcome.target}: {outcome.result} {outcome.seconds:.2f} s", flush=True)
            if len(report.outcomes) % 500 == 0:
                print(f"... {len(report.outcomes)} cases, {len(report.failures)} failures", flush=True)

        report = Report(args.seed, [t.name for t in fuzzer.targets])
        try:
            with sigterm_as_interrupt():
                fuzzer.run(args.count, args.start, progress, report)
        except KeyboardInterrupt:
            print(f"interrupted (Ctrl-C or SIGTERM) after {len(report.outcomes)} of {args.count} cases", flush=True)
            print(summary(report))
            return 130
        print(summary(report))
        return 1 if report.failures else 0
    finally:
        fuzzer.close()  # the seeds and case folders: nothing is left in the temporary folder


if __name__ == "__main__":
    sys.exit(main())
