"""How far a day is from the replay's as_of, in words (`today`, `in 3 days`)."""

from __future__ import annotations

import datetime as dt

from comity.events.time import utc_date
from comity.i18n import gettext as _
from comity.i18n import ngettext

__all__ = ["days_until", "in_days"]


def days_until(day: dt.date | dt.datetime, as_of: dt.date | dt.datetime) -> int:
    """Days from as_of's day to `day` (a date, or an instant whose UTC date counts)."""
    start = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    end = utc_date(day)
    return (end - start).days


def in_days(days: int) -> str:
    """`today`, `tomorrow`, `in 3 days`, `2 days ago`."""
    if days == 0:
        return _("today")
    if days == 1:
        return _("tomorrow")
    if days > 0:
        return ngettext("in {n} day", "in {n} days", days).format(n=days)
    return ngettext("{n} day ago", "{n} days ago", -days).format(n=-days)
