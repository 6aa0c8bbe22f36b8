"""Spanish for every text a prosecutor sees besides the reports: the errors of input
(ingest, append), of the store, of keys and files, and the lines `verify`, `watch`,
`log`, `audit log`, `keygen`, `checkpoint`, `prove`, `copy`, `report --out` and
`rules list/show` print. Each test runs the command under `--lang es` (or
COMITY_LANG) and checks the Spanish, and checks that English is what it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

from comity.cli import cli
from comity.events import EVENT_TYPES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PANAMA = "PA-2019-0117"
KNOWN_AT = "2099-01-01T00:00:00Z"
OPENED = {
    "type": "case_opened",
    "case_id": "X-1",
    "event_id": "x-1",
    "occurred_at": "2020-01-02",
    "lead_jurisdiction": "PA",
}


def run(store: Path | str, *args: str, lang: str | None = "es", **kwargs: Any) -> Result:
    head = ("--lang", lang) if lang else ()
    return CliRunner().invoke(
        cli, ["--store", str(store), *head, *args], catch_exceptions=False, **kwargs
    )


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "comity.db"
    assert run(path, "init").exit_code == 0
    example = EXAMPLES / "panama-drug-trafficking.jsonl"
    assert run(path, "ingest", str(example)).exit_code == 0
    return path


def test_an_ingest_refused_line_by_line_in_spanish(store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    dated = {**OPENED, "occurred_at": "2020-13-01", "lead_jurisdiction": "PX"}
    lines = [
        '{"type": "case_opened", "case_id": "X",',
        '{"type": "nope"}',
        "",
        json.dumps(dated),
        json.dumps({**OPENED, "amount": 1}),
        json.dumps({k: v for k, v in OPENED.items() if k != "event_id"}),
    ]
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(store, "ingest", str(bad))
    assert result.exit_code == 3
    allowed = ["type", *(f.name for f in attrs.fields(EVENT_TYPES["case_opened"]))]
    assert errors(result) == [
        f"Error: {bad}:1: JSON mal formado: se esperaba un nombre de campo entre comillas "
        "dobles (columna 40)",
        f'Error: {bad}:2: type: tipo de evento desconocido "nope"; se esperaba uno de '
        + ", ".join(EVENT_TYPES),
        f"Error: {bad}:3: línea en blanco; JSON Lines tiene un evento en cada línea",
        f"Error: {bad}:4: occurred_at: se esperaba una fecha ISO (AAAA-MM-DD), "
        'se recibió "2020-13-01"',
        f'Error: {bad}:4: lead_jurisdiction: se esperaba un código ISO 3166-1 alfa-2 como "PA" '
        '(o "EU"), se recibió "PX"',
        f"Error: {bad}:5: amount: campo desconocido; el formato v1 no admite otros campos "
        "(admitidos: " + ", ".join(allowed) + ")",
        f"Error: {bad}:6: event_id: es obligatorio",
    ]
    english = run(store, "ingest", str(bad), lang="en")
    assert errors(english)[0] == (
        f"Error: {bad}:1: malformed JSON: Expecting property name enclosed in double quotes "
        "(column 40)"
    )
    assert errors(english)[-1] == f"Error: {bad}:6: event_id: is required"


def test_input_limits_and_encodings_in_spanish(store: Path, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.jsonl"
    latin.write_bytes(
        json.dumps({**OPENED, "title": "Panamá"}, ensure_ascii=False).encode("latin-1") + b"\n"
    )
    result = run(store, "ingest", str(latin))
    assert result.exit_code == 3
    (line,) = errors(result)
    assert line.startswith(f"Error: {latin}:1: no es UTF-8 (byte ")
    assert line.endswith("); guarde el archivo en UTF-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert errors(run(store, "ingest", str(empty))) == [
        f"Error: {empty}: entrada vacía: no hay eventos que añadir"
    ]
    twice = tmp_path / "twice.jsonl"
    twice.write_text(json.dumps(OPENED) + "\n" + json.dumps(OPENED) + "\n", encoding="utf-8")
    assert errors(run(store, "ingest", str(twice))) == [
        f"Error: {twice}:2: event_id: 'x-1' ya aparece en la línea 1; cada evento necesita su "
        "propio event_id"
    ]
    money: dict[str, Any] = {
        **OPENED,
        "type": "asset_located",
        "asset_id": "A",
        "asset_type": "cash",
    }
    money |= {"jurisdiction": "PA", "value": {"amount": 10.5, "currency": "USD"}}
    del money["lead_jurisdiction"]
    (line,) = errors(run(store, "append", "--json", json.dumps(money)))
    assert line == (
        "Error: --json: value.amount: se esperaba una cadena decimal como "
        '"150000.00", se recibió el número 10.5; ponga el importe entre comillas para que no '
        "se pierda precisión"
    )


def test_append_errors_in_spanish(store: Path) -> None:
    usage = run(store, "append", "--type", "case_opened")
    assert usage.exit_code == 2
    assert "Error: falta --case, --id, --at (o indique el evento completo con --json)" in (
        usage.stderr
    )
    combined = run(store, "append", "--json", "{}", "--case", "X")
    assert "Error: --json no puede combinarse con --case" in combined.stderr
    field = run(store, "append", "--type", "case_opened", "--case", "X", "--id", "x",
                "--at", "2020-01-01", "--field", "oops")  # fmt: skip
    assert field.exit_code == 2
    assert "'oops': se esperaba NOMBRE=VALOR, p. ej. jurisdiction=PA" in field.stderr
    twice = run(store, "append", "--json", '{"type": "case_opened", "type": "case_closed"}')
    assert twice.exit_code == 3
    assert errors(twice) == [
        'Error: --json: la clave "type" aparece dos veces en un mismo objeto; indique cada '
        "campo una sola vez"
    ]
    nan = run(store, "append", "--json", '{"type": NaN}')
    assert errors(nan) == ["Error: --json: NaN no es un valor JSON"]
    wrong = {**OPENED, "type": "mla_request_sent", "request_id": "R1"}
    wrong |= {
        "requesting_jurisdiction": "PA",
        "requested_jurisdiction": "PA",
        "purpose": "evidence",
    }
    del wrong["lead_jurisdiction"]
    (line,) = errors(run(store, "append", "--json", json.dumps(wrong)))
    assert line == (
        "Error: --json: requested_jurisdiction: una solicitud de asistencia de PA a sí misma; "
        "indique la jurisdicción requerida"
    )
    stored = run(store, "append", "--json", json.dumps(OPENED))
    assert stored.stdout.startswith("Se guardó x-1") or "x-1" in stored.stdout
    changed = {**OPENED, "title": "otro"}
    duplicate = run(store, "append", "--json", json.dumps(changed))
    assert duplicate.exit_code == 3
    assert errors(duplicate)[0].startswith(
        "Error: el event_id 'x-1' ya está guardado con otro contenido"
    )
    assert errors(duplicate)[0].endswith("; use un event_id nuevo")
    later = {**OPENED, "event_id": "x-2", "type": "case_closed"}
    del later["lead_jurisdiction"]
    conflict = run(store, "append", "--json", json.dumps(later), "--expected-seq", "0")
    assert conflict.exit_code == 4
    assert errors(conflict) == [
        "Error: caso 'X-1': se esperaba como último seq 0, pero el registro está en 1; "
        "vuelva a leer el caso e inténtelo de nuevo"
    ]


def test_a_store_that_is_not_there_in_spanish(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    for command in (("verify",), ("log",), ("replay",), ("watch", "--once")):
        result = run(missing, *command, env={"COMITY_LANG": "es"}, lang=None)
        assert result.exit_code == 4, command
        assert errors(result) == [
            f"Error: {missing}: no hay ningún almacén de comity allí; ejecute `comity init` "
            "para crearlo (o indique otro con --store / COMITY_STORE)"
        ]
    assert not missing.exists()
    other = tmp_path / "other.txt"
    other.write_text("not a database at all, " * 100, encoding="utf-8")
    result = run(other, "verify")
    assert result.exit_code == 4
    assert errors(result) == [
        f"Error: {other}: no es una base de datos SQLite, por lo que no es un almacén de "
        "comity; indique otro archivo con --store"
    ]
    english = run(missing, "verify", lang="en")
    assert errors(english)[0].startswith(f"Error: {missing}: no comity store there;")


def test_verify_keys_checkpoints_and_proofs_in_spanish(store: Path, tmp_path: Path) -> None:
    key = tmp_path / "signing.key"
    made = run(store, "keygen", "--out", str(key))
    assert made.exit_code == 0
    lines = made.stdout.splitlines()
    assert lines[0] == f"clave privada:  {key.absolute()} (modo 0600; manténgala en secreto)"
    assert lines[1] == f"clave pública:  {key.absolute()}.pub"
    assert lines[2].startswith("id de la clave: comity.local/log+")
    assert key.read_text().strip() not in made.output
    again = run(store, "keygen", "--out", str(key))
    assert errors(again) == [f"Error: {key}: ya existe; elija otro --out o elimínelo"]
    nokey = tmp_path / "none.key"
    assert errors(run(store, "checkpoint", "--key", str(nokey))) == [
        f"Error: {nokey}: no se puede leer la clave de firma (No such file or directory)"
    ]
    assert errors(run(store, "checkpoint", env={"COMITY_SIGNING_KEY": ""})) == [
        "Error: no hay clave de firma: indique --key ARCHIVO o defina COMITY_SIGNING_KEY "
        "(cree una con `comity keygen --out ARCHIVO`)"
    ]
    signed = run(store, "checkpoint", "--key", str(key))
    assert signed.exit_code == 0
    note = tmp_path / "cp.txt"
    note.write_text(signed.stdout, encoding="utf-8")
    verified = run(store, "verify", "--against", str(note), "--public-key", f"{key}.pub")
    assert verified.exit_code == 0, verified.output
    out = verified.stdout.splitlines()
    assert out[0].startswith("49 registros, cabeza ")
    assert (
        out[1] == "punto de control guardado comity.local/log/events en el tamaño 49: se verifica"
    )
    assert out[2] == (
        f"punto de control {note}: comity.local/log/events en el tamaño 49 se verifica; "
        "el registro tiene 49 registros"
    )
    english = run(store, "verify", lang="en").stdout.splitlines()
    assert english[0].startswith("49 records, head ")
    assert english[1] == "stored checkpoint comity.local/log/events at size 49: holds"
    half = run(store, "verify", "--against", str(note))
    assert half.exit_code == 2 and "Error: --against y --public-key van juntos" in half.stderr
    assert errors(run(store, "prove", "--position", "50")) == [
        "Error: --position 50 excede el tamaño 49"
    ]
    assert errors(run(store, "prove", "--from-size", "3", "--size", "60")) == [
        "Error: --size 60: el registro events solo contiene 49 registros"
    ]
    neither = run(store, "prove")
    assert "Error: indique exactamente una de --position y --from-size" in neither.stderr


def test_watch_log_audit_log_copy_and_report_lines_in_spanish(store: Path, tmp_path: Path) -> None:
    watched = run(store, "watch", "--once")
    assert watched.exit_code == 0, watched.output
    lines = watched.stderr.splitlines()
    assert lines[0].startswith("poniéndose al día: 1 caso, 49 de 49 eventos (")
    assert lines[-1].startswith("almacén de hallazgos al día: posición del registro 49, al ")
    assert ", paquete de reglas " in lines[-1]
    log = run(store, "log", "--case", PANAMA)
    header = log.stdout.splitlines()[0].split()
    assert header == ["posición", "sec.", "registrado", "el", "caso", "tipo", "ocurrido", "el",
                      "id", "del", "evento"]  # fmt: skip
    assert log.stderr.startswith("disclosure: ")  # read by scripts, in every language
    english = run(store, "log", "--case", PANAMA, lang="en").stdout.splitlines()[0].split()
    assert english == ["position", "seq", "recorded_at", "case", "type", "occurred_at", "event_id"]
    report = tmp_path / "report.html"
    made = run(store, "report", "--case", PANAMA, "--as-of", "2021-12-31", "--known-at", KNOWN_AT,
               "--out", str(report))  # fmt: skip
    assert made.exit_code == 0, made.output
    assert made.stderr.splitlines()[-1] == (
        f"informe del caso {PANAMA} al 2021-12-31, conocido al {KNOWN_AT} escrito en {report}"
    )
    audit = run(store, "audit", "log").stdout.splitlines()
    assert audit[0].split()[:3] == ["posición", "registrado", "el"]
    assert audit[-1] == "3 registros."
    assert "0 hallazgos, " in audit[1]
    jsonl = run(store, "replay", "--format", "jsonl", "--case", PANAMA)
    assert jsonl.stderr.startswith("comity replay al ") and ", paquete de reglas " in jsonl.stderr
    assert (
        jsonl.stdout
        == run(store, "replay", "--format", "jsonl", "--case", PANAMA, lang="en").stdout
    )
    misplaced = run(store, "deadlines", "--out", str(tmp_path / "x.ics"))
    assert misplaced.exit_code == 2 and "Error: --out va con --format ics" in misplaced.stderr
    copied = run(store, "copy", str(store), str(tmp_path / "copy.db"))
    assert copied.stdout.startswith(f"Se copiaron 49 registros de {store} a ")
    # The log shown in Spanish is recorded with its language, and reproduces in it.
    reproduced = run(store, "audit", "reproduce", "--all", lang="en")
    assert reproduced.exit_code == 0, reproduced.output


def test_rules_list_and_show_labels_in_spanish() -> None:
    listed = run("memory:", "rules", "list").stdout.splitlines()
    assert listed[0].split() == ["id", "código", "categoría", "gravedad", "título"]
    assert listed[1].split()[:4] == ["DL-001", "order_expired", "deadline", "crítico"]
    shown = run("memory:", "rules", "show", "DL-001").stdout.splitlines()
    assert shown[1].startswith("  título:           Caducó una orden de congelamiento")
    assert shown[3] == "  gravedad:         crítico"
    assert shown[4] == "  definida en       rules/deadlines.toml"
    shown_text = "\n".join(shown)
    assert "  empieza cuando:" in shown_text and "  se cumple con" in shown_text
    # the parameters a deadline clause reads: labels and counting in Spanish, the
    # sources' own words (caveats, notes) as read
    period = [
        line.strip() for line in run("memory:", "rules", "show", "DL-005").stdout.splitlines()
    ]
    assert any(line.startswith("fiabilidad:  verificado") for line in period)
    assert any(
        line.startswith("cómputo:     el día del hecho que lo inicia no se cuenta")
        for line in period
    )
    assert any(line.startswith("desde el ") and "días hábiles" in line for line in period)
    assert any(line.startswith("advertencia: A working day excludes") for line in period)
    english = run("memory:", "rules", "show", "DL-001", lang="en").stdout.splitlines()
    assert english[1].startswith("  title:     ") and english[3] == "  severity:  critical"


def test_comity_policy_is_worded_in_spanish_and_citations_stay(store: Path) -> None:
    out = run(store, "replay", "--case", PANAMA, "--as-of", "2021-12-31",
              "--known-at", KNOWN_AT).stdout  # fmt: skip
    text = " ".join(out.split())
    assert (
        "política de comity, plazo de seguimiento del próximo paso follow_up_request "
        "(política de comity, no ley)"
    ) in text
    assert "UNCAC art. 46(24)" in text  # as published
    assert "comity policy" not in text
