"""The basis of an output as every report words it (comity.report.basis)."""

from __future__ import annotations

from comity import i18n
from comity.audit.basis import Basis, LogHead
from comity.report.basis import WIDTH, basis_json, basis_lines

HEAD = LogHead(position=95, hash="ab" * 32)
VERSIONS = {"comity": "0.1.0", "durable-rules": "2.0.28"}


def basis(checkpoint: dict[str, object] | None) -> Basis:
    return Basis(
        head=HEAD,
        checkpoint=checkpoint,
        rulepack="cd" * 32,
        versions=VERSIONS,
        as_of="2021-06-30",
        known_at="2099-01-01T00:00:00Z",
    )


def test_the_json_member_is_the_basis_itself() -> None:
    assert basis_json(None) == {}
    assert basis_json(basis(None)) == {
        "basis": {
            "as_of": "2021-06-30",
            "known_at": "2099-01-01T00:00:00Z",
            "log": {"size": 95, "position": 95, "hash": "ab" * 32},
            "checkpoint": None,
            "rulepack": "cd" * 32,
            "versions": VERSIONS,
        }
    }


def test_lines_share_a_row_only_when_it_fits() -> None:
    lines = list(basis_lines(basis(None)))
    assert lines == [
        f"Log: 95 records, head {'ab' * 32}",
        "Checkpoint: none signed yet; Versions: comity 0.1.0, durable-rules 2.0.28",
    ]
    signed = {"origin": "fiscalia.example/pa/events", "size": 90, "root": "x" * 44}
    lines = list(basis_lines(basis(signed), indent=2))
    assert lines == [
        f"  Log: 95 records, head {'ab' * 32}",
        f"  Checkpoint: fiscalia.example/pa/events at size 90, root {'x' * 44} (covers this head)",
        "  Versions: comity 0.1.0, durable-rules 2.0.28",
    ]
    assert all(len(line) <= WIDTH for line in lines[::2])
    beyond = {**signed, "size": 99}
    assert "(beyond this cut)" in list(basis_lines(basis(beyond)))[1]


def test_in_spanish() -> None:
    with i18n.use("es"):
        lines = list(basis_lines(basis(None), rulepack=True))
    assert lines[0] == f"Registro: 95 registros, cabeza {'ab' * 32}"
    assert lines[1] == "Punto de control: ninguno firmado aún"
    assert lines[2] == f"Paquete de reglas: {'cd' * 32}"
    assert lines[3] == "Versiones: comity 0.1.0, durable-rules 2.0.28"
