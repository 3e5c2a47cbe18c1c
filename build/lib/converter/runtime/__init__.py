"""CPU reference runtime: executes a converted graph or .om file op by op with numpy kernels."""
from .pipeline import Pipeline  # noqa: F401
from .session import Session  # noqa: F401
