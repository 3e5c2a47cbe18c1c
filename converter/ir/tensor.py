"""TensorDesc: what is known about one tensor (dtype, shape, format and what the source declared)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from .dtypes import DataType

UNKNOWN = -1  # an unknown dimension


@dataclass(slots=True)
class TensorDesc:
    """dtype: DataType number; shape: tuple of ints (-1 unknown) or None for unknown rank.

    format is the layout (NCHW, NHWC, ND, NCDHW, NDHWC, NC1HWC0, ...); origin_* keep what the
    source framework declared before our passes changed anything. shape_range holds (lo, hi)
    per dim for dynamic inputs (hi -1 = unbounded). name is the source tensor name, if any.
    """

    dtype: int = DataType.DT_FLOAT
    shape: tuple | None = None
    format: str = "ND"
    origin_format: str | None = None
    origin_shape: tuple | None = None
    origin_dtype: int | None = None
    shape_range: tuple | None = None
    name: str | None = None
    attrs: dict = field(default_factory=dict)

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    @property
    def is_static(self) -> bool:
        return self.shape is not None and all(isinstance(d, int) and d >= 0 for d in self.shape)

    def numel(self) -> int:
        n = 1
        for d in self.shape or ():
            n *= d
        return n

    def copy(self, **changes) -> "TensorDesc":
        changes.setdefault("attrs", dict(self.attrs))
        return replace(self, **changes)
