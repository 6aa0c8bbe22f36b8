"""Query parameters, read as the command line reads the same options.

A value that does not parse is a 400 problem naming the parameter and what was
expected (the words of the matching CLI option), never a silent default.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request

from comity.cli.options import parse_time
from comity.events.limits import RANGE_DAYS
from comity.service.problems import HttpProblem

__all__ = ["bad_request", "flag", "known", "many", "number", "one", "when"]


def bad_request(name: str, message: str) -> HttpProblem:
    return HttpProblem(
        400, "bad-parameter", "Bad query parameter", f"{name}: {message}", extra={"parameter": name}
    )


def known(request: Request, allowed: tuple[str, ...]) -> None:
    """Refuse a parameter the endpoint does not take (a typo would otherwise be ignored)."""
    for name in request.query_params:
        if name not in allowed:
            raise bad_request(
                name,
                "unknown parameter; this endpoint takes "
                + (", ".join(allowed) if allowed else "none"),
            )


def one(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise bad_request(name, "given more than once")
    return values[0] if values else None


def many(request: Request, name: str) -> tuple[str, ...]:
    return tuple(request.query_params.getlist(name))


def flag(request: Request, name: str) -> bool:
    value = one(request, name)
    if value is None:
        return False
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise bad_request(name, f"expected true or false, got {value!r}")


def number(request: Request, name: str, *, low: int = 0, high: int = RANGE_DAYS) -> int | None:
    value = one(request, name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 16:
        raise bad_request(name, f"expected a whole number from {low} to {high}, got {value!r}")
    parsed = int(value)
    if not low <= parsed <= high:
        raise bad_request(name, f"expected a whole number from {low} to {high}, got {value!r}")
    return parsed


def when(value: str | None, name: str, *, dates: bool) -> dt.date | dt.datetime | None:
    """A time as --as-of (`dates`) or --known-at reads it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(name, "expected a string")
    try:
        return parse_time(value, dates=dates)
    except ValueError as exc:
        raise bad_request(name, str(exc)) from None
