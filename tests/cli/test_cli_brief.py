"""The brief replay (`replay --open`): one line a finding, the whole of it on one screen.

The README's quick start loads the Panama example alone and replays it as of
2021-12-31; `comity --lang es replay --open --as-of 2021-12-31` must then fit a
24-line terminal (23 lines, and the shell's prompt) in English and in Spanish, in a
terminal of 80 columns and in a pipe (100), with every open finding on its own line
and its id there for `comity explain`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PANAMA = "PA-2019-0117"
AS_OF = "2021-12-31"
KNOWN_AT = "2099-01-01T00:00:00Z"
SCREEN = 23  # a 24-line terminal, one line left for the prompt
ID_AT_END = re.compile(r"  id ([0-9a-f]{20})$")
SEVERITY = {
    "en": {"critical": "CRITICAL", "warning": "WARNING", "info": "INFO"},
    "es": {"critical": "CRÍTICO", "warning": "AVISO", "info": "INFO"},
}


def invoke(runner: CliRunner, store: Path, *args: str, **kwargs: Any) -> Result:
    return runner.invoke(cli, ["--store", str(store), *args], catch_exceptions=False, **kwargs)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store(runner: CliRunner, tmp_path: Path) -> Path:
    """The README's quick start: the Panama example alone."""
    path = tmp_path / "comity.db"
    ok(invoke(runner, path, "init"))
    ok(invoke(runner, path, "ingest", str(EXAMPLES / "panama-drug-trafficking.jsonl")))
    return path


def open_findings(runner: CliRunner, store: Path) -> list[dict[str, Any]]:
    """The open findings, in the order the full --open report lists them."""
    args = ("replay", "--as-of", AS_OF, "--known-at", KNOWN_AT, "--open")
    data = json.loads(ok(invoke(runner, store, *args, "--format", "json")).stdout)
    by_id = {f["finding_id"]: f for case in data["cases"] for f in case["findings"]}
    full = ok(invoke(runner, store, *args, "--full")).stdout
    order = re.findall(r"  id ([0-9a-f]{20})$", full, flags=re.M)
    assert sorted(order) == sorted(by_id) and len(order) == 8
    return [by_id[i] for i in order]


def brief(runner: CliRunner, store: Path, lang: str, columns: str | None) -> list[str]:
    result = ok(
        invoke(
            runner,
            store,
            "--lang",
            lang,
            "replay",
            "--open",
            "--as-of",
            AS_OF,
            "--known-at",
            KNOWN_AT,
            env={"COLUMNS": columns},
        )
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("columns", ["80", None])
def test_the_open_replay_of_the_quick_start_fits_one_screen(
    runner: CliRunner, store: Path, lang: str, columns: str | None
) -> None:
    wanted = open_findings(runner, store)
    lines = brief(runner, store, lang, columns)
    width = int(columns or 100)  # a pipe's width when COLUMNS says none
    assert len(lines) <= SCREEN, "\n".join(lines)
    assert max(map(len, lines)) <= width
    rows = [line for line in lines if ID_AT_END.search(line)]
    # every open finding on one line of its own, in the full report's order, nothing else
    assert [ID_AT_END.search(r).group(1) for r in rows] == [  # type: ignore[union-attr]
        f["finding_id"] for f in wanted
    ]
    for row, finding in zip(rows, wanted, strict=True):
        assert row.startswith(f"{SEVERITY[lang][finding['severity']]:<8}  {finding['rule']}  ")
        assert f"  {','.join(finding['jurisdictions'])} " in row
        if finding["due"] is not None:
            due = "due" if lang == "en" else "vence el"
            assert f"  {due} {finding['due']} (" in row
    if lang == "en":
        assert lines[0].startswith(f"comity replay as of {AS_OF}, known at {KNOWN_AT};")
        assert any(line.startswith(f"== Case {PANAMA}: 28 findings: 8 open,") for line in lines)
        assert "20 not shown (only open findings)" in "\n".join(lines)
        assert "1 case replayed: 8 open findings (1 critical, 2 warning, 5 info)" in " ".join(lines)
        hint = f"One finding in full: comity explain ID --as-of {AS_OF}; all in full: --full"
    else:
        assert lines[0].startswith(f"comity replay al {AS_OF}, conocido al {KNOWN_AT};")
        assert any(
            line.startswith(f"== Caso {PANAMA}: 28 hallazgos: 8 abiertos,") for line in lines
        )
        assert "20 no mostrados (solo hallazgos abiertos)" in "\n".join(lines)
        assert (
            "1 caso reproducido: 8 hallazgos abiertos (1 crítico, 2 de aviso, 5 informativos)"
            in (" ".join(lines))
        )
        hint = f"Un hallazgo completo: comity explain ID --as-of {AS_OF}; todos completos: --full"
    assert hint in " ".join(lines[-2:])


def test_a_line_cut_to_the_width_says_so_and_keeps_its_id(runner: CliRunner, store: Path) -> None:
    wanted = open_findings(runner, store)
    narrow = brief(runner, store, "en", "80")
    wide = brief(runner, store, "en", "300")
    missed = wanted[0]  # the missed deadline of order O1 comes first
    assert missed["category"] == "deadline"
    (cut,) = [line for line in narrow if missed["finding_id"] in line]
    (whole,) = [line for line in wide if missed["finding_id"] in line]
    assert "…" in cut and len(cut) == 80
    assert f"  due {missed['due']} (666 days ago)  {missed['message']}  " in whole
    assert "…" not in whole
    assert whole.endswith(f"  id {missed['finding_id']}")


def test_full_gives_the_whole_report_and_json_is_untouched(runner: CliRunner, store: Path) -> None:
    args = ("replay", "--as-of", AS_OF, "--known-at", KNOWN_AT)
    full = ok(invoke(runner, store, *args, "--open", "--full")).stdout
    assert "legal basis: UNCAC art. 54(2)" in full and "Missed deadlines: 1" in full
    # --brief without --open: every finding in one line, the open ones first
    every = ok(invoke(runner, store, *args, "--brief")).stdout.splitlines()
    rows = [line for line in every if ID_AT_END.search(line)]
    assert len(rows) == 28
    assert all("resolved 20" not in row for row in rows[:8])
    assert all("resolved 20" in row for row in rows[8:])
    # the full report stays the default without --open
    assert (
        ok(invoke(runner, store, *args)).stdout == ok(invoke(runner, store, *args, "--full")).stdout
    )
    for fmt in ("json", "jsonl"):
        plain = ok(invoke(runner, store, *args, "--open", "--format", fmt)).stdout
        assert (
            plain
            == ok(
                invoke(runner, store, *args, "--open", "--format", fmt, env={"COLUMNS": "80"})
            ).stdout
        )
        refused = invoke(runner, store, *args, "--brief", "--format", fmt)
        assert refused.exit_code == 2
        assert "Error: --brief goes with --format table" in refused.stderr
        assert refused.stdout == ""


def test_a_brief_replay_is_reproduced_at_its_own_width(runner: CliRunner, store: Path) -> None:
    shown = ok(
        invoke(
            runner,
            store,
            "replay",
            "--open",
            "--as-of",
            AS_OF,
            "--known-at",
            KNOWN_AT,
            env={"COLUMNS": "80"},
        )
    )
    (record,) = re.findall(r"disclosure: ([0-9a-f-]{36})", shown.stderr)
    again = ok(invoke(runner, store, "audit", "reproduce", record))  # no COLUMNS now
    assert again.stdout.startswith(f"{record} replay ")
    assert ": reproduced: sha256 " in again.stdout


# --------------------------------------------------------------------------- plurals


def test_counts_agree_with_their_nouns_for_one(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One case of one event: `1 case, 1 of 1 event`, never `1 cases` or `1 events`."""
    first = (EXAMPLES / "quickstart.jsonl").read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "one.jsonl").write_text(first + "\n", encoding="utf-8")
    caught_up = {
        "en": "catching up: 1 case, 1 of 1 event (",
        "es": "poniéndose al día: 1 caso, 1 de 1 evento (",
    }
    for lang, words in caught_up.items():
        path = tmp_path / f"one-{lang}.db"
        ok(invoke(runner, path, "init"))
        ok(invoke(runner, path, "ingest", str(tmp_path / "one.jsonl")))
        watched = ok(invoke(runner, path, "--lang", lang, "watch", "--once")).stderr
        assert words in watched, watched
    within = ok(invoke(runner, path, "deadlines", "--within", "1")).stdout
    assert within.startswith("No open deadlines breached within 1 day as of ")
    checked = ok(invoke(runner, path, "check")).stdout.splitlines()[-1]
    assert checked == "No data-quality finding in 1 case checked."
