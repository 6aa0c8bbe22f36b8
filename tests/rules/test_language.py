"""The rule language: what patterns compile to, and what it refuses, with where.

The compiled form is durable-rules' JSON, checked here against hand-written golden
output; every refusal is a table row: the pattern (or rule table) and the exact line
the user reads, naming the file, rule, pattern and column.
"""

from __future__ import annotations

import importlib.util
import json
import pickle
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from comity.cli import cli
from comity.engine._facts import FactProjector
from comity.errors import InvalidInput, LanguageError, RulePackError
from comity.events import parse_one
from comity.rules import Rule, load_pack
from comity.rules.facts import ENGINE_KINDS, EVENT_KINDS
from comity.rules.language import MAX_PATTERNS, MAX_VALUES, compile_patterns, parse_pattern

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------- golden output

GOLDEN: list[tuple[list[str], list[dict[str, Any]]]] = [
    (["c: case"], [{"c": {"t": "case"}}]),
    (
        [
            "c: case",
            'a: asset where jurisdiction != c.lead and asset_type in ("bank_account", "land")',
            "not l: lifted where order_id == a.asset_id",
        ],
        [
            {"c": {"t": "case"}},
            {
                "a": {
                    "$and": [
                        {"t": "asset"},
                        {"$neq": {"jurisdiction": {"c": "lead"}}},
                        {"one": {"c": "one"}},
                        {"$or": [{"asset_type": "bank_account"}, {"asset_type": "land"}]},
                    ]
                }
            },
            {
                "l_2$not": {
                    "$and": [
                        {"t": "lifted"},
                        {"order_id": {"a": "asset_id"}},
                        {"one": {"a": "one"}},
                    ]
                }
            },
        ],
    ),
    (
        ['o: order where final == true and expires_on >= "2020-01-01" and order_type == "freeze"'],
        [
            {
                "o": {
                    "$and": [
                        {"t": "order"},
                        {"final": True},
                        {"$gte": {"expires_on": "2020-01-01"}},
                        {"order_type": "freeze"},
                    ]
                }
            }
        ],
    ),
    (
        ["k: clock where now >= 5 and now < 7.5"],
        [{"k": {"$and": [{"t": "clock"}, {"$gte": {"now": 5}}, {"$lt": {"now": 7.5}}]}}],
    ),
]


@pytest.mark.parametrize(("lines", "compiled"), GOLDEN)
def test_compiled_output_is_the_golden_json(
    lines: list[str], compiled: list[dict[str, Any]]
) -> None:
    assert compile_patterns(lines)[1] == compiled


def test_positions_are_kept_and_do_not_change_what_a_pattern_means() -> None:
    p = parse_pattern("a: asset where jurisdiction != c.lead")
    (group,) = p.conditions
    (c,) = group
    assert (p.kind_column, c.column, c.value_column) == (4, 16, 32)
    assert p == parse_pattern("a:   asset   where jurisdiction   !=   c.lead")


# --------------------------------------------------------------------- pattern errors

PATTERN_ERRORS = [
    ("a: asset where jurisdiction = c.lead", "column 29 of {p!r}: cannot read '= c.lead'"),
    ("a asset", "column 3 of {p!r}: expected :, got 'asset'"),
    ("a: asset where", "{p!r}: expected word at the end"),
    ("a: asset where id == 1", "column 16 of {p!r}: cannot test field 'id'"),
    (
        "a: asset where asset_id == b.sid",
        "column 28 of {p!r}: joins on 'sid' never match in durable-rules; "
        "join on your own reference field",
    ),
    ("a: asset where jurisdiction ~ 1", "column 29 of {p!r}: cannot read '~ 1'"),
    ("a: asset where jurisdiction == PA", "column 32 of {p!r}: expected a literal, got 'PA'"),
]


@pytest.mark.parametrize(("pattern", "message"), PATTERN_ERRORS)
def test_a_pattern_that_does_not_read_is_refused_with_its_column(
    pattern: str, message: str
) -> None:
    with pytest.raises(LanguageError) as info:
        parse_pattern(pattern)
    assert str(info.value) == message.format(p=pattern)


def test_bindings_are_checked_in_order() -> None:
    with pytest.raises(LanguageError) as info:
        compile_patterns(["a: asset where jurisdiction != c.lead", "c: case"])
    text = "a: asset where jurisdiction != c.lead"
    assert str(info.value) == f"column 32 of {text!r}: refers to unbound ['c']"
    with pytest.raises(LanguageError, match="binding 'c' is made twice"):
        compile_patterns(["c: case", "c: case"])


def test_language_errors_are_rule_pack_errors_and_pickle() -> None:
    """Part of the error tree (exit 3, a ValueError as before), and whole after a trip
    through a worker process."""
    with pytest.raises(LanguageError) as info:
        parse_pattern("a: asset where id == 1")
    error = info.value.at("rules/x.toml: rule X.when[0], pattern 1")
    assert isinstance(error, RulePackError) and isinstance(error, InvalidInput)
    assert isinstance(error, ValueError) and error.exit_code == 3
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.column, again.pattern) == (str(error), 16, error.pattern)


# --------------------------------------------------------------------- rule files

_RULE = """
    [[rule]]
    id = "USR-001"
    code = "user_check"
    category = "overlap"
    severity = "info"
    title = "A user rule"
    description = "A rule from a user's directory."
    message = "{message}"
    jurisdictions = [{jurisdictions}]
    when = ['c: case', '{pattern}']
    {extra}
    [[rule.legal_basis]]
    instrument = "Test"
    article = "1"
    reference = "https://example.org/"
    confidence = "unverified"
"""
_GOOD = {
    "message": "Asset {a.asset_id} abroad",
    "jurisdictions": '"a.jurisdiction"',
    "pattern": "a: asset where jurisdiction != c.lead",
    "extra": "",
}
_WHERE = "rule USR-001.when[0], pattern 2"

RULE_ERRORS = [
    (
        {"pattern": "a: asset where jurisdictoin != c.lead"},
        f"{_WHERE}: column 16 of 'a: asset where jurisdictoin != c.lead': asset facts have "
        "no field 'jurisdictoin' (did you mean 'jurisdiction'?)",
    ),
    (
        {"pattern": "a: asset where jurisdiction != c.leed"},
        f"{_WHERE}: column 32 of 'a: asset where jurisdiction != c.leed': c has no field "
        "'leed' (did you mean 'lead'?)",
    ),
    (
        {"pattern": "a: assets where jurisdiction != c.lead"},
        f"{_WHERE}: column 4 of 'a: assets where jurisdiction != c.lead': no fact is of "
        "kind 'assets' (did you mean 'asset'?)",
    ),
    (
        {"pattern": "a: asset where jurisdiction = c.lead"},
        f"{_WHERE}: column 29 of 'a: asset where jurisdiction = c.lead': cannot read '= c.lead'",
    ),
    (
        {"message": "Asset {zz.lead}"},
        "rule USR-001.message: {zz.lead} names binding 'zz', which when[0] does not make",
    ),
    (
        {"message": "Asset {a.jurisdictoin}"},
        "rule USR-001.message: {a.jurisdictoin} names no field of a (did you mean a.jurisdiction?)",
    ),
    (
        {"jurisdictions": '"x.jurisdiction"'},
        "rule USR-001.jurisdictions: 'x.jurisdiction' names binding 'x', which when[0] "
        "does not make",
    ),
    (
        {"extra": 'assets = ["a.asset"]'},
        "rule USR-001.assets: 'a.asset' names no field of a (did you mean a.asset_id?)",
    ),
    (
        {"extra": "resolved-by = ['r: request where to == a.jurisdiction']"},
        "rule USR-001.resolved-by: unknown key (did you mean 'resolved_by'?); known keys: "
        + ", ".join(
            sorted(
                {f.name for f in attrs.fields(Rule)} - {"source", "texts"}
                | {"title_es", "message_es"}
            )
        ),
    ),
    (
        {"extra": "resolved_by = ['r: request where to == a.jurisdictoin']"},
        "rule USR-001.resolved_by[0], pattern 1: column 24 of "
        "'r: request where to == a.jurisdictoin': a has no field 'jurisdictoin' "
        "(did you mean 'jurisdiction'?)",
    ),
]


def _pack_dir(tmp_path: Path, **fields: str) -> Path:
    (tmp_path / "rules").mkdir(exist_ok=True)
    text = textwrap.dedent(_RULE)
    for key, value in {**_GOOD, **fields}.items():
        text = text.replace("{" + key + "}", value)
    (tmp_path / "rules" / "mine.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_good_rule_loads(tmp_path: Path) -> None:
    assert load_pack(_pack_dir(tmp_path)).rule("USR-001").message == _GOOD["message"]


@pytest.mark.parametrize(("fields", "message"), RULE_ERRORS)
def test_a_rule_that_could_never_match_is_refused_at_load(
    tmp_path: Path, fields: dict[str, str], message: str
) -> None:
    directory = _pack_dir(tmp_path, **fields)
    with pytest.raises(RulePackError) as info:
        load_pack(directory)
    assert str(info.value) == f"{directory / 'rules' / 'mine.toml'}: {message}"


def test_the_command_line_refuses_it_with_exit_3_before_any_replay(tmp_path: Path) -> None:
    """An unbound placeholder used to stop every replay with exit 4 naming no file."""
    directory = _pack_dir(tmp_path, message="Lead {zz.lead}")
    result = CliRunner().invoke(
        cli, ["--store", str(tmp_path / "s.db"), "--rules", str(directory), "rules", "list"]
    )
    assert result.exit_code == 3, result.output
    assert result.stderr == (
        f"Error: {directory / 'rules' / 'mine.toml'}: rule USR-001.message: {{zz.lead}} "
        "names binding 'zz', which when[0] does not make\n"
    )


def test_a_deadline_clause_names_only_what_its_patterns_bind(tmp_path: Path) -> None:
    rule = """
        [[rule]]
        id = "USR-DL"
        code = "user_lapse"
        category = "deadline"
        severity = "warning"
        title = "t"
        description = "d"
        message = "Order {o.order_id} lapsed on {d.due}; {o.jurisdictoin}"
        [[rule.deadline]]
        when = ['o: issued where expires_on != ""']
        ref = "o.order_id"
        last_day = "o.expires_on"
        met_by = [['x: extension where order_id == d.ref']]
        [[rule.legal_basis]]
        instrument = "Test"
        article = "1"
        reference = "https://example.org/"
        confidence = "unverified"
    """
    (tmp_path / "rules").mkdir()
    path = tmp_path / "rules" / "dl.toml"
    path.write_text(textwrap.dedent(rule), encoding="utf-8")
    with pytest.raises(RulePackError) as info:
        load_pack(tmp_path)
    assert str(info.value) == (
        f"{path}: rule USR-DL.message: {{o.jurisdictoin}} names no field of o "
        "(did you mean o.jurisdiction?)"
    )
    path.write_text(
        textwrap.dedent(rule)
        .replace("; {o.jurisdictoin}", "")
        .replace("d.ref'", "d.ref and expires_on > d.o__expires_on'"),
        encoding="utf-8",
    )
    assert load_pack(tmp_path).rule("USR-DL").deadline[0].last_day == "o.expires_on"
    path.write_text(textwrap.dedent(rule).replace("o.expires_on", "o.expires"), encoding="utf-8")
    with pytest.raises(RulePackError, match=r"deadline\[0\]\.last_day: 'o\.expires' names no"):
        load_pack(tmp_path)


# --------------------------------------------------------------------- named conditions

_CONDITIONS = """
    [conditions]
    requested_there = 'r: request where to == a.jurisdiction and asset_id == a.asset_id'
    extended = 'x: extension where order_id == d.ref'
"""
_NAMED = """
    [[rule]]
    id = "USR-001"
    code = "user_check"
    category = "overlap"
    severity = "info"
    title = "A user rule"
    description = "A rule from a user's directory."
    message = "Asset {a.asset_id} abroad"
    jurisdictions = ["a.jurisdiction"]
    when = ['c: case', 'a: asset where jurisdiction != c.lead', '{when}']
    resolved_by = [['{resolver}']]
    [[rule.legal_basis]]
    instrument = "Test"
    article = "1"
    reference = "https://example.org/"
    confidence = "unverified"

    [[rule]]
    id = "USR-DL"
    code = "user_lapse"
    category = "deadline"
    severity = "warning"
    title = "t"
    description = "d"
    message = "Order {o.order_id} lapsed on {d.due}"
    [[rule.deadline]]
    when = ['o: issued where expires_on != ""']
    ref = "o.order_id"
    last_day = "o.expires_on"
    met_by = [['{met}'], ['l: lifted where order_id == d.ref']]
    [[rule.legal_basis]]
    instrument = "Test"
    article = "1"
    reference = "https://example.org/"
    confidence = "unverified"
"""
_NAMES = {"when": "not requested_there", "resolver": "requested_there", "met": "extended"}


def _named_dir(
    tmp_path: Path, name: str = "named", *, conditions: str = _CONDITIONS, **fields: str
) -> Path:
    directory = tmp_path / name
    (directory / "rules").mkdir(parents=True)
    text = textwrap.dedent(conditions) + textwrap.dedent(_NAMED)
    for key, value in {**_NAMES, **fields}.items():
        if key in _NAMES:
            text = text.replace("{" + key + "}", value)
        else:  # a change to the text itself
            assert key in text, key
            text = text.replace(key, value)
    (directory / "rules" / "mine.toml").write_text(text, encoding="utf-8")
    return directory


def test_a_named_condition_compiles_as_if_written_out(tmp_path: Path) -> None:
    """Naming is for the reader: the rules, their digest and what durable is given are
    those of the same file with each condition written where it is named."""
    from comity.engine._compiler import compiled

    request = "r: request where to == a.jurisdiction and asset_id == a.asset_id"
    named = load_pack(_named_dir(tmp_path), builtin=False)
    written = load_pack(
        _named_dir(
            tmp_path,
            "written",
            conditions="",
            when=f"not {request}",
            resolver=request,
            met="x: extension where order_id == d.ref",
        ),
        builtin=False,
    )
    assert named.rules[0].when == (
        ("c: case", "a: asset where jurisdiction != c.lead", f"not {request}"),
    )
    assert named.rules[0].resolved_by == ((request,),)
    assert named.rules[1].deadline[0].met_by == (
        ("x: extension where order_id == d.ref",),
        ("l: lifted where order_id == d.ref",),
    )
    assert [r.to_json() for r in named.rules] == [r.to_json() for r in written.rules]
    assert named.digest == written.digest
    definition = compiled(named).ruleset.definition()
    assert definition == compiled(written).ruleset.definition()
    assert definition["USR-001|w0"]["all"][2] == {
        "r_2$not": {
            "$and": [
                {"t": "request"},
                {"to": {"a": "jurisdiction"}},
                {"asset_id": {"a": "asset_id"}},
                {"one": {"a": "one"}},
            ]
        }
    }
    assert definition["USR-001|w0|r0"]["all"][1] == {
        "r": {
            "$and": [
                {"t": "request"},
                {"to": {"_f": "a__jurisdiction"}},
                {"asset_id": {"_f": "a__asset_id"}},
                {"one": {"_f": "one"}},
            ]
        }
    }


_IN = "rule USR-001.when[0], pattern 3"
NAMED_ERRORS = [
    (
        {"when": "not requested_ther"},
        f"{_IN}: column 5 of 'not requested_ther': no condition 'requested_ther' in this "
        "file (did you mean 'requested_there'?); this file names: extended, requested_there",
    ),
    (
        {"resolver": "requested"},
        "rule USR-001.resolved_by[0], pattern 1: column 1 of 'requested': no condition "
        "'requested' in this file (did you mean 'requested_there'?); this file names: "
        "extended, requested_there",
    ),
    (
        {"met": "extnded"},
        "rule USR-DL.deadline[0].met_by[0], pattern 1: column 1 of 'extnded': no "
        "condition 'extnded' in this file (did you mean 'extended'?); this file names: "
        "extended, requested_there",
    ),
    (
        {"met": "l: lifted where order_id == d.ref"},
        "conditions.extended: no rule of this file uses this condition; use it in a "
        "pattern (or `not` it), or remove it",
    ),
    (
        {"'x: extension where order_id == d.ref'": "'x: extension where order_id = d.ref'"},
        "conditions.extended: column 29 of 'x: extension where order_id = d.ref': cannot "
        "read '= d.ref'",
    ),
    (
        {"'x: extension where order_id == d.ref'": "'not x: extension where order_id == d.ref'"},
        "conditions.extended: column 1 of 'not x: extension where order_id == d.ref': a "
        "condition is written without `not`; write `not extended` in the rule where it must "
        "not hold",
    ),
    (
        {"extended = ": "where = ", "'extended'": "'where'"},
        "conditions.where: 'where' is a word of the rule language; name the condition otherwise",
    ),
    (
        {"conditions": "conditions = 'x: extension'\n"},
        "conditions: expected a table of name = 'pattern' ([conditions])",
    ),
    (
        {"extended = 'x: extension where order_id == d.ref'": "extended = 3"},
        "conditions.extended: expected a pattern string, got 3",
    ),
    (
        {"extended = ": "Extended = "},
        "conditions.Extended: a condition's name is lower-case letters, digits and _, "
        "starting with a letter",
    ),
    (
        {"to == a.jurisdiction and asset_id": "to == a.jurisdictoin and asset_id"},
        f"{_IN}: column 28 of 'not r: request where to == a.jurisdictoin and asset_id == "
        "a.asset_id': a has no field 'jurisdictoin' (did you mean 'jurisdiction'?)",
    ),
]


@pytest.mark.parametrize(("fields", "message"), NAMED_ERRORS)
def test_a_named_condition_that_is_not_there_or_not_used_is_refused_at_load(
    tmp_path: Path, fields: dict[str, str], message: str
) -> None:
    directory = _named_dir(tmp_path, **fields)
    with pytest.raises(RulePackError) as info:
        load_pack(directory)
    assert str(info.value) == f"{directory / 'rules' / 'mine.toml'}: {message}"


def test_a_name_in_a_file_without_conditions_says_how_to_name_one(tmp_path: Path) -> None:
    directory = _pack_dir(tmp_path, pattern="not requested_there")
    with pytest.raises(LanguageError) as info:
        load_pack(directory)
    assert str(info.value) == (
        f"{directory / 'rules' / 'mine.toml'}: {_WHERE}: column 5 of 'not requested_there': "
        "no condition 'requested_there' in this file; name it in the file's [conditions] "
        "table, or write the pattern out (binding: kind where ...)"
    )


def test_a_deadline_met_by_two_patterns_at_once_is_refused_at_load(tmp_path: Path) -> None:
    """The breach rule tests `not` each way of meeting the deadline; an alternative of
    two patterns loaded and failed the first replay that compiled the pack."""
    directory = _named_dir(tmp_path, **{"[['extended'], ['l: lifted": "[['extended', 'l: lifted"})
    with pytest.raises(RulePackError) as info:
        load_pack(directory)
    assert str(info.value) == (
        f"{directory / 'rules' / 'mine.toml'}: rule USR-DL.deadline[0].met_by[0]: each "
        "alternative is one pattern, got 2; write each act that meets the deadline as an "
        "alternative of its own"
    )


# --------------------------------------------------------------------- what durable builds


def test_in_of_more_values_than_durable_builds_in_time_is_refused(tmp_path: Path) -> None:
    """An `in` of 700 values hung inside durable's C core while the ruleset was built."""
    values = ", ".join(f'"X{n}"' for n in range(MAX_VALUES + 1))
    with pytest.raises(LanguageError, match=rf"{MAX_VALUES + 1} values in one in \(\.\.\.\)"):
        parse_pattern(f"a: asset where jurisdiction in ({values})")
    at_limit = ", ".join(f'"X{n}"' for n in range(MAX_VALUES))
    pack = load_pack(_pack_dir(tmp_path, pattern=f"a: asset where jurisdiction in ({at_limit})"))
    from comity.engine._compiler import compiled

    assert compiled(pack).parts  # the ruleset builds


def test_a_deadline_met_in_more_ways_than_its_breach_rule_can_test_is_refused(
    tmp_path: Path,
) -> None:
    """The breach rule tests the deadline, the clock and `not` each way of meeting it:
    past MAX_PATTERNS the pack loaded and the first replay failed to compile it."""
    many = ", ".join(f"['l{n}: lifted where order_id == d.ref']" for n in range(MAX_PATTERNS - 2))
    directory = _named_dir(tmp_path, **{"['l: lifted where order_id == d.ref']]": many + "]"})
    with pytest.raises(RulePackError) as info:
        load_pack(directory)
    assert str(info.value) == (
        f"{directory / 'rules' / 'mine.toml'}: rule USR-DL.deadline[0].met_by: "
        f"{MAX_PATTERNS - 1} alternatives, more than the {MAX_PATTERNS - 2} a deadline's "
        "breach rule can test in durable-rules; split the clause"
    )


def test_more_patterns_than_durable_builds_in_time_are_refused() -> None:
    lines = ["c: case", *(f"a{n}: asset where jurisdiction != c.lead" for n in range(MAX_PATTERNS))]
    with pytest.raises(LanguageError, match=f"{MAX_PATTERNS + 1} patterns in one alternative"):
        compile_patterns(lines)


# --------------------------------------------------------------------- the vocabulary


def _samples() -> tuple[dict[str, Any], ...]:
    path = ROOT / "docs" / "gen_rules.py"
    spec = importlib.util.spec_from_file_location("gen_rules", path)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_rules", module)
    spec.loader.exec_module(module)
    samples: tuple[dict[str, Any], ...] = module._SAMPLES
    return samples


def test_the_vocabulary_is_the_fact_projectors() -> None:
    """comity.rules.facts lists exactly the kinds and fields the projector makes (from
    one event of every type): a field added there must be added to the table."""
    projector = FactProjector()
    seen: dict[str, set[str]] = {}
    # Twice: the second record of an order, a request, a case... is a `redefined`.
    for n, sample in enumerate([*_samples(), *_samples()], start=1):
        event = parse_one(
            {"event_id": f"e{n}", "case_id": "C", "occurred_at": "2020-01-01", **sample},
            source="samples",
            line=n,
        )
        for fact in projector.facts(event):
            seen.setdefault(fact["t"], set()).update(fact)
    assert {kind: frozenset(fields) for kind, fields in seen.items()} == dict(EVENT_KINDS)
    assert not set(ENGINE_KINDS) & set(EVENT_KINDS)


def test_every_built_in_and_example_pack_loads() -> None:
    assert load_pack().rules
    for directory in sorted((ROOT / "tests" / "scenarios" / "packs").iterdir()):
        assert load_pack(directory).rules


# --------------------------------------------------------------------- the name `d`


def _user_findings(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    """USR-001's findings on the quickstart example, its asset bound as `name`."""
    directory = _pack_dir(
        tmp_path / name,
        pattern=f"{name}: asset where jurisdiction != c.lead",
        message=f"Asset {{{name}.asset_id}} abroad",
        jurisdictions=f'"{name}.jurisdiction"',
        extra=f'assets = ["{name}.asset_id"]',
    )
    store = str(tmp_path / name / "s.db")
    runner = CliRunner()
    for args in (["init"], ["ingest", str(ROOT / "examples" / "quickstart.jsonl")]):
        assert runner.invoke(cli, ["--store", store, *args]).exit_code == 0
    replay = ["replay", "--format", "json", "--as-of", "2020-12-31"]
    result = runner.invoke(cli, ["--store", store, "--rules", str(directory), *replay])
    assert result.exit_code == 0, result.output
    cases = json.loads(result.stdout)["cases"]
    # the two packs differ in the rule's text, hence in their digest, and only there
    found = [f for case in cases for f in case["findings"] if f["rule"] == "USR-001"]
    return [{**f, "rulepack": None} for f in found]


def test_a_binding_named_d_is_a_fact_like_any_other_outside_deadline_rules(
    tmp_path: Path,
) -> None:
    """A rule binding `d` (not a deadline rule) stopped the case's replay with
    KeyError 'ref': the engine took any `d` for the deadline of a deadline rule."""
    (tmp_path / "a").mkdir()
    (tmp_path / "d").mkdir()
    found = _user_findings(tmp_path, "d")
    assert [f["message"] for f in found] == ["Asset A3 abroad", "Asset A4 abroad"]
    assert found == _user_findings(tmp_path, "a")


def test_a_deadline_clause_may_not_bind_d_or_k(tmp_path: Path) -> None:
    """In a deadline clause `d` is the deadline fact and `k` the clock: a pattern of
    either name would be shadowed by them, so it is refused at load, named."""
    rule = """
        [[rule]]
        id = "USR-DL"
        code = "user_lapse"
        category = "deadline"
        severity = "warning"
        title = "t"
        description = "d"
        message = "Order {NAME.order_id} lapsed on {d.due}"
        [[rule.deadline]]
        when = ['NAME: issued where expires_on != ""']
        ref = "NAME.order_id"
        last_day = "NAME.expires_on"
        met_by = [['x: extension where order_id == d.ref']]
        [[rule.legal_basis]]
        instrument = "Test"
        article = "1"
        reference = "https://example.org/"
        confidence = "unverified"
    """
    (tmp_path / "rules").mkdir()
    path = tmp_path / "rules" / "dl.toml"
    for name, what in (("d", "the deadline fact"), ("k", "the clock")):
        path.write_text(textwrap.dedent(rule).replace("NAME", name), encoding="utf-8")
        with pytest.raises(RulePackError) as info:
            load_pack(tmp_path)
        assert str(info.value) == (
            f"{path}: rule USR-DL.deadline[0].when: binding {name!r} is the deadline's own "
            f"({what}) in a deadline clause; give the pattern another name"
        )
    path.write_text(textwrap.dedent(rule).replace("NAME", "o"), encoding="utf-8")
    assert load_pack(tmp_path).rule("USR-DL").deadline[0].ref == "o.order_id"
