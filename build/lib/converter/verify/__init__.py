"""Proving a conversion right: run source and .om on the same inputs, compare, bisect to the first bad op."""
from .compare import Tolerance, compare_arrays  # noqa: F401
from .verify import verify  # noqa: F401
