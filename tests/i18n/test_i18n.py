"""Spanish: every rule, every message of the source, every coded value has its words.

These tests read the rule pack and the source as they are, so a rule or a message
added later without its Spanish fails here, naming what is missing.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from comity import i18n
from comity.errors import RulePackError
from comity.events.types import EVENT_TYPES, AssetType, Certificate, MlaPurpose, OrderType
from comity.i18n.extract import extract
from comity.report import labels
from comity.report._coded import CODED
from comity.rules import load_pack

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)\}")
PO = Path(i18n.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "comity.po"


def read_catalog() -> typing.Any:
    from babel.messages.pofile import read_po

    with PO.open("rb") as handle:
        return read_po(handle, locale="es", domain="comity")


@pytest.mark.parametrize("rule", load_pack().rules, ids=lambda r: r.id)
def test_every_built_in_rule_has_its_title_and_message_in_spanish(rule: typing.Any) -> None:
    text = rule.text("es")
    assert text is not None, f"{rule.source}: rule {rule.id} has no title_es and message_es"
    assert set(PLACEHOLDER.findall(text.message)) == set(PLACEHOLDER.findall(rule.message))
    assert text.title != rule.title and text.message != rule.message


def test_every_message_of_the_source_is_translated() -> None:
    catalog = read_catalog()
    missing = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        strings = () if found is None else found.string
        strings = (strings,) if isinstance(strings, str) else strings
        if found is None or found.fuzzy or not all(strings):
            missing.append((message.context, message.id))
    assert missing == [], "run `python -m comity.i18n.extract` and translate these in " + str(PO)


def test_the_catalog_holds_no_message_the_source_has_lost() -> None:
    # One catalog for every text: the HTML report's and the calendar's labels too, so
    # an entry that no `_()`, `N_()`, template or coded mark writes any more is stale.
    wanted = {(m.context, m.id) for m in extract() if m.id}
    catalog = read_catalog()
    stale = sorted(
        (m.context or "", str(m.id)) for m in catalog if m.id and (m.context, m.id) not in wanted
    )
    assert stale == [], "run `python -m comity.i18n.extract`, which drops them from " + str(PO)
    assert list(catalog.obsolete) == []


def test_the_report_labels_come_from_the_same_catalog() -> None:
    from comity.report.html import _case

    assert labels.catalog("es") == i18n.translations("es")
    _ = labels.translator("es")
    assert _("freezing order") == "orden de congelamiento"
    assert _("confiscation order") == "orden de decomiso"
    assert _("MLA request sent") == "solicitud de asistencia judicial recíproca enviada"
    assert labels.translator("en")("freezing order") == "freezing order"
    # every event type has its words on the timeline, in each language
    assert set(_case._LABELS) == set(EVENT_TYPES)
    for words in _case._LABELS.values():
        assert _(words) != words, words
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        labels.translator("fr")


def test_translations_keep_every_placeholder() -> None:
    for message in read_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"\{[a-z_]*(?:![rs])?\}", ids[-1]))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in filter(None, strings):
            assert set(re.findall(r"\{[a-z_]*(?:![rs])?\}", string)) == wanted, message.id


def test_every_coded_value_is_marked() -> None:
    marked = set(CODED)
    wanted = {("event_type", t) for t in EVENT_TYPES}
    wanted |= {("order_type", v) for v in typing.get_args(OrderType)}
    wanted |= {("asset_type", v) for v in typing.get_args(AssetType)}
    wanted |= {("purpose", v) for v in typing.get_args(MlaPurpose)}
    wanted |= {("certificate", v) for v in typing.get_args(Certificate)}
    wanted |= {("severity", s) for s in ("info", "warning", "critical")}
    assert wanted - marked == set(), "add these to comity/report/_coded.py and the catalogs"


def test_spanish_legal_terms() -> None:
    with i18n.use("es"):
        assert i18n.pgettext("order_type", "freeze") == "congelamiento"
        assert i18n.pgettext("order_type", "confiscation") == "decomiso"
        assert i18n.pgettext("event_type", "mla_request_sent") == (
            "solicitud de asistencia judicial recíproca enviada"
        )
        assert i18n.ngettext("{n} working day", "{n} working days", 5) == "{n} días hábiles"
    assert i18n.pgettext("order_type", "freeze") == "freeze"  # English outside


@pytest.mark.parametrize(
    ("option", "environ", "wanted"),
    [
        ("es", {"COMITY_LANG": "en"}, "es"),
        (None, {"COMITY_LANG": "es", "LANG": "en_US.UTF-8"}, "es"),
        (None, {"COMITY_LANG": "ES"}, "es"),
        (None, {"COMITY_LANG": "fr"}, "en"),
        (None, {"LANG": "es_PA.UTF-8"}, "es"),
        (None, {"LC_ALL": "es_CO.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
        (None, {"LANGUAGE": "fr:es", "LANG": "es_PA.UTF-8"}, "en"),
        (None, {"LANG": "C.UTF-8"}, "en"),
        (None, {}, "en"),
    ],
)
def test_choosing_the_language(option: str | None, environ: dict[str, str], wanted: str) -> None:
    assert i18n.choose(option, environ) == wanted


def test_a_spanish_text_must_name_the_same_placeholders(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = Path(__file__).resolve().parents[2] / "src/comity/rules/data/rules/overlaps.toml"
    text = rule.read_text(encoding="utf-8")
    start = text.index("[[rule]]")
    body = text[start : text.index("[[rule]]", start + 1)]
    # The file's named conditions, those of its first rule only (a pack refuses a
    # condition no rule of the file uses).
    named = re.findall(r"^(\w+) = '.*'$", text[:start], re.M)
    used = [n for n in named if re.search(rf"\b{n}\b", body)]
    conditions = [line for line in text[:start].splitlines() if line.split(" = ")[0] in used]
    first = "[conditions]\n" + "\n".join(conditions) + "\n\n" + body if used else body
    broken = re.sub(r"message_es = .*", 'message_es = "El activo {a.asset_id} está fuera."', first)
    (rules / "mine.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(RulePackError, match="message_es: use the same placeholders as message"):
        load_pack(tmp_path)
    half = re.sub(r"message_es = .*\n", "", first)
    (rules / "mine.toml").write_text(half, encoding="utf-8")
    with pytest.raises(RulePackError, match="give title_es and message_es together"):
        load_pack(tmp_path)


def test_comity_policy_is_worded_in_spanish() -> None:
    # A policy reference is comity's own words (not a published text): each one the
    # built-in pack cites has its Spanish, marked in comity/report/_coded.py.
    pack = load_pack()
    policies = {
        (value.reference.instrument, value.reference.article)
        for name in pack.parameters.names()
        for value in pack.parameters.parameter(name).values
        if value.confidence == "policy"
    }
    assert policies, "the built-in pack cites comity policy; this test must see it"
    with i18n.use("es"):
        for instrument, article in sorted(policies):
            assert i18n.pgettext("policy", instrument) != instrument
            assert i18n.pgettext("policy", article) != article, article
