"""The `atc` command: parse argv the ATC way, validate into ConvertOptions, dispatch by --mode to
converter.api, and report like ATC (a success/failure line, E-coded messages, exit status)."""
from __future__ import annotations

import logging
import os
import sys
import traceback
import warnings
from dataclasses import replace

from .cli_args import parse_argv
from .configs.option_table import GROUPS, OPTIONS
from .errors import INTERNAL_ERROR, INVALID_ARGUMENT_VALUE, ConversionWarning, ConverterError, shown
from .fileio.interrupts import exit_status, sigterm_as_interrupt
from .options import ConvertOptions, build_options

START_LINE = "ATC start working now, please wait for a moment."
SUCCESS_LINE = "ATC run success, welcome to the next use."
FAILURE_LINE = "ATC run failed, Please check the detail log, Try 'atc --help' for more information"
INTERRUPTED_LINE = "ATC run failed: interrupted (Ctrl-C or SIGTERM); no partial output was left"
LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
              "error": logging.ERROR, "null": logging.WARNING, "default": logging.WARNING}


def help_text() -> str:
    """Grouped help, one line per option."""
    lines = ["usage: atc --mode=0 --framework=5 --model=model.onnx --output=out/model [options]",
             "       values with ';' must be quoted: --input_shape=\"x:1,3,224,224;y:1,10\"", ""]
    width = max(len(spec.name) for spec in OPTIONS) + 4
    for group in GROUPS:
        specs = [spec for spec in OPTIONS if spec.group == group]
        if not specs:
            continue
        lines.append(f"{group}:")
        for spec in specs:
            note = {"ignored": "", "unsupported": " [not supported]", "retired": " [retired]"}.get(spec.status, "")
            lines.append(f"  {spec.flag:<{width}}{spec.help}{note}")
        lines.append("")
    return "\n".join(lines)


def say(text: str = "", err: bool = False) -> None:
    """Print a line (or lines) of ours to stdout (stderr with ``err``): everything the command prints goes
    through here, escaped (errors.shown): names from a model never reach the terminal as control characters."""
    print(shown(text, keep_lines=True), file=sys.stderr if err else sys.stdout, flush=err)


class _ShownFormatter(logging.Formatter):
    """Log lines escaped like everything else the command prints."""

    def format(self, record: logging.LogRecord) -> str:
        return shown(super().format(record), keep_lines=True)


def format_error(error: ConverterError) -> str:
    """`E10016: message` (one line: the message is escaped, errors.shown)."""
    return f"{error.code}: {error.message}"


def mode_actions() -> dict:
    """--mode -> the converter.api function that does the work. The api is imported here, when a mode runs:
    it pulls in every op, pass and frontend, which `atc --help` and option errors do not need."""
    from . import api
    return {0: api.convert, 1: api.dump_json, 3: api.precheck, 5: api.dump_text_modeldef, 6: api.print_model_info,
            "singleop": api.convert_single_ops}


def run(options: ConvertOptions):
    """Dispatch to converter.api by mode; returns what the API returned (a path, or text for mode 6)."""
    actions = mode_actions()
    action = actions.get("singleop" if options.singleop else options.mode)
    if action is None:
        raise ConverterError(INVALID_ARGUMENT_VALUE,
                             f"--mode={options.mode} is not available in this build", option="--mode")
    result = action(options)
    if options.mode == 0 and options.display_model_info == 1 and isinstance(result, str) and 6 in actions:
        say(actions[6](replace(options, mode=6, om=result)))
    return result


def _print_warnings(warnings) -> None:
    for message in warnings:
        say(f"ATC warning: {message}", err=True)


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ShownFormatter("[%(levelname)s] %(name)s: %(message)s"))
    logging.basicConfig(handlers=[handler], level=LOG_LEVELS.get(level, logging.WARNING))


def main(argv=None) -> int:
    """Entry point of `atc`; returns the exit status (0 success, 1 failure, 130/143 interrupted)."""
    try:
        with sigterm_as_interrupt():
            return _main(argv)
    except BrokenPipeError:  # output piped into `head` and closed early: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: the atomic writes have removed their temp files
        say(INTERRUPTED_LINE)
        return exit_status(exc)


def _main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        say(help_text())
        return 1
    debug = False
    try:
        parsed = parse_argv(argv)
        if parsed.help:
            say(help_text())
            return 0
        debug = parsed.get("log") == "debug"
        options = build_options(parsed)
        _configure_logging(options.log)
        _print_warnings(options.warnings)
        say(START_LINE)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConversionWarning)
            result = run(options)
        _print_warnings(str(w.message) for w in caught if issubclass(w.category, ConversionWarning))
        if options.mode == 6 and isinstance(result, str):
            say(result)
    except ConverterError as error:
        say(FAILURE_LINE)
        say(format_error(error))
        return 1
    except Exception as error:          # a bug of ours: say so, with the traceback only in debug
        say(FAILURE_LINE)
        say(f"{INTERNAL_ERROR}: internal error: {type(error).__name__}: {shown(error)}")
        if debug:
            say(traceback.format_exc().rstrip("\n"), err=True)
        else:
            say("        run again with --log=debug for the traceback, and please report it", err=True)
        return 1
    say(SUCCESS_LINE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
