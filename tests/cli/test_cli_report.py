"""`comity report --case C --out FILE.html`: the command around the HTML renderer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli

ROOT = Path(__file__).resolve().parents[2]
PANAMA = ROOT / "examples" / "panama-drug-trafficking.jsonl"
KNOWN_AT = "2099-01-01T00:00:00Z"


def invoke(store: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "comity.db"
    for args in (["init"], ["ingest", str(PANAMA)]):
        result = invoke(path, *args)
        assert result.exit_code == 0, result.output
    return path


def test_the_report_is_written_to_out(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "case.html"
    result = invoke(
        store, "report", "--case", "PA-2019-0117", "--as-of", "2021-12-31",
        "--known-at", KNOWN_AT, "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"written to {out}" in result.stderr
    assert re.search(r"^disclosure: [0-9a-f-]{36}$", result.stderr, re.M)
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert '<html lang="en">' in html
    # The auditor's trail: the cut, the log head and the rule pack it stands on.
    log = invoke(store, "log", "--format", "jsonl").stdout.splitlines()
    assert f"{len(log)} records" in html
    assert "as of 2021-12-31, known at 2099-01-01T00:00:00Z" in html
    rulepack = invoke(store, "replay", "--format", "jsonl", "--as-of", "2021-12-31").stderr
    assert rulepack.splitlines()[0].split("rule pack ")[1] in html


def test_the_report_in_spanish_from_the_option_or_the_environment(store: Path) -> None:
    by_option = invoke(store, "report", "--case", "PA-2019-0117", "--as-of", "2021-12-31",
                       "--known-at", KNOWN_AT, "--lang", "es")  # fmt: skip
    by_env = invoke(store, "report", "--case", "PA-2019-0117", "--as-of", "2021-12-31",
                    "--known-at", KNOWN_AT, env={"COMITY_LANG": "es"})  # fmt: skip
    assert by_option.exit_code == 0, by_option.output
    assert by_option.stdout == by_env.stdout
    assert '<html lang="es">' in by_option.stdout
    assert "Hallazgos abiertos" in by_option.stdout and "orden de congelamiento" in by_option.stdout
    # The findings in the rules' own Spanish (title_es), as `replay --lang es` words them.
    assert "Caducó una orden de congelamiento" in by_option.stdout
    top = invoke(store, "--lang", "es", "report", "--case", "PA-2019-0117",
                 "--as-of", "2021-12-31", "--known-at", KNOWN_AT)  # fmt: skip
    assert top.stdout == by_option.stdout


def test_an_unknown_case_is_one_line_of_bad_input(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    result = invoke(store, "report", "--case", "NOPE", "--out", str(out))
    assert result.exit_code == 3
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: --case NOPE: no events in this case")
    assert not out.exists()


def test_an_unknown_language_is_a_usage_error(store: Path) -> None:
    result = invoke(store, "report", "--case", "PA-2019-0117", "--lang", "fr")
    assert result.exit_code == 2
