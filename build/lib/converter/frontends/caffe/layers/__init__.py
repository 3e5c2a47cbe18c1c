"""Caffe layer handlers, one module per family; importing this package fills the handler table."""
from . import activation, detection, extra, nn, tensor  # noqa: F401
