"""Shared test set-up.

There is no ``tests/__init__.py``, so pytest puts this directory on ``sys.path`` when it
loads this file: test modules import the shared Hypothesis strategies as
``import strategies`` (tests/strategies.py). Keep this file even if it holds nothing
else. Hypothesis example counts are set per test (``@settings``), modest, so that the
whole suite stays fast.
"""

import pytest


@pytest.fixture(autouse=True)
def _reports_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports follow the locale (LANG=es_PA gives Spanish): tests that read English
    text must not depend on the machine's, so COMITY_LANG says English unless a test
    changes it."""
    monkeypatch.setenv("COMITY_LANG", "en")


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """The brief replay is laid out to COLUMNS when it is set: tests see the width a
    pipe gets (100 columns) unless a test sets COLUMNS itself."""
    monkeypatch.delenv("COLUMNS", raising=False)
