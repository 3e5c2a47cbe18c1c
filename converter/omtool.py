"""`omtool`: run, inspect and check offline models (typer CLI over converter.api and the runtime)."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import List, Optional

import typer

from .errors import (FILE_OPEN_FAILED, FILE_PARSE_FAILED, INTERNAL_ERROR, INVALID_ARGUMENT_VALUE, ConverterError,
                     shown)
from .fileio.interrupts import exit_status, sigterm_as_interrupt

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Run, inspect and check .om offline models made by atc.")


def say(text: str, err: bool = False, nl: bool = True) -> None:
    """Print text of ours; everything omtool prints goes through here, escaped (errors.shown): names and
    strings from a model never reach the terminal as control characters."""
    typer.echo(shown(text, keep_lines=True), err=err, nl=nl)


def _fail(exc: ConverterError) -> None:
    say(f"omtool failed: {exc.code}: {exc.message}", err=True)
    raise typer.Exit(1)


@contextmanager
def _reported():
    """E-coded errors and interruptions (Ctrl-C, SIGTERM) as one line and an exit status, no traceback."""
    try:
        yield
    except ConverterError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:
        say("omtool failed: interrupted (Ctrl-C or SIGTERM); no partial output was left", err=True)
        raise typer.Exit(exit_status(exc)) from None


def _parse_inputs(items: List[str], session=None) -> dict:
    """NAME=FILE pairs: .npy files, or raw .bin files (msame's format: the input's bytes, read with the
    dtype and shape the model declares for it; needs the session)."""
    import numpy as np
    feeds = {}
    for item in items or []:
        if "=" not in item:
            raise ConverterError(INVALID_ARGUMENT_VALUE, f"--input '{item}' must be NAME=FILE.npy or NAME=FILE.bin",
                                 option="--input")
        name, path = item.split("=", 1)
        if not os.path.isfile(path):
            raise ConverterError(FILE_OPEN_FAILED, f"--input {name}: cannot open '{path}'", option="--input", path=path)
        if path.lower().endswith(".bin") and session is not None:
            from .runtime.inputs import read_raw_input
            feeds[name] = read_raw_input(session.graph, name, path)
            continue
        try:
            value = np.load(path, allow_pickle=False)
        except Exception as exc:
            raise ConverterError(FILE_PARSE_FAILED, f"--input {name}: '{path}' is not a .npy file ({exc})",
                                 option="--input", path=path) from None
        if not isinstance(value, np.ndarray):  # an .npz archive: several arrays, which one is meant?
            value.close()
            raise ConverterError(FILE_PARSE_FAILED, f"--input {name}: '{path}' is an .npz archive; give one array as a "
                                 ".npy file (numpy.save)", option="--input", path=path)
        feeds[name] = value
    return feeds


def output_file_names(names: list) -> list:
    """One file name (without .npy) per output name, in order, distinct and safe: characters other than
    letters, digits, '.', '_' and '-' become '_', leading dots are dropped, at most 100 characters; an empty
    result becomes 'output_<position>'; a name already taken (compared case-insensitively, for
    case-insensitive file systems) gets '_2', '_3', ... (so outputs 'a/b' and 'a_b' give a_b and a_b_2)."""
    taken, out = set(), []
    for i, name in enumerate(names):
        base = "".join(c if c.isalnum() or c in "._-" else "_" for c in str(name)).lstrip(".")[:100]
        base = base or f"output_{i}"
        candidate, k = base, 2
        while candidate.casefold() in taken:
            candidate, k = f"{base}_{k}", k + 1
        taken.add(candidate.casefold())
        out.append(candidate)
    return out


def _save_outputs(outs: dict, output_dir: str) -> list:
    """Each output as <file name>.npy in output_dir (atomic writes); returns the paths, in output order."""
    import numpy as np

    from .fileio import atomic_write, output_folder
    output_folder(output_dir, "--output-dir")
    paths = []
    for (name, value), file_name in zip(outs.items(), output_file_names(list(outs))):
        path = os.path.join(output_dir, file_name + ".npy")
        with atomic_write(path, option="--output-dir") as f:
            np.save(f, value, allow_pickle=False)
        paths.append(path)
    return paths


@app.command()
def run(model: str = typer.Argument(..., help="the .om file (ours, or a real ATC/GE-compiled one)"),
        input: List[str] = typer.Option([], "--input", "-i", help="NAME=FILE.npy or NAME=FILE.bin (raw bytes), "
                                        "once per model input"),
        output_dir: str = typer.Option(".", "--output-dir", "-o", help="folder for one .npy per output"),
        seed: Optional[int] = typer.Option(None, help="feed random inputs made with this seed instead"),
        source: Optional[str] = typer.Option(None, "--source", help="the framework model a compiled .om was "
                                             "built from (frozen .pb): settles what its fusion ops do not record"),
        random_seed: Optional[int] = typer.Option(None, "--random-seed", help="fix the numbers drawn by random "
                                                  "ops whose seeds are 0 (fresh on every run otherwise)")):
    """Execute an .om on the CPU and write each output as OUTPUT_NAME.npy (names made file-safe and unique:
    see output_file_names; each line printed says which file holds which output)."""
    from .runtime import Session
    from .runtime.inputs import model_feeds, random_inputs
    with _reported():
        sess = Session(model, source=source, random_seed=random_seed)
        for note in sess.graph.meta.get("lowering_notes", []):
            say(f"note: {shown(note)}", err=True)
        feeds = _parse_inputs(input, sess)  # .npy files hold what the model takes (fp16, NC1HWC0, uint8 images)
        if seed is not None:
            feeds = {**model_feeds(sess.graph, random_inputs(sess.graph, seed)), **feeds}
        outs = sess.run(feeds)
        for (name, value), path in zip(outs.items(), _save_outputs(outs, output_dir)):
            say(f"{shown(name)}: {value.dtype} {list(value.shape)} -> {shown(path)}")


@app.command()
def info(model: str = typer.Argument(..., help="the .om file")):
    """Print the model's inputs and outputs (dtype, shape, format) and how it was built."""
    from .api import model_info_text
    with _reported():
        say(model_info_text(model))


@app.command()
def verify(source: str = typer.Argument(..., help="the source model (.onnx, .pb, or .prototxt with --weight)"),
           om: str = typer.Argument(..., help="the converted .om"),
           weight: Optional[str] = typer.Option(None, "--weight", help="Caffe .caffemodel"),
           input: List[str] = typer.Option([], "--input", "-i", help="NAME=FILE.npy (else random inputs)"),
           seed: int = typer.Option(0, help="seed for random inputs"),
           atol: Optional[float] = typer.Option(None, help="absolute tolerance (default 1e-4)"),
           peak_atol: Optional[float] = typer.Option(None, "--peak-atol", help="absolute tolerance in units of "
                                                     "each output's largest |value| (default 0, or 0.05 for a "
                                                     "model computing in fp16)"),
           rtol: Optional[float] = typer.Option(None, help="relative tolerance (default 1e-3, or 0.05 in fp16)"),
           min_cosine: Optional[float] = typer.Option(None, "--min-cosine", help="minimum cosine similarity "
                                                      "(default 0.999, or 0.99 in fp16)"),
           bisect: bool = typer.Option(False, "--bisect", help="on failure, find the first diverging op"),
           json_path: Optional[str] = typer.Option(None, "--json", help="write the report as JSON here"),
           record: Optional[str] = typer.Option(None, "--record", help="the .om is int8 (omtool quantize): its "
                                                "record file; compare with the fp32 source on --data instead"),
           data: List[str] = typer.Option([], "--data", help="with --record: held-out inputs (.npy file or "
                                          "folder, NAME=PATH per input)"),
           min_top1: float = typer.Option(0.95, "--min-top1", help="with --record: minimum top-1 agreement")):
    """Run the source model and the .om on the same inputs and compare every output (exit 1 on failure)."""
    if record:
        _verify_quantized(source, om, record, weight, data, bisect, min_cosine, min_top1, json_path)
    from .verify import verify as run_verify
    from .verify.report import format_report, write_report
    with _reported():
        report = run_verify(source, om, weight=weight, feeds=_parse_inputs(input), seed=seed, bisect=bisect,
                            atol=atol, rtol=rtol, min_cosine=min_cosine, peak_atol=peak_atol)
        say(format_report(report))
        if json_path:
            write_report(report, json_path)
    raise typer.Exit(0 if report["passed"] else 1)


def _verify_quantized(source, om, record, weight, data, bisect, min_cosine, min_top1, json_path) -> None:
    from .quantize.commands import verify_quantized
    from .verify.report import write_report
    try:
        report = verify_quantized(source, om, record, weight=weight, data=data, bisect=bisect,
                                  min_cosine=0.99 if min_cosine is None else min_cosine,
                                  min_top1=min_top1)  # int8: 0.99 unless --min-cosine says otherwise
    except ConverterError as exc:
        _fail(exc)
    say(report.pop("text"))
    if json_path:
        write_report(report, json_path)
    raise typer.Exit(0 if report["passed"] else 1)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def quantize(ctx: typer.Context,
             calibration_data: List[str] = typer.Option([], "--calibration-data", "-d",
                                                        help=".npy file or folder (NAME=PATH per input)"),
             config: Optional[str] = typer.Option(None, "--config", help="AMCT-style quantization config JSON"),
             create_config: Optional[str] = typer.Option(None, "--create-config",
                                                         help="write the default config for the model here"),
             act_algo: str = typer.Option("ifmr", "--act-algo", help="ifmr or hfmg (without --config)"),
             batch_num: Optional[int] = typer.Option(None, "--batch-num", help="calibration batches"),
             record: Optional[str] = typer.Option(None, "--record", help="record file (default OUT_record.txt)"),
             check_data: List[str] = typer.Option([], "--check-data", help="held-out inputs to compare the "
                                                  "int8 .om with fp32 on (cosine, top-1)"),
             bisect: bool = typer.Option(False, "--bisect", help="name the layer whose quantization hurts most"),
             auto_calibration: bool = typer.Option(False, "--auto-calibration",
                                                   help="AMCT's accuracy-based auto calibration: leave the most "
                                                   "sensitive layers in float until the calibration data meet "
                                                   "--min-cosine and --min-top1"),
             sensitivity: Optional[str] = typer.Option(None, "--sensitivity",
                                              help="with --auto-calibration: layer (AMCT's single-layer cosine) or "
                                              "output (output cosine with only that layer quantized)"),
             min_cosine: float = typer.Option(0.99, "--min-cosine"),
             min_top1: float = typer.Option(0.95, "--min-top1"),
             json_path: Optional[str] = typer.Option(None, "--json", help="write the check report as JSON")):
    """Post-training int8 quantization as AMCT does it. Give the conversion as to atc (--framework, --model,
    --weight, --input_shape, --output, --precision_mode, ...); writes OUT.om (int8), OUT_record.txt,
    OUT_quant_config.json and the fake-quant / QDQ deploy models (see docs/quantization.md)."""
    from .quantize.commands import run_quantize
    from .verify.report import write_report
    try:
        lines, report = run_quantize(ctx.args, calibration=calibration_data, config=config, create=create_config,
                                     act_algo=act_algo, batch_num=batch_num, record=record,
                                     check_data=check_data, bisect=bisect, min_cosine=min_cosine,
                                     min_top1=min_top1, auto_calibration=auto_calibration,
                                     sensitivity=sensitivity)
    except ConverterError as exc:
        _fail(exc)
    say("\n".join(lines))
    if report is not None:
        if json_path:
            write_report(report, json_path)
        raise typer.Exit(0 if report["passed"] else 1)


@app.command()
def chain(models: List[str] = typer.Argument(..., help="two or more .om files, in order"),
          map_: List[str] = typer.Option([], "--map", help="OUT=IN pairs linking one model to the next"),
          input: List[str] = typer.Option([], "--input", "-i", help="NAME=FILE.npy for the first model"),
          seed: int = typer.Option(0, help="seed for random inputs of the first model"),
          reference: List[str] = typer.Option([], "--reference", help="the source models, in order, to compare "
                                              "the chained result with (run in fp32)"),
          output_dir: Optional[str] = typer.Option(None, "--output-dir", "-o", help="write the outputs here"),
          min_cosine: float = typer.Option(0.999, "--min-cosine")):
    """Run chained models, passing tensors unchanged; check each link agrees in dtype, shape and format."""
    from .runtime import Pipeline
    from .runtime.inputs import model_feeds, random_inputs
    from .verify.chain import compare_chain
    with _reported():
        maps = [dict(p.split("=", 1) for p in map_)] if map_ else None
        pipe = Pipeline(models, maps)
        first = pipe.sessions[0]
        src_feeds = {**random_inputs(first.graph, seed), **_parse_inputs(input)}
        feeds = model_feeds(first.graph, src_feeds)
        outs = pipe.run(feeds)
        paths = _save_outputs(outs, output_dir) if output_dir else [None] * len(outs)
        for (name, value), path in zip(outs.items(), paths):
            say(f"{shown(name)}: {value.dtype} {list(value.shape)}" + (f" -> {shown(path)}" if path else ""))
        if reference:
            report = compare_chain(pipe, reference, src_feeds, outs, min_cosine)
            for o in report["outputs"]:
                say(f"{shown(o['name'])}: cosine {o['cosine']:.6f} max_abs {o['max_abs_error']:.3g} "
                           f"{'PASS' if o['passed'] else 'FAIL'}")
            raise typer.Exit(0 if report["passed"] else 1)


@app.command()
def export(model: str = typer.Argument(..., help="the .om file"),
           onnx_path: Optional[str] = typer.Option(None, "--onnx", help="the ONNX file to write"),
           source: Optional[str] = typer.Option(None, "--source", help="the framework model a compiled .om was "
                                                "built from (frozen .pb): settles what its fusion ops do not record")):
    """Write the .om as an ONNX model (plain layouts, fp16 rounding kept) that onnxruntime can run."""
    from .api import export_onnx
    with _reported():
        path = export_onnx(model, onnx_path, source)
    say(f"wrote {shown(path)}")


@app.command("ops")
def list_ops(markdown: bool = typer.Option(False, help="print the markdown table of docs/supported-ops.md")):
    """List the supported canonical ops and the source-framework op types mapped to them."""
    from .support import supported_ops_markdown, supported_ops_text
    say(supported_ops_markdown() if markdown else supported_ops_text(), nl=not markdown)


def main(argv=None) -> int:
    """Run omtool; returns the exit status (the console script passes it to sys.exit)."""
    try:
        with sigterm_as_interrupt():
            app(args=argv, prog_name="omtool", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # a bug of ours: say so plainly (OMTOOL_DEBUG=1 shows the traceback)
        if os.environ.get("OMTOOL_DEBUG"):
            raise
        say(f"omtool failed: {INTERNAL_ERROR}: internal error: {type(exc).__name__}: {shown(exc)} "
                   "(set OMTOOL_DEBUG=1 for the traceback, and please report it)", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
