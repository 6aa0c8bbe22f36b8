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
