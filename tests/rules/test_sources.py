"""Every legal reference of the built-in pack cites an official publisher, every
"verified" one says where its wording was read, and no user-visible text of the pack
is a remark about how it was researched rather than a caveat a lawyer can act on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from comity.errors import RulePackError
from comity.rules import RulePack, load_pack
from legal_wording import OFFICIAL_PUBLISHERS, research_remarks

ROOT = Path(__file__).resolve().parents[2]
SOURCES_MD = ROOT / "docs" / "sources.md"


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return load_pack()


def _addresses(pack: RulePack) -> Iterator[tuple[str, str, str | None, str]]:
    """(where, address, read_at, confidence) for every reference a finding can cite."""
    for rule in pack.rules:
        for n, basis in enumerate(rule.legal_basis):
            where = f"rule {rule.id} legal_basis[{n}]"
            yield where, basis.reference, basis.read_at, basis.confidence
    for parameter in pack.parameters.values():
        for value in parameter.values:
            if value.confidence == "policy":
                continue  # a comity setting points into these docs, not at a law
            where = f"parameter {parameter.name} from {value.valid_from}"
            ref = value.reference
            yield where, ref.address, ref.read_at, value.confidence
            for also in ref.also:
                yield f"{where} (also)", also, None, "unverified"


def _user_texts(pack: RulePack) -> Iterator[tuple[str, str]]:
    """Every text of the pack that reaches a finding, `explain` or `rules show`."""
    for rule in pack.rules:
        for field in ("title", "description", "message"):
            yield f"rule {rule.id}.{field}", getattr(rule, field)
        for n, basis in enumerate(rule.legal_basis):
            for field in ("instrument", "article", "note"):
                text = getattr(basis, field)
                if text:
                    yield f"rule {rule.id}.legal_basis[{n}].{field}", text
    for parameter in pack.parameters.values():
        for field in ("title", "description", "trigger"):
            text = getattr(parameter, field)
            if text:
                yield f"parameter {parameter.name}.{field}", text
        for value in parameter.values:
            where = f"parameter {parameter.name} from {value.valid_from}"
            texts = {
                "note": value.note,
                "reference.instrument": value.reference.instrument,
                "reference.article": value.reference.article,
                "counting.caveat": value.counting.caveat if value.counting else None,
                "counting.source": value.counting.source if value.counting else None,
            }
            for field, text in texts.items():
                if text:
                    yield f"{where}.{field}", text


def test_every_reference_cites_an_official_publisher(pack: RulePack) -> None:
    wrong = [
        f"{where}: {address}"
        for where, address, _, _ in _addresses(pack)
        if urlsplit(address).hostname not in OFFICIAL_PUBLISHERS
    ]
    assert not wrong, "not an official publisher (see docs/sources.md):\n" + "\n".join(wrong)


def test_every_verified_reference_says_where_its_wording_was_read(pack: RulePack) -> None:
    missing = [
        where
        for where, _, read_at, confidence in _addresses(pack)
        if confidence == "verified" and not read_at
    ]
    assert not missing, "verified without read_at:\n" + "\n".join(missing)
    copies = [read_at for _, _, read_at, _ in _addresses(pack) if read_at]
    assert copies and all(a.startswith(("https://", "http://")) for a in copies)


def test_no_user_visible_text_is_a_research_remark(pack: RulePack) -> None:
    found = [
        f"{where}: {', '.join(remarks)}"
        for where, text in _user_texts(pack)
        if (remarks := research_remarks(text))
    ]
    assert not found, "research remarks a user would see:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("text", "remark"),
    [
        ("D29. Start date from memory.", "D29"),
        ("the article number is not in the notes", "notes"),
        ("US counting is not in the notes", "notes"),
        ("seen in a secondary source", "seen in"),
        ("TODO check", "TODO"),
    ],
)
def test_the_scan_catches_the_remarks_it_is_for(text: str, remark: str) -> None:
    assert remark in research_remarks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Directive (EU) 2024/1640 (AMLD6)",
        "The 30-day limit has not been checked against the wording of 981(b)(4).",
        "If the limit cannot be met the executing authority informs the issuing authority.",
    ],
)
def test_the_scan_leaves_legal_caveats_alone(text: str) -> None:
    assert research_remarks(text) == []


def _documented_hosts() -> set[str]:
    text = SOURCES_MD.read_text(encoding="utf-8")
    section = text[text.index("## Official publishers") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE))


def test_the_documented_list_is_this_list() -> None:
    assert _documented_hosts() == set(OFFICIAL_PUBLISHERS)


_USER_PARAM = """format = 1

[mine.period]
title = "A period of our own"
unit = "calendar_days"
counting = { trigger_counts = false, roll_forward = true }
reference.instrument = "Our statute"
reference.article = "1"
reference.address = "https://example.org/s"
reference.read_at = "READ_AT"

[[mine.period.values]]
from = 2010-01-01
amount = 12
confidence = "verified"
"""

_USER_RULE = """[[rule]]
id = "US-001"
code = "send_mla_request"
category = "next_step"
severity = "info"
title = "t"
description = "d"
message = "m"
when = ['c: case']
[[rule.legal_basis]]
instrument = "Our statute"
article = "2"
reference = "https://example.org/s"
read_at = "READ_AT"
confidence = "verified"
"""


def _user_pack(tmp_path: Path, read_at: str) -> Path:
    (tmp_path / "params").mkdir(parents=True)
    (tmp_path / "params" / "mine.toml").write_text(
        _USER_PARAM.replace("READ_AT", read_at), encoding="utf-8"
    )
    (tmp_path / "rules.toml").write_text(_USER_RULE.replace("READ_AT", read_at), encoding="utf-8")
    return tmp_path


def test_read_at_is_kept_apart_from_the_official_address(tmp_path: Path) -> None:
    pack = load_pack(_user_pack(tmp_path, "https://mirror.example.org/s"))
    value = pack.parameters.require("mine.period", date(2020, 1, 1))
    assert value.reference.address == "https://example.org/s"
    assert value.reference.to_json()["read_at"] == "https://mirror.example.org/s"
    (basis,) = pack.rule("US-001").legal_basis
    assert basis.to_json() == {
        "instrument": "Our statute",
        "article": "2",
        "reference": "https://example.org/s",
        "read_at": "https://mirror.example.org/s",
        "confidence": "verified",
    }
    assert pack.digest != load_pack(_user_pack(tmp_path / "b", "https://other.example/s")).digest


def test_a_read_at_that_is_not_an_address_is_refused(tmp_path: Path) -> None:
    pack_dir = _user_pack(tmp_path, "my own copy")
    with pytest.raises(RulePackError, match=r"legal_basis\[0\]\.read_at: expected a public http"):
        load_pack(pack_dir)
    (pack_dir / "rules.toml").unlink()
    with pytest.raises(RulePackError, match=r"reference\.read_at: expected a public http\(s\)"):
        load_pack(pack_dir)
