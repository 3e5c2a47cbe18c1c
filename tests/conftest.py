"""Shared test fixtures: repository paths, the shared/ fixtures folder, small model builders."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from converter.fileio import atomic

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", REPO.parent / "shared"))
sys.path.insert(0, str(REPO))  # so tests can import tools.make_samples and friends
atomic.DURABLE = False  # no fsync in tests: ~13 ms per file (tests/files/test_writing.py checks it with it on)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared folder not found at {SHARED} (set SHARED_DIR)")
    return SHARED
