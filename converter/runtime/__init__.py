"""CPU reference runtime: executes a converted graph or .om file op by op with numpy kernels."""
from .session import Session  # noqa: F401
