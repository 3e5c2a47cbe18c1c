"""What every pass receives: the options and facts about the conversion, and the pass contract."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..framework import Framework
from ..options import ConvertOptions


@dataclass
class PassContext:
    """Per-conversion facts shared by passes: the options (always a ConvertOptions; its defaults when none
    are given), the source framework and the warnings collected for the user."""

    options: ConvertOptions = field(default_factory=ConvertOptions)
    framework: int | None = None    # a Framework; None: options.framework, else ONNX
    warnings: list = field(default_factory=list)

    def __post_init__(self):
        if self.options is None:
            self.options = ConvertOptions()
        if self.framework is None:
            self.framework = self.options.framework if self.options.framework is not None else Framework.ONNX
