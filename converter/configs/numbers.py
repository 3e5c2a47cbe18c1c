"""Numbers written in option values and option files: ASCII digits only. Python's ``int()``, ``float()``,
``str.isdigit()`` and regex ``\\d`` also take other scripts' digits (``int("٣")`` is 3, ``"²".isdigit()`` is
True), so a value that reads as something else on screen would be accepted; these tests do not."""
from __future__ import annotations

import re

_INT = re.compile(r"-?[0-9]+")
_UNSIGNED = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?(?:inf|nan)", re.IGNORECASE)


def is_int_text(text: str) -> bool:
    """An optionally negative integer in ASCII digits."""
    return bool(_INT.fullmatch(text))


def is_unsigned_text(text: str) -> bool:
    """A non-negative integer in ASCII digits, no sign."""
    return bool(_UNSIGNED.fullmatch(text))


def is_number_text(text: str) -> bool:
    """A decimal number as ``float()`` reads it, in ASCII (sign, fraction, exponent, inf/nan allowed)."""
    return bool(_NUMBER.fullmatch(text))
