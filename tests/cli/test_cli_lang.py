"""Spanish on the command line: `--lang es`, COMITY_LANG, the locale; JSON unchanged.

The Panama example is replayed and read in Spanish as a prosecutor would read it:
the rule's own Spanish message with the case's values, Spanish labels, the citations
as published, and errors in Spanish too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PANAMA = "PA-2019-0117"
AS_OF = "2024-06-30"
KNOWN_AT = "2099-01-01T00:00:00Z"


def invoke(runner: CliRunner, store: Path, *args: str, **kwargs: Any) -> Result:
    return runner.invoke(cli, ["--store", str(store), *args], catch_exceptions=False, **kwargs)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store(runner: CliRunner, tmp_path: Path) -> Path:
    path = tmp_path / "comity.db"
    assert invoke(runner, path, "init").exit_code == 0
    for example in sorted(EXAMPLES.glob("*.jsonl")):
        assert invoke(runner, path, "ingest", str(example)).exit_code == 0
    return path


def replay(
    runner: CliRunner, store: Path, *args: str, lang: str | None = None, **kwargs: Any
) -> Result:
    """`comity [--lang L] replay --case PANAMA ... ARGS`."""
    head = ("--lang", lang) if lang else ()
    result = invoke(
        runner,
        store,
        *head,
        "replay",
        "--case",
        PANAMA,
        "--as-of",
        AS_OF,
        "--known-at",
        KNOWN_AT,
        *args,
        **kwargs,
    )
    assert result.exit_code == 0, result.output
    return result


def spanish_count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def test_the_panama_example_in_spanish(runner: CliRunner, store: Path) -> None:
    data = json.loads(replay(runner, store, "--format", "json").stdout)
    findings = data["cases"][0]["findings"]
    opened = [f for f in findings if f["resolved_at"] is None]
    overlaps = [f for f in findings if f["category"] == "overlap"]
    overlaps_open = sum(f["resolved_at"] is None for f in overlaps)
    by = {s: sum(f["severity"] == s for f in opened) for s in ("critical", "warning", "info")}
    out = replay(runner, store, lang="es").stdout
    assert out.startswith(f"comity replay al {AS_OF}, conocido al {KNOWN_AT}\n")
    assert "paquete de reglas " in out and "(integrado)" in out
    assert f"== Caso {PANAMA}" in out
    assert "Plazos incumplidos: 1" in out
    assert (
        "Jurisdicciones concurrentes: "
        + spanish_count(overlaps_open, "abierto", "abiertos")
        + ", "
        + spanish_count(len(overlaps) - overlaps_open, "resuelto", "resueltos")
    ) in out
    assert "    CRÍTICO   order_expired (DL-001)" in out
    text = " ".join(out.split())
    # the rule's Spanish message, with the case's values and the order type in words
    assert (
        "La orden O1 (congelamiento, PA) sobre A1 caducó: estaba vigente hasta el 2020-03-05 "
        "y no fue prorrogada, levantada ni seguida de decomiso."
    ) in text
    # what resolved a finding, named in Spanish
    assert "resuelto el 2019-05-20 por orden dictada del 2019-05-20 (pa117-021)" in text
    assert (
        "resuelto el 2019-03-20 por solicitud de asistencia judicial recíproca enviada del "
        "2019-03-20 (pa117-012)"
    ) in text
    # citations stay as published
    assert (
        "fundamento jurídico: UNCAC art. 54(2); CETS 198 (Warsaw Convention) art. 41(1)(e)" in text
    )
    assert (
        f"1 caso reproducido: {len(opened)} hallazgos abiertos ("
        + spanish_count(by["critical"], "crítico", "críticos")
        + f", {by['warning']} de aviso, "
        + spanish_count(by["info"], "informativo", "informativos")
        + ")"
    ) in text
    # nothing of the English report's words is left in the lines comity writes itself
    for english in ("Missed deadlines", "Next steps", "resolved ", "raised ", "legal basis"):
        assert english not in out


def test_an_open_replay_in_spanish_fits_one_screen(runner: CliRunner, store: Path) -> None:
    # the full layout (--full: each finding whole); the brief one, the default with
    # --open, is tested in test_cli_brief.py
    result = invoke(
        runner,
        store,
        "--lang",
        "es",
        "replay",
        "--case",
        PANAMA,
        "--as-of",
        AS_OF,
        "--open",
        "--full",
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.endswith("no mostrados (solo hallazgos abiertos)") for line in lines)
    # The header names the basis in two lines (the log head; the checkpoint and the
    # versions); below it, the report fits a terminal window (60 lines)
    assert lines[2].startswith("Registro: 95 registros, cabeza ")
    assert lines[3].startswith("Punto de control: ninguno firmado aún; Versiones: comity ")
    assert len(lines) - 2 <= 60
    assert max(map(len, lines)) <= 100


def test_comity_lang_and_the_locale_choose_spanish(runner: CliRunner, store: Path) -> None:
    by_option = replay(runner, store, lang="es").stdout
    by_env = replay(runner, store, env={"COMITY_LANG": "es"}).stdout
    by_locale = replay(
        runner,
        store,
        env={
            "COMITY_LANG": None,
            "LANG": "es_PA.UTF-8",
            "LC_ALL": None,
            "LANGUAGE": None,
            "LC_MESSAGES": None,
        },
    ).stdout
    assert by_option == by_env == by_locale
    english = replay(runner, store, lang="en", env={"COMITY_LANG": "es"}).stdout
    assert "Missed deadlines: 1" in english
    assert replay(runner, store).stdout == english


def test_json_stays_in_english_byte_for_byte(runner: CliRunner, store: Path) -> None:
    for fmt in ("json", "jsonl"):
        english = replay(runner, store, "--format", fmt, lang="en")
        spanish = replay(runner, store, "--format", fmt, lang="es")
        assert spanish.stdout == english.stdout
    first = json.loads(english.stdout.splitlines()[0])
    assert first["message"].startswith("Send a request to CH")  # the engine's English


def test_errors_in_spanish(runner: CliRunner, store: Path) -> None:
    result = invoke(runner, store, "--lang", "es", "replay", "--case", "NOPE")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: --case NOPE: no hay eventos de este caso registrados")
    bad = invoke(runner, store, "--lang", "es", "replay", "--as-of", "31/12/2020")
    assert bad.exit_code == 3
    assert bad.stderr == (
        "Error: --as-of: se esperaba una fecha ISO (2020-12-31) o una fecha y hora UTC "
        '(2020-12-31T18:00:00Z), se recibió "31/12/2020"\n'
    )
    rule = runner.invoke(cli, ["--lang", "es", "rules", "show", "XX-9"])
    assert rule.exit_code == 3 and "no hay regla 'XX-9' en el paquete de reglas" in rule.stderr


def test_explain_cases_and_deadlines_in_spanish(runner: CliRunner, store: Path) -> None:
    data = json.loads(replay(runner, store, "--format", "json").stdout)
    missed = next(f for f in data["cases"][0]["findings"] if f["rule"] == "DL-001")
    out = invoke(
        runner,
        store,
        "--lang",
        "es",
        "explain",
        missed["finding_id"],
        "--as-of",
        AS_OF,
        "--known-at",
        KNOWN_AT,
    ).stdout
    assert f"Hallazgo {missed['finding_id']} del caso {PANAMA}" in out
    assert (
        "plazo incumplido, gravedad crítico: Caducó una orden de congelamiento o de incautación"
        in out
    )
    assert "Fundamento jurídico" in out and "Eventos en que se basa" in out
    cases = invoke(
        runner, store, "--lang", "es", "cases", "--as-of", "2019-04-01", "--known-at", KNOWN_AT
    ).stdout
    lines = cases.splitlines()
    assert [line.split(":")[0] for line in lines[1:5]] == [
        "Registro",
        "Punto de control",
        "Paquete de reglas",
        "Versiones",
    ]
    assert "caso" in lines[5] and "próximo vencimiento" in cases
    assert "(en 4 días) postponement_lapsed A3" in cases
    deadlines = invoke(
        runner, store, "--lang", "es", "deadlines", "--as-of", "2019-04-01", "--known-at", KNOWN_AT
    ).stdout
    assert deadlines.startswith("Plazos en curso al 2019-04-01")
    assert "fiu_suspension.CH: 5 días hábiles (no verificado)" in deadlines


def test_store_commands_findings_and_rules_in_spanish(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "es.db"
    created = invoke(runner, path, "--lang", "es", "init")
    assert created.stdout == f"Se creó un almacén vacío en {path}.\n"
    example = str(EXAMPLES / "panama-drug-trafficking.jsonl")
    ingested = invoke(runner, path, "--lang", "es", "ingest", example)
    assert ingested.stdout.startswith("49 guardados, 0 ya guardados (")
    assert invoke(runner, path, "watch", "--once").exit_code == 0
    table = invoke(runner, path, "--lang", "es", "findings", "--open").stdout
    assert table.startswith("Almacén de hallazgos al ")
    assert "Caducó una orden de congelamiento o de incautación" in table
    assert "crítico" in table and table.rstrip().endswith("abiertos.")
    listed = runner.invoke(cli, ["--lang", "es", "rules", "list"]).stdout
    assert "Un activo se encuentra en el extranjero y nada lo cubre allí" in listed
    assert "reglas; paquete de reglas " in listed.splitlines()[-1]
    shown = runner.invoke(cli, ["--lang", "es", "rules", "show", "ov-001"]).stdout
    assert shown.startswith("Regla OV-001: asset_abroad\n")
    assert "Mensaje" in shown and "Fundamento jurídico" in shown
    # the English of the same commands is as it was
    english = runner.invoke(cli, ["rules", "show", "OV-001"]).stdout
    assert "Message" in english and "An asset lies abroad and nothing covers it there" in english
