"""ATC-compatible argv parsing (ATC's own flag syntax, not argparse): `--opt=value`, `--opt value`,
`-opt=value`, dashes or underscores in names, one pair of quotes left inside a value stripped, last
occurrence wins. Produces ParsedArgs; value rules live in converter/options.py."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .configs.numbers import is_int_text
from .configs.option_table import OPTION_BY_NAME, OptionSpec
from .errors import EMPTY_REQUIRED_OPTION, INVALID_ARGUMENT_VALUE, NOT_TRUE_OR_FALSE, OptionError

FLAG_TRUE = {"true", "t", "y", "yes", "1"}
FLAG_FALSE = {"false", "f", "n", "no", "0"}


class UsageError(OptionError):
    """The command line itself is wrong: an unknown option or a stray argument (not a bad value)."""


@dataclass
class ParsedArgs:
    """Raw option values after syntax checks: name -> str (int for int kinds, bool for flags)."""
    values: dict = field(default_factory=dict)
    help: bool = False
    argv: tuple = ()

    def get(self, name, default=None):
        return self.values.get(name, default)

    def __contains__(self, name) -> bool:
        return name in self.values


def strip_quotes(text: str) -> str:
    """Remove one pair of matching quotes around a value (they reach argv when scripts over-quote)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _looks_like_value(token: str) -> bool:
    """In `--opt value`, a following token is the value unless it is itself an option."""
    if not token.startswith("-"):
        return True
    return len(token) > 1 and token[1] in "0123456789~"


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, list(OPTION_BY_NAME), n=1, cutoff=0.75)
    return f"; did you mean --{close[0]}?" if close else "; run 'atc --help' for the list of options"


def lookup_option(raw_name: str) -> OptionSpec:
    name = raw_name.replace("-", "_")
    spec = OPTION_BY_NAME.get(name)
    if spec is None:
        raise UsageError(INVALID_ARGUMENT_VALUE,
                         f"unknown option '--{raw_name}'{_suggest(name)}", option="--" + raw_name)
    return spec


def _positional_error(token: str, previous: str | None) -> UsageError:
    hint = ""
    if previous is not None and any(ch in token for ch in ":;,"):
        hint = (f"; it looks like the rest of the value of {previous}: quote the whole value, "
                f"e.g. {previous}=\"a:1,2;b:3\"")
    return UsageError(INVALID_ARGUMENT_VALUE, f"unexpected argument '{token}': every argument must be an option "
                       f"written as --name=value{hint}")


def convert_value(spec: OptionSpec, raw: str | None):
    """Syntax-level conversion by kind: ints become int, flags bool, everything else stays text."""
    if spec.kind == "flag":
        if raw is None:
            return True
        low = raw.strip().lower()
        if low in FLAG_TRUE:
            return True
        if low in FLAG_FALSE:
            return False
        raise OptionError(NOT_TRUE_OR_FALSE, f"{spec.flag}: value '{raw}' is not a boolean (true or false)",
                          option=spec.flag)
    if raw is None:
        raise OptionError(EMPTY_REQUIRED_OPTION,
                          f"{spec.flag} needs a value: write {spec.flag}=VALUE", option=spec.flag)
    if spec.kind == "int":
        text = raw.strip()
        if not is_int_text(text):
            raise OptionError(spec.code, f"{spec.flag}: value '{raw}' is not an integer", option=spec.flag)
        return int(text)
    return raw


def parse_argv(argv) -> ParsedArgs:
    """Split argv into option values; raise OptionError (E-coded) on unknown options or stray arguments."""
    argv = tuple(argv)
    parsed = ParsedArgs(argv=argv)
    i = 0
    previous = None
    while i < len(argv):
        token = argv[i]
        i += 1
        if token in ("-h", "--h"):
            parsed.help = True
            continue
        if not token.startswith("-") or token in ("-", "--"):
            raise _positional_error(token, previous)
        body = token.lstrip("-")
        raw_name, has_eq, raw_value = body.partition("=")
        spec = lookup_option(raw_name)
        if not has_eq:
            raw_value = None
            if spec.kind != "flag" and i < len(argv) and _looks_like_value(argv[i]):
                raw_value = argv[i]
                i += 1
        value = convert_value(spec, None if raw_value is None else strip_quotes(raw_value))
        if spec.name == "help":
            parsed.help = value
        else:
            parsed.values[spec.name] = value      # last occurrence wins
        previous = spec.flag
    return parsed
