"""The table of every `atc` command-line option we know: name, kind, allowed values, group, help, status.

Data, not code: the rows are in converter/data/atc_options.json (one option a line, in the order `atc --help`
prints them); cli_args.py parses argv against them, options.py checks values with them, cli.py prints help
from them. Status "implemented" options drive conversion; "ignored" ones are accepted, value-checked where
ATC checks them, warned about by name and recorded; "unsupported" ones are ATC options whose feature we
do not have (an E-coded error when used); "retired" ones ATC itself no longer accepts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import INVALID_ARGUMENT_VALUE

# kinds: how the raw text is read and checked
#   str      any text (may be empty)
#   path     an input file that must exist when given (E13001)
#   int      an integer (code on failure)
#   enum     one of `choices` (code on failure)
#   01       "0" or "1" (E10006)
#   bool     exactly "true" or "false" (E10005)
#   flag     the flag-parser boolean: true/t/y/yes/1, false/f/n/no/0, any case; bare --name means true
GROUPS = ("general", "input", "output", "shapes", "precision", "modes", "accepted-but-ignored")


@dataclass(frozen=True)
class OptionSpec:
    name: str
    kind: str
    group: str
    help: str
    status: str = "implemented"       # implemented | ignored | unsupported | retired
    choices: tuple = ()
    code: str = INVALID_ARGUMENT_VALUE   # E-code when the value is rejected

    @property
    def flag(self) -> str:
        return "--" + self.name


TABLE_FILE = Path(__file__).resolve().parent.parent / "data" / "atc_options.json"


def _load_table(path: Path = TABLE_FILE) -> tuple:
    """The option table, in help order: one JSON object an option with the OptionSpec fields (name, kind,
    group, help; status, choices and code when they differ from the defaults)."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return tuple(OptionSpec(**{**row, "choices": tuple(row.get("choices", ()))}) for row in rows)


OPTIONS: tuple[OptionSpec, ...] = _load_table()
OPTION_BY_NAME: dict[str, OptionSpec] = {spec.name: spec for spec in OPTIONS}
