"""TF op handlers; importing this package fills the handler table (each module is listed here)."""
from . import control, graph, image, math, nn, random, tensor, tensorarray, slicing, tensorlist  # noqa: F401
