"""Rules for --input_shape, --input_shape_range and the dynamic profile options (--dynamic_batch_size,
--dynamic_image_size, --dynamic_dims) that the option values alone decide; rules that need the model
(which names are inputs, their ranks) belong to the input-shape pass."""
from __future__ import annotations

from ..errors import (DYNAMIC_BATCH_NON_BATCH_DIM, DYNAMIC_BATCH_SCALAR_INPUT, DYNAMIC_BATCH_WITHOUT_N,
                      DYNAMIC_IMAGE_NON_HW_DIM, EMPTY_REQUIRED_OPTION, EXCLUSIVE_DYNAMIC_OPTIONS,
                      INVALID_ARGUMENT_VALUE, INVALID_DYNAMIC_IMAGE_SIZE, INVALID_OPTION_VALUE,
                      RANGE_WITH_DYNAMIC_OPTION, OptionError)
from ..framework import default_input_format
from . import shape_values as sv


def _err(code: str, option: str, message: str) -> OptionError:
    return OptionError(code, f"{option}: {message}", option=option)


def effective_input_format(framework, fmt: str | None) -> str:
    return fmt or default_input_format(framework)


def build_shapes(values: dict, framework, warnings: list) -> dict:
    """input_shape / input_shape_range / dynamic_* fields, with every rule --input_shape alone decides."""
    ranges = sv.parse_input_shape_range(values["input_shape_range"]) if values.get("input_shape_range") else ()
    # as in ATC, --input_shape_range overrides --input_shape, which is then not parsed at all
    shapes = sv.parse_input_shape(values["input_shape"]) if values.get("input_shape") and not ranges else ()
    dynamic = [n for n in ("dynamic_batch_size", "dynamic_image_size", "dynamic_dims") if values.get(n)]
    if len(dynamic) + bool(ranges) > 1:
        given = [f"--{n}" for n in dynamic] + (["--input_shape_range"] if ranges else [])
        raise OptionError(EXCLUSIVE_DYNAMIC_OPTIONS, f"{', '.join(given)} are mutually exclusive: set only one of "
                          "--dynamic_batch_size, --dynamic_image_size, --dynamic_dims, --input_shape_range",
                          option=given[0])
    result = {}
    if dynamic:
        option = dynamic[0]
        if not shapes:
            raise _err(EMPTY_REQUIRED_OPTION, "--input_shape", f"is required with --{option}")
        if any(isinstance(d, tuple) for _, dims in shapes for d in dims):
            raise OptionError(RANGE_WITH_DYNAMIC_OPTION,
                              f"--input_shape cannot contain '~' ranges with --{option}; mark the "
                              "dynamic dims with -1", option="--input_shape")
        fmt = effective_input_format(framework, values.get("input_format"))
        result[option] = DYNAMIC_CHECKS[option](values[option], shapes, fmt)
    elif ranges:
        warnings.append("--input_shape_range is deprecated; use --input_shape with a~b ranges")
        if values.get("input_shape"):
            warnings.append("--input_shape is overridden by --input_shape_range")
        shapes = tuple((name, sv.shape_from_ranges(r)) for name, r in ranges)
    elif any(isinstance(d, tuple) or d == -1 for _, dims in shapes for d in dims):
        ranges = tuple((name, sv.ranges_from_shape(dims)) for name, dims in shapes
                       if any(isinstance(d, tuple) or d == -1 for d in dims))
        shapes = tuple((name, sv.shape_from_ranges(sv.ranges_from_shape(dims))) for name, dims in shapes)
    result["input_shape"] = shapes
    result["input_shape_range"] = ranges
    return result


def _dynamic_batch(text: str, shapes: tuple, fmt: str) -> tuple:
    batched = 0
    for name, dims in shapes:
        if not dims:
            raise OptionError(DYNAMIC_BATCH_SCALAR_INPUT,
                              f"--input_shape: '{name}' is a scalar; with --dynamic_batch_size every "
                              "input needs at least one dim", option="--input_shape")
        for index, dim in enumerate(dims[1:], start=1):
            if dim == -1:
                raise OptionError(DYNAMIC_BATCH_NON_BATCH_DIM, f"--input_shape: '{name}' dim {index} is -1; with "
                                  "--dynamic_batch_size only the batch dim N may be -1", option="--input_shape")
        batched += dims[0] == -1
    if not batched:
        raise OptionError(DYNAMIC_BATCH_WITHOUT_N,
                          "--input_shape: with --dynamic_batch_size at least one input needs its batch "
                          "dim N set to -1", option="--input_shape")
    profiles = sv.parse_batch_sizes(text)
    sv.check_profiles(profiles, "--dynamic_batch_size")
    return tuple(p[0] for p in profiles)


def _dynamic_image(text: str, shapes: tuple, fmt: str) -> tuple:
    hw_index = {"NCHW": (2, 3), "NHWC": (1, 2)}.get(fmt)
    found = 0
    for name, dims in shapes:
        if -1 not in dims:
            continue
        ok = (hw_index is not None and len(dims) == 4 and dims.count(-1) == 2
              and all(dims[i] == -1 for i in hw_index))
        if not ok:
            raise OptionError(DYNAMIC_IMAGE_NON_HW_DIM,
                              f"--input_shape: '{name}' {list(dims)}: with --dynamic_image_size only "
                              f"H and W may be -1 (4-D {fmt} input)", option="--input_shape")
        found += 1
    if not found:
        raise OptionError(DYNAMIC_IMAGE_NON_HW_DIM,
                          "--input_shape: with --dynamic_image_size an input needs H and W set to -1",
                          option="--input_shape")
    profiles = sv.parse_profiles(text, "--dynamic_image_size")
    for profile in profiles:
        if len(profile) != 2:
            raise OptionError(INVALID_DYNAMIC_IMAGE_SIZE,
                              f"--dynamic_image_size: '{text}': each profile must be exactly 'h,w'",
                              option="--dynamic_image_size")
    sv.check_profiles(profiles, "--dynamic_image_size")
    return profiles


def _dynamic_dims(text: str, shapes: tuple, fmt: str) -> tuple:
    count = sum(dims.count(-1) for _, dims in shapes)
    if not count:
        raise _err(INVALID_ARGUMENT_VALUE, "--input_shape", "with --dynamic_dims at least one dim must be -1")
    profiles = sv.parse_profiles(text, "--dynamic_dims")
    for profile in profiles:
        if len(profile) != count:
            raise _err(INVALID_OPTION_VALUE,
                       "--dynamic_dims", f"profile '{','.join(map(str, profile))}' has {len(profile)} "
                       f"values; each needs {count}, one per -1 in --input_shape")
    sv.check_profiles(profiles, "--dynamic_dims")
    return profiles


DYNAMIC_CHECKS = {"dynamic_batch_size": _dynamic_batch, "dynamic_image_size": _dynamic_image,
                  "dynamic_dims": _dynamic_dims}
