"""The two times of a replay, as every report shows them.

A report that names both its valid time (`as_of`) and its record time (`known_at`)
can be repeated exactly: the same log, rules and pair of times give the same findings.
The wall-clock defaults are the caller's business (only the command line reads the
clock), so this class only holds and words the times it is given.
"""

from __future__ import annotations

import datetime as dt

import attrs

from comity.events import format_time
from comity.i18n import gettext as _

__all__ = ["ReplayAt"]


@attrs.frozen
class ReplayAt:
    """The valid time and the record time of one replay."""

    as_of: dt.date | dt.datetime
    known_at: dt.datetime

    def header(self) -> dict[str, str]:
        """The times as the JSON documents open with them."""
        return {"as_of": format_time(self.as_of), "known_at": format_time(self.known_at)}

    def words(self) -> str:
        """The times as the text reports say them: `as of 2020-12-31, known at ...Z`."""
        return _("as of {as_of}, known at {known_at}").format(
            as_of=format_time(self.as_of), known_at=format_time(self.known_at)
        )
