"""The findings store: every case's findings and open deadlines, kept current beside
the log by watchers, so that no question needs a full replay (a read model).

    import comity

    log = comity.open_log("comity.db")
    pack = comity.load_pack()
    comity.Watcher(log, pack).run(once=True)        # catch up (or keep running)
    with comity.FindingsStore.of(log) as store:
        cut, found = store.findings(open_only=True, severity="critical")
"""

from comity.findings.archive import ExportReport, archive_pack, archived_digests, export_pack
from comity.findings.store import FindingsStore, open_findings
from comity.findings.types import Change, Cut, StoredFinding
from comity.findings.watch import GenerationRetired, Progress, Watcher, wall_clock

__all__ = [
    "Change",
    "Cut",
    "ExportReport",
    "FindingsStore",
    "GenerationRetired",
    "Progress",
    "StoredFinding",
    "Watcher",
    "archive_pack",
    "archived_digests",
    "export_pack",
    "open_findings",
    "wall_clock",
]
