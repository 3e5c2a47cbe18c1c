"""Parsers for the shape-valued ATC options: --input_shape, --input_shape_range, --dynamic_batch_size,
--dynamic_image_size, --dynamic_dims.

Items are split on ';' (a trailing ';' and blank items are tolerated), names from values at the LAST ':'
(TF tensor names such as `input:0` keep their colon), spaces around items are ignored.
"""
from __future__ import annotations

from ..errors import (DUPLICATE_PROFILES, EMPTY_REQUIRED_OPTION, INVALID_ARGUMENT_VALUE, INVALID_INPUT_SHAPE,
                      INVALID_INPUT_SHAPE_RANGE, INVALID_OPTION_VALUE, NON_POSITIVE_PROFILE_VALUE,
                      NON_POSITIVE_STATIC_DIM, PROFILE_LENGTHS_DIFFER, TOO_FEW_PROFILES, TOO_MANY_PROFILES,
                      VALUE_OUT_OF_RANGE, OptionError)
from .numbers import is_int_text, is_unsigned_text

INT64_MAX = 2**63 - 1
SHAPE_SAMPLE = '"input_name1:n1,c1,h1,w1;input_name2:n2,c2"'
RANGE_SAMPLE = '"input_name1:[1~20,3,3~6,-1];input_name2:[1~20,3,-1]"'
RANGE_UNBOUNDED = (1, -1)       # a dim given as -1 in a range list: from 1, no upper bound


def split_items(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


def split_name(item: str):
    """(name, value) split at the last ':', or None when there is no ':'."""
    pos = item.rfind(":")
    if pos < 0:
        return None
    return item[:pos].strip(), item[pos + 1:].strip()


def named_items(text: str, error, no_name: str):
    """(item, name, value) for each 'name:value' item; error(item, reason) makes the OptionError raised for an
    item without ':' (reason `no_name`) or with an empty name."""
    for item in split_items(text):
        parts = split_name(item)
        if parts is None:
            raise error(item, no_name)
        name, value = parts
        if not name:
            raise error(item, "the input name is empty")
        yield item, name, value


# ---- --input_shape -------------------------------------------------------------------------------------

def _shape_error(item: str, reason: str) -> OptionError:
    return OptionError(INVALID_INPUT_SHAPE, f"--input_shape: '{item}' is invalid: {reason}; correct sample is "
                       f"{SHAPE_SAMPLE}", option="--input_shape")


def _parse_int(text: str, item: str, option: str = "--input_shape") -> int:
    """One integer dim: digits with an optional leading '-' (E10002), within int64 (E10013)."""
    if "." in text:
        raise _shape_error(item, f"'{text}' is a float; dims must be integers")
    if not is_int_text(text):
        raise _shape_error(item, f"'{text}' is not an integer (ASCII digits)")
    value = int(text)
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise OptionError(VALUE_OUT_OF_RANGE, f"{option}: value '{text}' in '{item}' is out of range", option=option)
    return value


def parse_dim(text: str, item: str):
    """A dim: an int (-1 dynamic) or a range 'a~b' returned as a (lo, hi) pair."""
    if "~" in text:
        parts = text.split("~")
        if len(parts) != 2:
            raise _shape_error(item, f"range '{text}' must be written lo~hi")
        lo, hi = (_parse_int(part.strip(), item) for part in parts)
        if lo < 0 or hi < 0 or (hi < lo):
            raise _shape_error(item, f"range '{text}' must be non-negative with lo <= hi")
        return (lo, hi)
    return _parse_int(text, item)


def parse_input_shape(text: str) -> tuple:
    """Ordered (name, dims) pairs; a dim is an int or a (lo, hi) range; empty dims = scalar."""
    result = []
    for item, name, dims_text in named_items(text, _shape_error, "it must contain a name and dims separated by ':'"):
        if any(name == seen for seen, _ in result):
            raise _shape_error(item, f"input '{name}' is given twice; give each input once")
        dims = () if not dims_text else tuple(parse_dim(d.strip(), item) for d in dims_text.split(","))
        for dim in dims:
            if isinstance(dim, int) and dim < -1:
                raise OptionError(NON_POSITIVE_STATIC_DIM,
                                  f"--input_shape: '{item}': dim {dim} is invalid; use a positive "
                                  "integer, or -1 for a dynamic dim", option="--input_shape")
        result.append((name, dims))
    if not result:
        raise _shape_error(text, "no 'name:dims' item")
    return tuple(result)


# ---- --input_shape_range -------------------------------------------------------------------------------

def _range_error(item: str, reason: str) -> OptionError:
    return OptionError(INVALID_INPUT_SHAPE_RANGE,
                       f"--input_shape_range: '{item}' is invalid: {reason}; correct sample is "
                       f"{RANGE_SAMPLE}", option="--input_shape_range")


def parse_input_shape_range(text: str) -> tuple:
    """Ordered (name, ((lo, hi), ...)) pairs; -1 alone means (1, -1): unbounded."""
    result = []
    for item, name, body in named_items(text, _range_error,
                                        "it must be name:[dims]; ranges by input index are not supported"):
        if any(name == seen for seen, _ in result):
            raise _range_error(item, f"input '{name}' is given twice; give each input once")
        if not (body.startswith("[") and body.endswith("]")) or body.count("[") != 1 or body.count("]") != 1:
            raise _range_error(item, "the dims must be inside one pair of '[]'")
        inner = body[1:-1].strip()
        ranges = []
        for dim in (d.strip() for d in inner.split(",")) if inner else ():
            ranges.append(_parse_range_dim(dim, item))
        result.append((name, tuple(ranges)))
    return tuple(result)


def _parse_range_dim(dim: str, item: str):
    parts = [p.strip() for p in dim.split("~")]
    if len(parts) > 2 or not all(is_int_text(p) for p in parts):
        raise _range_error(item, f"'{dim}' is not an integer or lo~hi range")
    values = [int(p) for p in parts]
    if len(values) == 1:
        return RANGE_UNBOUNDED if values[0] < 0 else (values[0], values[0])
    lo, hi = values
    if lo < 0 or hi < 0 or hi < lo:
        raise _range_error(item, f"range '{dim}' must be non-negative with lo <= hi")
    return (lo, hi)


def ranges_from_shape(dims: tuple) -> tuple:
    """The shape range an --input_shape entry stands for: -1 unbounded, a~b as given, d as (d, d)."""
    return tuple(d if isinstance(d, tuple) else (RANGE_UNBOUNDED if d < 0 else (d, d)) for d in dims)


def shape_from_ranges(ranges: tuple) -> tuple:
    return tuple(lo if lo == hi else -1 for lo, hi in ranges)


# ---- dynamic profiles ----------------------------------------------------------------------------------

def parse_profiles(text: str, option: str) -> tuple:
    """Profiles split on ';' (trailing ';' tolerated), values on ','; every value a non-negative integer."""
    profiles = []
    for item in split_items(text):
        values = [v.strip() for v in item.split(",")]
        for value in values:
            if not is_unsigned_text(value):
                raise OptionError(INVALID_ARGUMENT_VALUE, f"{option}: '{value}' in '{text}' is not a positive integer",
                                  option=option)
        profiles.append(tuple(int(v) for v in values))
    if not profiles:
        raise OptionError(EMPTY_REQUIRED_OPTION, f"{option} is empty", option=option)
    return tuple(profiles)


def parse_batch_sizes(text: str) -> tuple:
    """'1,2,4,8' -> ((1,), (2,), (4,), (8,)) profiles (batch sizes are one value each)."""
    flat = text.replace(";", ",")
    values = [v.strip() for v in flat.split(",")]
    while values and values[-1] == "":
        values.pop()
    for value in values:
        if not is_unsigned_text(value):
            raise OptionError(INVALID_OPTION_VALUE, f"--dynamic_batch_size: '{text}' may only contain digits and ','",
                              option="--dynamic_batch_size")
    if not values:
        raise OptionError(EMPTY_REQUIRED_OPTION, "--dynamic_batch_size is empty", option="--dynamic_batch_size")
    return tuple((int(v),) for v in values)


def check_profiles(profiles: tuple, option: str, min_count: int = 2, max_count: int = 100) -> None:
    """ATC's rules common to the three dynamic options: E10035..E10039."""
    if len(profiles) < min_count:
        raise OptionError(TOO_FEW_PROFILES, f"{option} has {len(profiles)} profile(s); at least {min_count} are needed",
                          option=option)
    if len(profiles) > max_count:
        raise OptionError(TOO_MANY_PROFILES, f"{option} has {len(profiles)} profiles; at most {max_count} are allowed",
                          option=option)
    first = len(profiles[0])
    for profile in profiles:
        if len(profile) != first:
            raise OptionError(PROFILE_LENGTHS_DIFFER, f"{option}: profiles must all have the same number of values "
                              f"(first has {first}, another has {len(profile)})", option=option)
        for value in profile:
            if value <= 0:
                raise OptionError(NON_POSITIVE_PROFILE_VALUE,
                                  f"{option}: value {value} must be greater than 0", option=option)
    if len(set(profiles)) != len(profiles):
        raise OptionError(DUPLICATE_PROFILES, f"{option} contains duplicate profiles", option=option)
