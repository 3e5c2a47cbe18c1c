"""Evaluate a converted one-op graph with the runtime (converter.runtime.Session)."""
from __future__ import annotations

from converter.runtime import Session


def evaluate(graph, feeds: dict) -> dict:
    """Run ``graph`` on ``feeds`` (Data op name -> array); returns model output name -> array."""
    return Session(graph).run(feeds)
