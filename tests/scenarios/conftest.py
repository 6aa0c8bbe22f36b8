"""Collect lawyer-readable scenario files (`tests/scenarios/*.toml`) as pytest tests.

Each `[[scenario]]` table in a file becomes one test. The format is described for
readers who do not read Python in tests/scenarios/README.md; in short:

- `title`, `story`: what happens, in words;
- `events`: the case log, one inline table per event, in the v1 event format without
  the fields the log sets (`recorded_at`, `seq`, `position`). `case_id` may be left
  out (the scenario's `case_id`, default "SCENARIO", is used). Dates and times may be
  TOML dates and datetimes; a time with an offset is converted to UTC;
- `as_of` (valid time) and optional `known_at` (record time), with an optional
  `recorded_at` table giving, for some events, when the log learnt of them (the
  others are recorded when they happen);
- `rules`: optional user rule directories, relative to the scenario file;
- `expect`: findings that must be there (code and what the scenario states about
  them; a finding without `resolved_at` must still be open);
- `expect_absent`: codes that must not fire;
- `expect_running`: if present, exactly the deadlines still running at `as_of`;
- `xfail`: the reason the engine is known to disagree (a reported bug).

The engine is called through the public API only: the events are appended to an
in-memory log whose clock is set to each event's record time, read back with
`known_at`, and replayed with `replay_case`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from comity.engine import CaseResult, Finding, OpenDeadline, replay_case
from comity.events import parse_one
from comity.events._memory import MemoryLog
from comity.rules import RulePack, load_pack

HERE = Path(__file__).parent

_SCENARIO_KEYS = {
    "title",
    "story",
    "case_id",
    "as_of",
    "known_at",
    "recorded_at",
    "rules",
    "events",
    "expect",
    "expect_absent",
    "expect_running",
    "xfail",
}
_EXPECT_KEYS = {
    "code",
    "rule",
    "raised_at",
    "due",
    "resolved_at",
    "resolved_by",
    "because",
    "jurisdictions",
    "assets",
    "severity",
    "parameter",
    "value",
    "unit",
    "message_contains",
    "convention_contains",
}
_RUNNING_KEYS = {"code", "rule", "ref", "due", "breach_at", "parameter", "value", "unit"}


class ScenarioError(Exception):
    """A scenario file is not well formed; the message says where and what."""


class ScenarioFailure(AssertionError):
    """The engine said something other than what the scenario expects."""


# --- times -------------------------------------------------------------------------


def _utc(moment: dt.datetime, where: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise ScenarioError(f"{where}: {moment.isoformat()} has no time zone; end it with Z")
    return moment.astimezone(dt.UTC)


def _text(value: Any, where: str) -> Any:
    """A TOML date or datetime in the event format's one text form; other values as
    they are."""
    if isinstance(value, dt.datetime):
        return _utc(value, where).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        raise ScenarioError(f"{where}: a time of day needs a date")
    return value


def _norm(value: Any) -> str | None:
    """Dates and instants, from the scenario or from the engine, in one comparable form."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if len(text) > 10:
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        return _norm(parsed)
    return text


def _instant(value: Any, where: str, *, end_of_day: bool) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return _utc(value, where)
    if isinstance(value, dt.date):
        t = dt.time.max if end_of_day else dt.time.min
        return dt.datetime.combine(value, t, tzinfo=dt.UTC)
    raise ScenarioError(f"{where}: expected a TOML date or datetime, got {value!r}")


# --- the scenario ------------------------------------------------------------------


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:70]


@functools.cache
def _pack(dirs: tuple[str, ...]) -> RulePack:
    return load_pack(*dirs)


class Scenario:
    """One `[[scenario]]` table, checked for form when the file is collected."""

    def __init__(self, table: Mapping[str, Any], path: Path, index: int) -> None:
        where = f"{path.name}: scenario {index + 1}"
        _check_keys(table, _SCENARIO_KEYS, where)
        for key in ("title", "story", "as_of", "events"):
            if key not in table:
                raise ScenarioError(f"{where}: {key} is required")
        self.path = path
        self.title: str = table["title"]
        self.where = f"{path.name}: {self.title!r}"
        self.story: str = table["story"].strip()
        self.case_id: str = table.get("case_id", "SCENARIO")
        self.as_of: dt.date | dt.datetime = table["as_of"]
        if not isinstance(self.as_of, dt.date):
            raise ScenarioError(f"{self.where}: as_of: expected a TOML date or datetime")
        known = table.get("known_at")
        self.known_at = (
            None if known is None else _instant(known, f"{self.where}: known_at", end_of_day=True)
        )
        self.recorded: dict[str, dt.datetime] = {
            k: _instant(v, f"{self.where}: recorded_at.{k}", end_of_day=False)
            for k, v in table.get("recorded_at", {}).items()
        }
        self.rules = tuple(str((path.parent / d).resolve()) for d in table.get("rules", []))
        self.events: list[dict[str, Any]] = []
        for n, raw in enumerate(table["events"], start=1):
            if not isinstance(raw, dict):
                raise ScenarioError(f"{self.where}: events[{n}]: expected an inline table")
            event = {k: _text(v, f"{self.where}: events[{n}].{k}") for k, v in raw.items()}
            event.setdefault("case_id", self.case_id)
            self.events.append(event)
        ids = [e.get("event_id") for e in self.events]
        unknown = sorted(set(self.recorded) - set(ids))
        if unknown:
            raise ScenarioError(f"{self.where}: recorded_at names unknown events {unknown}")
        self.expect: list[dict[str, Any]] = list(table.get("expect", []))
        for n, e in enumerate(self.expect, start=1):
            _check_keys(e, _EXPECT_KEYS, f"{self.where}: expect[{n}]")
            if "code" not in e:
                raise ScenarioError(f"{self.where}: expect[{n}]: code is required")
        self.absent: list[str] = list(table.get("expect_absent", []))
        self.running: list[dict[str, Any]] | None = table.get("expect_running")
        for n, e in enumerate(self.running or [], start=1):
            _check_keys(e, _RUNNING_KEYS, f"{self.where}: expect_running[{n}]")
        self.xfail: str | None = table.get("xfail")

    # -- running it -----------------------------------------------------------------
    def replay(self) -> CaseResult:
        parsed = [
            parse_one(event, source=self.where, line=n)
            for n, event in enumerate(self.events, start=1)
        ]
        record_times = {
            e.event_id: self.recorded.get(
                e.event_id, _instant(e.occurred_at, self.where, end_of_day=False)
            )
            for e in parsed
        }
        now: list[dt.datetime] = [dt.datetime.min.replace(tzinfo=dt.UTC)]
        log = MemoryLog(clock=lambda: now[0])
        for event in sorted(parsed, key=lambda e: record_times[e.event_id]):
            now[0] = record_times[event.event_id]
            log.append([event])
        stored = list(log.read_case(self.case_id, known_at=self.known_at))
        return replay_case(stored, _pack(self.rules), as_of=self.as_of, case_id=self.case_id)

    def check(self, result: CaseResult) -> list[str]:
        problems: list[str] = []
        unused = list(result.findings)
        for expected in self.expect:
            candidates = [f for f in unused if _same_kind(f, expected)]
            match = next((f for f in candidates if not _differences(f, expected)), None)
            if match is not None:
                unused.remove(match)
                continue
            line = f"expected {_describe_expected(expected)}"
            if candidates:
                nearest = min(candidates, key=lambda f: len(_differences(f, expected)))
                line += "\n      the closest the engine said: " + "; ".join(
                    _differences(nearest, expected)
                )
            else:
                line += "\n      the engine raised no finding with this code"
            problems.append(line)
        for code in self.absent:
            for f in result.findings:
                if f.code == code:
                    problems.append(
                        f"{code} must not fire, but the engine raised it: {_describe(f)}"
                    )
        if self.running is not None:
            left = list(result.open_deadlines)
            for expected in self.running:
                running = next((d for d in left if not _running_differences(d, expected)), None)
                if running is None:
                    problems.append(f"expected a running deadline {_describe_expected(expected)}")
                else:
                    left.remove(running)
            for d in left:
                problems.append(
                    f"a deadline runs that the scenario does not expect: {_describe_running(d)}"
                )
        return problems


# --- comparing -----------------------------------------------------------------------


def _same_kind(f: Finding, expected: Mapping[str, Any]) -> bool:
    return bool(f.code == expected["code"] and expected.get("rule", f.rule) == f.rule)


def _list_diff(name: str, actual: Iterable[str], expected: Iterable[str]) -> str | None:
    a, e = sorted(actual), sorted(expected)
    return None if a == e else f"{name} {a} (expected {e})"


def _differences(f: Finding, expected: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("raised_at", "due"):
        if key in expected and _norm(getattr(f, key)) != _norm(expected[key]):
            out.append(f"{key} {_norm(getattr(f, key))} (expected {_norm(expected[key])})")
    want_resolved = _norm(expected.get("resolved_at"))
    if _norm(f.resolved_at) != want_resolved:
        got = _norm(f.resolved_at) or "still open"
        out.append(f"resolved_at {got} (expected {want_resolved or 'still open'})")
    for key in ("resolved_by", "because", "jurisdictions", "assets"):
        if key in expected:
            diff = _list_diff(key, getattr(f, key) or (), expected[key])
            if diff:
                out.append(diff)
    if "severity" in expected and f.severity != expected["severity"]:
        out.append(f"severity {f.severity} (expected {expected['severity']})")
    detail = f.deadline.to_json() if f.deadline is not None else {}
    for key in ("parameter", "value", "unit"):
        if key in expected and detail.get(key) != expected[key]:
            out.append(f"{key} {detail.get(key)!r} (expected {expected[key]!r})")
    for text in _as_list(expected.get("message_contains")):
        if text not in f.message:
            out.append(f"message {f.message!r} does not contain {text!r}")
    for text in _as_list(expected.get("convention_contains")):
        if text not in str(detail.get("convention", "")):
            out.append(f"convention {detail.get('convention')!r} does not contain {text!r}")
    return out


def _running_differences(d: OpenDeadline, expected: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    if d.code != expected.get("code", d.code) or d.rule != expected.get("rule", d.rule):
        out.append(f"code {d.code} (expected {expected.get('code')})")
    if "ref" in expected and d.ref != expected["ref"]:
        out.append(f"ref {d.ref} (expected {expected['ref']})")
    for key in ("due", "breach_at"):
        if key in expected and _norm(getattr(d, key)) != _norm(expected[key]):
            out.append(f"{key} {_norm(getattr(d, key))} (expected {_norm(expected[key])})")
    for key in ("parameter", "value", "unit"):
        if key in expected and d.detail.to_json().get(key) != expected[key]:
            out.append(f"{key} {d.detail.to_json().get(key)!r} (expected {expected[key]!r})")
    return out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _describe_expected(expected: Mapping[str, Any]) -> str:
    parts = [str(expected.get("code", "a deadline"))]
    for key, value in expected.items():
        if key == "code":
            continue
        parts.append(f"{key} {_norm(value) if not isinstance(value, list) else value}")
    if "resolved_at" not in expected and "ref" not in expected and "breach_at" not in expected:
        parts.append("still open")
    return ", ".join(parts)


def _describe(f: Finding) -> str:
    resolved = _norm(f.resolved_at)
    state = f"resolved {resolved} by {list(f.resolved_by or [])}" if resolved else "open"
    due = f", due {_norm(f.due)}" if f.due else ""
    return (
        f"{f.code} ({f.rule}) raised {_norm(f.raised_at)}{due}, {state}; "
        f"jurisdictions {list(f.jurisdictions)}; assets {list(f.assets)}\n"
        f"        {f.message}"
    )


def _describe_running(d: OpenDeadline) -> str:
    return (
        f"{d.code} ({d.rule}) on {d.ref}: due {_norm(d.due)}, late from {_norm(d.breach_at)} "
        f"[{d.detail.parameter or d.detail.source}]"
    )


def _report(s: Scenario, result: CaseResult | None, problems: Sequence[str]) -> str:
    lines = [
        f"Scenario: {s.title}",
        f"  file: {s.path.relative_to(HERE.parent.parent)}",
        f"  as of {_norm(s.as_of)}" + (f", known at {_norm(s.known_at)}" if s.known_at else ""),
        "",
        "What does not agree:",
        *(f"  - {p}" for p in problems),
    ]
    if result is not None:
        lines += ["", "What the engine said:"]
        lines += [f"  - {_describe(f)}" for f in result.findings] or ["  (no findings)"]
        if result.open_deadlines:
            lines += ["", "Deadlines still running:"]
            lines += [f"  - {_describe_running(d)}" for d in result.open_deadlines]
    return "\n".join(lines)


# --- pytest --------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".toml" and file_path.parent == HERE:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(f"{self.path.name}: not valid TOML ({exc})") from None
        _check_keys(data, {"scenario"}, self.path.name)
        seen: set[str] = set()
        for index, table in enumerate(data.get("scenario", [])):
            scenario = Scenario(table, self.path, index)
            name = _slug(scenario.title)
            if name in seen:
                raise ScenarioError(f"{scenario.where}: two scenarios in the file share a title")
            seen.add(name)
            item = ScenarioItem.from_parent(self, name=name, scenario=scenario)
            if scenario.xfail:
                item.add_marker(pytest.mark.xfail(reason=scenario.xfail, strict=True))
            yield item


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        result = self.scenario.replay()
        problems = self.scenario.check(result)
        if problems:
            raise ScenarioFailure(_report(self.scenario, result, problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure | ScenarioError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario: {self.scenario.title}"
