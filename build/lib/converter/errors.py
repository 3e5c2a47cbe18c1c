"""E-coded errors raised by every layer below the CLI (the CLI turns them into ATC-style output)."""
from __future__ import annotations


class ConverterError(Exception):
    """A user-facing failure with an ATC E-code.

    code:    ATC error code such as "E10016".
    message: what went wrong and what to do, in our own words.
    option:  the command-line option involved, if any (e.g. "--input_shape").
    node:    the model node/op/layer involved, if any.
    path:    the file involved, if any.
    """

    def __init__(self, code: str, message: str, *, option: str | None = None,
                 node: str | None = None, path: str | None = None):
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message
        self.option = option
        self.node = node
        self.path = path

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class OptionError(ConverterError):
    """A command-line option has a bad value or conflicts with another option."""


class ModelLoadError(ConverterError):
    """A model file cannot be opened, read or parsed (E10041, E13001, E13005, ...)."""


class UnsupportedOpError(ConverterError):
    """One or more op types have no converter (E11009 / E13010); lists them all at once."""


class GraphError(ConverterError):
    """The graph is inconsistent: unknown node, bad shapes, failed pass."""


class OmFormatError(ConverterError):
    """An .om file is not a valid offline model (E10003)."""


def fail(code: str, message: str, **where) -> "ConverterError":
    """Shorthand used by modules: ``raise fail("E10016", "...", option="--input_shape")``."""
    return ConverterError(code, message, **where)


class ConversionWarning(UserWarning):
    """Something the user should know about a conversion that still succeeded (an unknown prototxt
    field skipped, an option without effect, ...). The CLI prints these as `ATC warning:` lines."""
