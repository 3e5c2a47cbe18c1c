"""How big one tensor may be. Sizes read from a model file (dims of an initializer, a blob, a Const; shapes
that inference derives from them) are counted exactly, with Python ints, and checked before anything of that
size is allocated: a few bytes of model must never make us allocate gigabytes.

MAX_TENSOR_BYTES is the memory of the device the models are for: an Ascend 310 carries 8 GB of DDR (Atlas 200
AI accelerator module and Atlas 300I cards: 8 GB per chip), so a model with a tensor larger than that cannot
run there, and ATC could not place it either. Such a tensor is refused (TENSOR_TOO_LARGE, E10001) naming it.
"""
from __future__ import annotations

from ..errors import INVALID_ARGUMENT_VALUE, TENSOR_TOO_LARGE, GraphError

INT64_MAX = 2**63 - 1
MAX_TENSOR_BYTES = 8 << 30      # 8 GiB: an Ascend 310's device memory
MAX_ARRAY_RANK = 64             # numpy's limit on dims (NPY_MAXDIMS): no tensor we compute has more
MAX_ITEMSIZE = 16               # the widest element of any DataType (complex128): a bound for quick checks


def gib(nbytes: int) -> str:
    return f"{nbytes / (1 << 30):.3g} GiB"


def element_count(shape, what: str, *, code: str = INVALID_ARGUMENT_VALUE, error=GraphError) -> int:
    """The exact element count of ``shape`` (a sequence of ints); ``error(code, ...)`` naming ``what`` when a
    dim is negative or the count does not fit in int64 (a damaged or crafted file)."""
    count = 1
    for d in shape:
        d = int(d)
        if d < 0:
            raise error(code, f"{what}: dim {d} of shape {list(shape)} is negative")
        count *= d
    if count > INT64_MAX:
        raise error(code, f"{what}: shape {list(shape)} has {count} elements, more than int64 can count")
    return count


def check_tensor_bytes(count: int, itemsize: int, what: str, *, error=GraphError) -> None:
    """TENSOR_TOO_LARGE when ``count`` elements of ``itemsize`` bytes exceed MAX_TENSOR_BYTES."""
    nbytes = int(count) * int(itemsize)
    if nbytes > MAX_TENSOR_BYTES:
        raise error(TENSOR_TOO_LARGE, f"{what} would take {nbytes} bytes ({gib(nbytes)}), more than the "
                    f"{gib(MAX_TENSOR_BYTES)} of an Ascend 310 device: no device could hold it, so the model is "
                    "refused (is the model file damaged, or a shape wrong?)")


NUMPY_SIZE_REFUSALS = ("array is too big", "Maximum allowed dimension exceeded")  # numpy's ValueErrors


def is_allocation_failure(exc: BaseException) -> bool:
    """A MemoryError, or numpy refusing an array whose byte count or a dim overflows (a ValueError,
    NUMPY_SIZE_REFUSALS): the model asked for more memory than exists, which no check of ours foresaw (a
    padded intermediate, ...)."""
    return isinstance(exc, MemoryError) or (isinstance(exc, ValueError)
                                            and any(text in str(exc) for text in NUMPY_SIZE_REFUSALS))

