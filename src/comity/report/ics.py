"""Open deadlines as an iCalendar file that a calendar can import again and again.

One all-day event per open deadline, on its last day, with a reminder, its legal
basis and how it was counted in the description. Re-importing a later export must
update the calendar in place, never duplicate an event, so:

- the UID is a hash of the case, the rule and the deadline's reference (the order,
  request or suspension it runs for), the same in every export and on every machine;
- SEQUENCE grows whenever what the event says changes (Outlook ignores an update
  whose SEQUENCE is not higher). The state needed for that is the previous export
  itself (`--previous FILE`): it is exactly what the calendar holds, whereas the
  findings store only exists where a watcher runs and says nothing of what was
  exported. Each event carries its own X-COMITY-* properties (case, rule, reference,
  the events it rests on, a digest of its content), so the previous file is all the
  state there is. Without one, SEQUENCE is the number of events that changed the
  deadline after it started (an extension adds one), which still grows as the
  deadline moves;
- a deadline of the previous export that no longer runs is sent once more: as
  STATUS:CANCELLED (met, or no longer applies) or, when the case has a finding for
  its breach, as a "missed" event kept on its day. Events of the previous export
  that were not looked at this time (another case, beyond `--within`) are carried
  over as they were, so the next export still knows their SEQUENCE.

The output is a pure function of its inputs: DTSTAMP is the replay's record time
(`known_at`), never the wall clock, so the same command gives the same bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from importlib import metadata
from typing import Any

import attrs
import icalendar

from comity.audit.basis import Basis
from comity.engine import CountedPeriod, Finding, OpenDeadline
from comity.errors import PreviousExportError
from comity.events.codec import format_time
from comity.events.time import floor_to_second, utc_date
from comity.i18n import N_
from comity.report.at import ReplayAt
from comity.report.deadlines import breach_instant, horizon
from comity.report.labels import Translate, translator
from comity.report.text._legal import cite, period
from comity.rules import RulePack

__all__ = [
    "ExportedEvent",
    "PreviousExportError",
    "cases_to_check",
    "deadline_uid",
    "deadlines_calendar",
    "read_export",
    "rule_bases",
]

#: The domain part of every UID: RFC 5545 asks for a globally unique identifier.
_DOMAIN = "deadlines.comity"
#: What each event's X-COMITY-STATE says: a running deadline, or a final word on one.
RUNNING, MISSED, MET = "running", "missed", "met"


def deadline_uid(case_id: str, rule: str, ref: str) -> str:
    """The same UID in every export: a deadline is its case, rule and reference."""
    material = "\n".join((case_id, rule, ref)).encode("utf-8")
    return f"{hashlib.sha256(material).hexdigest()[:32]}@{_DOMAIN}"


@attrs.frozen(kw_only=True)
class ExportedEvent:
    """One event of a previous export, as far as the next export needs it."""

    uid: str
    sequence: int
    state: str
    digest: str
    case_id: str
    rule: str
    ref: str
    because: tuple[str, ...]
    component: icalendar.cal.Component = attrs.field(eq=False, repr=False)


def _text(event: icalendar.cal.Component, name: str) -> str:
    value = event.get(name)
    if value is None:
        raise PreviousExportError(f"an event has no {name}; pass a file `comity deadlines` wrote")
    return str(value)


def read_export(data: bytes) -> dict[str, ExportedEvent]:
    """The events of a previous export, by UID (a file not written by comity is refused)."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PreviousExportError(f"not an iCalendar file: {why}") from None
    if not isinstance(calendar, icalendar.Calendar):
        raise PreviousExportError("not one iCalendar object (VCALENDAR)")
    if "comity" not in str(calendar.get("PRODID", "")):
        raise PreviousExportError(
            "not written by `comity deadlines --format ics` (its PRODID is not comity's)"
        )
    out: dict[str, ExportedEvent] = {}
    for event in calendar.walk("VEVENT"):
        uid = _text(event, "UID")
        try:
            sequence = int(event.get("SEQUENCE", 0))
        except (TypeError, ValueError):
            raise PreviousExportError(f"event {uid}: SEQUENCE is not a number") from None
        because = str(event.get("X-COMITY-BECAUSE", ""))
        out[uid] = ExportedEvent(
            uid=uid,
            sequence=max(sequence, 0),
            state=str(event.get("X-COMITY-STATE", RUNNING)),
            digest=str(event.get("X-COMITY-DIGEST", "")),
            case_id=_text(event, "X-COMITY-CASE"),
            rule=_text(event, "X-COMITY-RULE"),
            ref=_text(event, "X-COMITY-REF"),
            because=tuple(b for b in because.split(",") if b),
            component=event,
        )
    return out


def rule_bases(pack: RulePack) -> dict[str, list[dict[str, Any]]]:
    """Each deadline rule's legal bases that hold between any jurisdictions."""
    return {
        rule.id: [b.to_json() for b in rule.legal_basis if b.only_for is None]
        for rule in pack.rules
        if rule.deadline
    }


def cases_to_check(
    previous: Mapping[str, ExportedEvent],
    running: Iterable[OpenDeadline],
    in_scope: Callable[[str], bool],
) -> list[str]:
    """The cases whose previously exported deadlines no longer run: the caller looks
    in their findings for a breach, to tell a missed deadline from a met one."""
    now = {deadline_uid(d.case_id, d.rule, d.ref) for d in running}
    return sorted(
        {
            e.case_id
            for e in previous.values()
            if e.state == RUNNING and e.uid not in now and in_scope(e.case_id)
        }
    )


_SUMMARIES = {
    "order_expired": N_("Order {ref} lapses after this day (case {case})"),
    "postponement_lapsed": N_("FIU suspension {ref} ends: a court order is needed (case {case})"),
    "response_overdue": N_("Last day to decide {ref} (case {case})"),
}


def _summary(d: OpenDeadline, _: Translate) -> str:
    words = _SUMMARIES.get(d.code, N_("Deadline {code} {ref} (case {case})"))
    return _(words).format(code=d.code, ref=d.ref, case=d.case_id)


def _description(d: OpenDeadline, bases: Sequence[Mapping[str, Any]], _: Translate) -> str:
    lines = [
        f"{_('Case')}: {d.case_id}",
        f"{_('Rule')}: {d.rule} ({d.code}), {d.ref}",
        f"{_('Last day')}: {format_time(d.due)}; {_('Late from')}: {format_time(d.breach_at)}",
        f"{_('Period')}: {period(d.detail)}",
    ]
    if d.detail.convention:
        lines.append(f"{_('Counting')}: {d.detail.convention}")
    counted = d.detail if isinstance(d.detail, CountedPeriod) else None
    caveat = counted.caveat if counted is not None else None
    if caveat and caveat not in d.detail.convention:
        lines.append(f"{_('Caveat')}: {caveat}")
    cited = list(bases)
    if counted is not None:
        cited.append(counted.source.to_json())
    for basis in cited:
        where = basis.get("reference") or basis.get("address") or ""
        lines.append(f"{_('Legal basis')}: {cite(basis)}" + (f" <{where}>" if where else ""))
    lines.append(f"{_('Rests on events')}: {', '.join(d.because)}")
    return "\n".join(lines)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _stamp(at: ReplayAt) -> dt.datetime:
    return floor_to_second(at.known_at)


def _event(
    *,
    uid: str,
    day: dt.date,
    summary: str,
    description: str,
    status: str,
    state: str,
    sequence: int,
    stamp: dt.datetime,
    case_id: str,
    rule: str,
    ref: str,
    because: Sequence[str],
    code: str,
    reminder: tuple[int, str] | None,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)  # a date: DTSTART;VALUE=DATE, an all-day event
    event.add("dtend", day + dt.timedelta(days=1))  # exclusive, as RFC 5545 says
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("description", description)
    event.add("status", status)
    event.add("transp", "TRANSPARENT")  # a last day, not a meeting: the day stays free
    event.add("categories", ["comity", code])
    event.add("x-comity-case", case_id)
    event.add("x-comity-rule", rule)
    event.add("x-comity-ref", ref)
    event.add("x-comity-because", ",".join(because))
    event.add("x-comity-state", state)
    event.add("x-comity-digest", _digest(day.isoformat(), summary, description, status))
    if reminder is not None:
        days, words = reminder
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", words)
        alarm.add("trigger", dt.timedelta(days=-days))
        event.add_component(alarm)
    return event


def _sequence(previous: ExportedEvent | None, event: icalendar.Event, floor: int) -> int:
    if previous is None:
        return floor
    changed = previous.digest != str(event["X-COMITY-DIGEST"])
    return max(floor, previous.sequence + (1 if changed else 0))


def _breach_of(exported: ExportedEvent, findings: Iterable[Finding]) -> Finding | None:
    """The finding that says this deadline was missed: its rule, in its case, resting on
    the events the exported deadline rested on (and on any that moved it since, such as
    an extension), the fewest such events first."""
    matches = [
        finding
        for finding in findings
        if finding.category == "deadline"
        and finding.case_id == exported.case_id
        and finding.rule == exported.rule
        and set(exported.because) <= set(finding.because)
    ]
    return min(matches, key=lambda f: (len(f.because), f.finding_id), default=None)


def deadlines_calendar(
    running: Sequence[OpenDeadline],
    at: ReplayAt,
    *,
    rulepack: str,
    bases: Mapping[str, Sequence[Mapping[str, Any]]],
    previous: Mapping[str, ExportedEvent] | None = None,
    in_scope: Callable[[str], bool] = lambda _case: True,
    findings: Collection[Finding] = (),
    within: int | None = None,
    remind_days: int = 3,
    lang: str = "en",
    basis: Basis | None = None,
) -> bytes:
    """The iCalendar file (CRLF lines, UTF-8) of `running`, updating `previous`.

    With a `basis`, the calendar names what it stands on in properties of its own:
    X-COMITY-LOG (size, position and hash of the log head covered), X-COMITY-CHECKPOINT
    (origin, size and root of the latest signed checkpoint, or `none`),
    X-COMITY-RULEPACK and X-COMITY-VERSIONS; calendar programs keep and ignore them.

    `running` holds every open deadline of the cases `in_scope` (not cut by
    `within`: a deadline beyond it is still running, and its previous event is carried
    over rather than cancelled). `findings` are the findings of the cases whose
    previous deadlines vanished (:func:`cases_to_check`), to recognise a breach.
    """
    _ = translator(lang)
    before = dict(previous or {})
    stamp = _stamp(at)
    as_of = at.header()["as_of"]
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//comity//deadlines {_version()}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("comity deadlines"))
    calendar.add(
        "x-wr-caldesc",
        _(
            "Open deadlines of comity, as of {as_of}, known at {known_at}; rule pack {rulepack}"
        ).format(as_of=as_of, known_at=at.header()["known_at"], rulepack=rulepack),
    )
    if basis is not None:
        head = basis.head
        calendar.add("x-comity-log", f"size={head.size} position={head.position} hash={head.hash}")
        cp = basis.checkpoint
        calendar.add(
            "x-comity-checkpoint",
            "none" if cp is None else f"origin={cp['origin']} size={cp['size']} root={cp['root']}",
        )
        calendar.add("x-comity-rulepack", rulepack)
        calendar.add(
            "x-comity-versions",
            " ".join(f"{name}={v}" for name, v in sorted(basis.versions.items())),
        )
    last = None if within is None else horizon(at.as_of, within)
    events: list[tuple[str, str, icalendar.cal.Component]] = []  # (day, uid, event) to sort
    seen: set[str] = set()
    for d in running:
        uid = deadline_uid(d.case_id, d.rule, d.ref)
        seen.add(uid)
        if last is not None and breach_instant(d.breach_at) > last:
            continue  # running, but not asked for: its previous event is carried over
        summary = _summary(d, _)
        event = _event(
            uid=uid,
            day=_date_of(d.due),
            summary=summary,
            description=_description(d, bases.get(d.rule, ()), _),
            status="CONFIRMED",
            state=RUNNING,
            sequence=0,
            stamp=stamp,
            case_id=d.case_id,
            rule=d.rule,
            ref=d.ref,
            because=d.because,
            code=d.code,
            reminder=(remind_days, _("Reminder: {summary}").format(summary=summary)),
        )
        event["SEQUENCE"] = _sequence(before.pop(uid, None), event, max(len(d.because) - 1, 0))
        events.append((_date_of(d.due).isoformat(), uid, event))
    for uid, old in sorted(before.items()):
        if uid in seen or old.state != RUNNING or not in_scope(old.case_id):
            if old.state == RUNNING:  # not looked at this time: keep what it said
                carried = copy.deepcopy(old.component)  # the caller's stays as it was
                carried["DTSTAMP"] = icalendar.vDDDTypes(stamp)
                events.append((_day(old).isoformat(), uid, carried))
            continue
        events.append((_day(old).isoformat(), uid, _final(old, findings, as_of, stamp, _)))
    events.sort(key=lambda item: (item[0], item[1]))
    for _day_text, _uid, component in events:
        calendar.add_component(component)
    return bytes(calendar.to_ical())


def _date_of(value: dt.date | dt.datetime) -> dt.date:
    """The day of a due date, or the UTC day of a due instant (periods in hours)."""
    return utc_date(value)


def _day(old: ExportedEvent) -> dt.date:
    value = old.component.decoded("DTSTART")
    return value.date() if isinstance(value, dt.datetime) else value


def _final(
    old: ExportedEvent,
    findings: Iterable[Finding],
    as_of: str,
    stamp: dt.datetime,
    _: Translate,
) -> icalendar.Event:
    """The last word on a deadline that no longer runs: missed, or met (cancelled)."""
    summary = str(old.component.get("SUMMARY", ""))
    for prefix in ("MISSED: ", "MET: ", "VENCIDO: ", "CUMPLIDO: "):
        summary = summary.removeprefix(prefix)
    breach = _breach_of(old, findings)
    if breach is not None:
        day = _date_of(breach.due) if breach.due else _day(old)
        state, status = MISSED, "CONFIRMED"
        title = _("MISSED: {summary}").format(summary=summary)
        note = _(
            "The deadline passed without being met: finding {finding} ({code}), late from {late}."
        ).format(finding=breach.finding_id, code=breach.code, late=format_time(breach.raised_at))
    else:
        day = _day(old)
        state, status = MET, "CANCELLED"
        title = _("MET: {summary}").format(summary=summary)
        note = _("No longer running as of {as_of}: met, or no longer applies to the case.").format(
            as_of=as_of
        )
    description = note + "\n\n" + str(old.component.get("DESCRIPTION", ""))
    event = _event(
        uid=old.uid,
        day=day,
        summary=title,
        description=description,
        status=status,
        state=state,
        sequence=0,
        stamp=stamp,
        case_id=old.case_id,
        rule=old.rule,
        ref=old.ref,
        because=old.because,
        code=next(
            (str(c) for c in _categories(old.component) if c != "comity"),
            old.rule,
        ),
        reminder=None,
    )
    event["SEQUENCE"] = old.sequence + 1
    return event


def _categories(event: icalendar.cal.Component) -> list[str]:
    value = event.get("CATEGORIES")
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(c) for item in items for c in getattr(item, "cats", [item])]


def _version() -> str:
    try:
        return metadata.version("comity")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"
