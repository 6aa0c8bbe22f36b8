"""The components of the OpenAPI document: the event schema as components, and the
schemas of what the service answers (findings, deadlines, problems, cuts, tokens).

Kept apart from the operations (:mod:`comity.service.openapi`), which refer to these
by name: the shapes of the answers change with the findings and the event format,
the operations with the routes. OpenAPI 3.1 schemas are JSON Schema 2020-12, so the
event schema of `comity schema` is embedded as it is: its `$defs` become components
(`Event.case_opened`, ...) and its references are rewritten to point there.
"""

from __future__ import annotations

from typing import Any

from comity.events.schema import event_schema
from comity.rules.pack import CATEGORIES, SEVERITIES

__all__ = ["PROBLEM_REF", "SCHEMAS", "TEXT", "event_components", "ref"]

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = "#/components/schemas/Event." + value.removeprefix("#/$defs/")
            else:
                out[key] = _rewrite(value)
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def event_components() -> dict[str, Any]:
    schema = event_schema()
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    components = {"Event": _rewrite(schema)}
    for name, sub in defs.items():
        components[f"Event.{name}"] = _rewrite(sub)
    return components


_INSTANT = {"type": "string", "description": "a UTC instant, 2020-12-31T18:00:00Z"}
TEXT = {"type": "string"}
_TEXTS = {"type": "array", "items": TEXT}
_NULLABLE_TEXT = {"type": ["string", "null"]}

_CUT = {
    "as_of": {"type": "string", "description": "valid time of the cut (a date or instant)"},
    "known_at": _INSTANT,
    "rulepack": {"type": "string", "description": "the rule pack digest"},
}

_BASIS = {
    "type": "object",
    "description": (
        "What the output stands on (docs/audit.md): the cut, the log head covered, the "
        "latest signed checkpoint of the event log (or null), the rule pack, the versions."
    ),
    "required": ["as_of", "known_at", "log", "checkpoint", "rulepack", "versions"],
    "properties": {
        "as_of": _NULLABLE_TEXT,
        "known_at": _NULLABLE_TEXT,
        "log": {
            "type": "object",
            "required": ["size", "position", "hash"],
            "properties": {
                "size": {"type": "integer"},
                "position": {"type": "integer"},
                "hash": TEXT,
            },
        },
        "checkpoint": {"type": ["object", "null"]},
        "rulepack": _NULLABLE_TEXT,
        "versions": {"type": "object", "additionalProperties": TEXT},
    },
}

_FAILURES = {
    "type": "array",
    "description": (
        "the cases in scope whose replay failed (no findings are stored for them; "
        "`comity findings` exits 4 naming them): present only when there are some"
    ),
    "items": {
        "type": "object",
        "required": ["case_id", "error"],
        "properties": {"case_id": TEXT, "error": TEXT},
    },
}

SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `detail` holds the CLI's lines.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": TEXT,
            "title": TEXT,
            "status": {"type": "integer"},
            "detail": TEXT,
            "instance": TEXT,
            "failures": _FAILURES,
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["source", "line", "path", "message"],
                    "properties": {
                        "source": TEXT,
                        "line": {"type": ["integer", "null"]},
                        "path": TEXT,
                        "message": TEXT,
                    },
                },
            },
        },
    },
    "StoredEvent": {
        "type": "object",
        "description": "An event with the log's envelope: as `comity log --format jsonl`.",
        "required": ["type", "event_id", "case_id", "recorded_at", "seq", "position", "hash"],
        "properties": {
            "type": TEXT,
            "event_id": TEXT,
            "case_id": TEXT,
            "recorded_at": _INSTANT,
            "seq": {"type": "integer", "minimum": 1},
            "position": {"type": "integer", "minimum": 1},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    },
    "Finding": {
        "type": "object",
        "description": "A finding as `Finding.to_json()` gives it (docs/cli.md).",
        "required": [
            "finding_id",
            "case_id",
            "category",
            "code",
            "rule",
            "rulepack",
            "severity",
            "title",
            "message",
            "jurisdictions",
            "assets",
            "due",
            "raised_at",
            "resolved_at",
            "resolved_by",
            "because",
            "legal_basis",
        ],
        "properties": {
            "finding_id": TEXT,
            "case_id": TEXT,
            "category": {"enum": list(CATEGORIES)},
            "code": TEXT,
            "rule": TEXT,
            "rulepack": TEXT,
            "severity": {"enum": list(SEVERITIES)},
            "title": TEXT,
            "message": TEXT,
            "jurisdictions": _TEXTS,
            "assets": _TEXTS,
            "due": _NULLABLE_TEXT,
            "raised_at": TEXT,
            "resolved_at": _NULLABLE_TEXT,
            "resolved_by": {"type": ["array", "null"], "items": TEXT},
            "because": _TEXTS,
            "legal_basis": {"type": "array", "items": {"type": "object"}},
            "deadline": {"type": "object"},
            "superseded_by": TEXT,
        },
    },
    "OpenDeadline": {
        "type": "object",
        "description": "A deadline running at the cut; more fields by rule (docs/cli.md).",
        "required": ["case_id", "rule", "code", "ref", "due", "breach_at", "because"],
        "properties": {
            "case_id": TEXT,
            "rule": TEXT,
            "code": TEXT,
            "ref": TEXT,
            "due": TEXT,
            "breach_at": TEXT,
            "because": _TEXTS,
        },
    },
    "Cut": {
        "type": "object",
        "required": [*_CUT, "position"],
        "properties": {**_CUT, "position": {"type": "integer", "minimum": 0}},
    },
    "AppendResult": {
        "type": "object",
        "required": ["stored", "already_stored"],
        "properties": {
            "stored": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["event_id", "case_id", "seq", "position", "hash"],
                    "properties": {
                        "event_id": TEXT,
                        "case_id": TEXT,
                        "seq": {"type": "integer"},
                        "position": {"type": "integer"},
                        "hash": TEXT,
                    },
                },
            },
            "already_stored": _TEXTS,
        },
    },
    "CaseEvents": {
        "type": "object",
        "required": ["case_id", "last_seq", "events"],
        "properties": {
            "case_id": TEXT,
            "last_seq": {"type": "integer"},
            "events": {"type": "array", "items": ref("StoredEvent")},
        },
    },
    "CaseFindings": {
        "allOf": [ref("Cut")],
        "type": "object",
        "required": ["basis", "case_id", "findings", "open_deadlines"],
        "properties": {
            "basis": _BASIS,
            "case_id": TEXT,
            "findings": {"type": "array", "items": ref("Finding")},
            "open_deadlines": {"type": "array", "items": ref("OpenDeadline")},
        },
    },
    "Findings": {
        "allOf": [ref("Cut")],
        "type": "object",
        "required": ["basis", "findings"],
        "properties": {
            "basis": _BASIS,
            "findings": {"type": "array", "items": ref("Finding")},
            "failures": _FAILURES,
        },
    },
    "Explanation": {
        "allOf": [ref("Cut")],
        "type": "object",
        "required": ["basis", "finding", "rule", "because", "resolved_by"],
        "properties": {
            "basis": _BASIS,
            "finding": ref("Finding"),
            "rule": {"type": ["object", "null"]},
            "because": {
                "type": "array",
                "items": {"oneOf": [ref("StoredEvent"), {"type": "null"}]},
            },
            "resolved_by": {
                "type": "array",
                "items": {"oneOf": [ref("StoredEvent"), {"type": "null"}]},
            },
        },
    },
    "Deadlines": {
        "type": "object",
        "required": [*_CUT, "within", "deadlines"],
        "properties": {
            **_CUT,
            "basis": _BASIS,
            "within": {"type": ["integer", "null"]},
            "failures": _FAILURES,
            "deadlines": {"type": "array", "items": ref("OpenDeadline")},
        },
    },
    "ReplayRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "as_of": {"type": "string", "description": "2020-12-31 or 2020-12-31T18:00:00Z"},
            "known_at": _INSTANT,
            "cases": {"type": "array", "items": TEXT, "maxItems": 1000},
        },
    },
    "Replay": {
        "type": "object",
        "description": "The document of `comity replay --format json`.",
        "required": [*_CUT, "cases"],
        "properties": {
            **_CUT,
            "basis": _BASIS,
            "cases": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["case_id"],
                    "properties": {
                        "case_id": TEXT,
                        "error": TEXT,
                        "findings": {"type": "array", "items": ref("Finding")},
                        "open_deadlines": {"type": "array", "items": ref("OpenDeadline")},
                    },
                },
            },
        },
    },
    "Checkpoint": {
        "type": "object",
        "required": ["log", "origin", "size", "root", "recorded_at", "note"],
        "properties": {
            "log": {"enum": ["events", "disclosures"]},
            "origin": TEXT,
            "size": {"type": "integer"},
            "root": TEXT,
            "recorded_at": TEXT,
            "note": {"type": "string", "description": "the C2SP signed note itself"},
        },
    },
    "Disclosures": {
        "type": "object",
        "required": ["disclosures"],
        "properties": {
            "disclosures": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["position", "record_id", "recorded_at", "kind", "actor", "hash"],
                    "properties": {
                        "position": {"type": "integer"},
                        "record_id": TEXT,
                        "recorded_at": TEXT,
                        "kind": TEXT,
                        "actor": TEXT,
                        "hash": TEXT,
                        "record": {"type": "object"},
                    },
                },
            }
        },
    },
    "TokenRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "roles"],
        "properties": {
            "name": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"},
            "roles": {
                "type": "array",
                "minItems": 1,
                "items": {"enum": ["writer", "reader", "auditor", "admin"]},
            },
        },
    },
    "Token": {
        "type": "object",
        "required": ["name", "roles", "created_at", "revoked_at"],
        "properties": {
            "name": TEXT,
            "roles": _TEXTS,
            "created_at": TEXT,
            "revoked_at": _NULLABLE_TEXT,
        },
    },
}
