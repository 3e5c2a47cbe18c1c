"""What every pass receives: the options and facts about the conversion, and the pass contract."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PassContext:
    """Per-conversion facts shared by passes (options, framework, collected warnings)."""

    options: object = None          # converter.options.ConvertOptions or None
    framework: int = 5
    warnings: list = field(default_factory=list)

    def opt(self, name: str, default=None):
        return getattr(self.options, name, default) if self.options is not None else default
