"""Fixtures for the engine's tests; builders live in tests/engine_cases.py."""

from __future__ import annotations

import pytest

from comity.rules import RulePack, load_pack


@pytest.fixture(scope="session")
def pack() -> RulePack:
    """The built-in rule pack (loaded once; the engine compiles it once per process)."""
    return load_pack()
