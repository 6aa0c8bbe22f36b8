"""Dated legal parameters: the built-in files, the loader's checks, overrides, the digest."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from comity.errors import RulePackError
from comity.rules.calendar import Counting
from comity.rules.params import (
    CONFIDENCES,
    ParameterSet,
    ParamValue,
    Reference,
    builtin_params_dir,
    load_parameters,
)

BUILTIN = builtin_params_dir()

# Which values may say "verified", and where the wording of the cited article was
# read (the value's reference.read_at; docs/sources.md has the detail). Keyed by
# (parameter, from-date) because a parameter's values can differ: AMLA art. 10(2) was
# read in its wording since 2023, not in the earlier one.
VERIFIED_VALUES: dict[tuple[str, date], str] = {
    ("eu_2018_1805.urgent_freezing_decision", date(2020, 12, 19)): "art. 9(3), EUR-Lex copy",
    ("eu_2018_1805.urgent_freezing_execution", date(2020, 12, 19)): "art. 9(3), EUR-Lex copy",
    ("eu_2018_1805.limit_freezing_reply", date(2020, 12, 19)): "art. 12(2), EUR-Lex copy",
    ("eu_2018_1805.confiscation_decision", date(2020, 12, 19)): "art. 20(1), EUR-Lex copy",
    ("eu_eio.decision", date(2017, 5, 22)): "art. 12(3), legislation.gov.uk",
    ("eu_eio.decision_extension", date(2017, 5, 22)): "art. 12(5), legislation.gov.uk",
    ("eu_eio.execution", date(2017, 5, 22)): "art. 12(4), legislation.gov.uk",
    ("fiu_suspension.EU", date(2027, 7, 10)): "art. 24(1), German language version",
    ("fiu_suspension.FR", date(2021, 7, 22)): "L561-24, Légifrance",
    ("de.str_waiting_period", date(2017, 6, 26)): "§46(1), gesetze-im-internet.de mirror",
    ("fiu_suspension.DE", date(2017, 6, 26)): "§40(4), gesetze-im-internet.de mirror",
    ("fiu_suspension.CH", date(2023, 1, 1)): "AMLA art. 10(2), bilingual SR copy",
    ("fiu_suspension.AE", date(2000, 1, 1)): "CBUAE Rulebook",
    ("fiu_suspension.AE", date(2006, 9, 1)): "CBUAE Rulebook (the weekend dates unconfirmed)",
    ("fiu_suspension.AE", date(2022, 1, 1)): "CBUAE Rulebook (the weekend dates unconfirmed)",
    ("ch.fiaa_art3_freeze", date(2016, 7, 1)): "FIAA art. 6(1), bilingual SR copy",
    ("ch.fiaa_art3_extension", date(2016, 7, 1)): "FIAA art. 6(1), bilingual SR copy",
    ("ch.fiaa_art3_maximum", date(2016, 7, 1)): "FIAA art. 6(1), bilingual SR copy",
    ("ch.fiaa_art4_confiscation_start", date(2016, 7, 1)): "FIAA art. 6(2), bilingual SR copy",
    ("us.complaint_983a3", date(2000, 8, 23)): "983(a)(3)(A), verbatim quotation",
    ("us.restraint_981b4", date(2000, 8, 23)): "981(b)(4)(A), compilation of the Code",
    ("us.restraint_983j", date(2000, 8, 23)): "983(j)(2), compilation of the Code",
    ("us.tro_983j", date(2009, 12, 1)): "983(j)(3), compilation of the Code",
    ("us.set_aside_motion_983e", date(2000, 8, 23)): "983(e)(3), Statutes at Large",
    ("gb.consent_notice_period", date(2003, 2, 24)): "POCA s. 335(5), legislation.gov.uk",
    ("gb.consent_moratorium", date(2003, 2, 24)): "POCA s. 335(6), legislation.gov.uk",
    ("gb.moratorium_extension", date(2017, 10, 31)): "POCA s. 336A(4), legislation.gov.uk",
    ("gb.moratorium_extension_total", date(2017, 10, 31)): "POCA s. 336A(7), legislation.gov.uk",
    ("gb.moratorium_maximum", date(2017, 10, 31)): "ss. 335(6) and 336A(7): 31 + 186 days",
}

# Values whose from/until dates were read with the article: Reg. 2018/1805 arts. 40(1)
# and 41; AMLA art. 10(2)'s amendment note; CAFRA's effective-date provision (sec. 21).
VERIFIED_DATES: dict[tuple[str, date], str] = {
    ("eu_2018_1805.urgent_freezing_decision", date(2020, 12, 19)): "arts. 40(1), 41",
    ("eu_2018_1805.urgent_freezing_execution", date(2020, 12, 19)): "arts. 40(1), 41",
    ("eu_2018_1805.limit_freezing_reply", date(2020, 12, 19)): "arts. 40(1), 41",
    ("eu_2018_1805.confiscation_decision", date(2020, 12, 19)): "arts. 40(1), 41",
    ("eu_2018_1805.bound_states", date(2020, 12, 19)): "art. 41",
    ("fiu_suspension.CH", date(2023, 1, 1)): "AS 2021 656, in force 1 January 2023",
    ("us.restraint_983j", date(2000, 8, 23)): "Pub. L. 106-185 sec. 21",
    ("us.complaint_983a3", date(2000, 8, 23)): "Pub. L. 106-185 sec. 21",
    ("us.set_aside_motion_983e", date(2000, 8, 23)): "Pub. L. 106-185 sec. 21",
    ("gb.account_freezing_order_maximum", date(2018, 1, 31)): "annotation of Pt. 5 Ch. 3B",
}

# The names the engine looks up; they must exist.
ENGINE_NAMES = [
    "eu_2018_1805.urgent_freezing_decision",
    "eu_2018_1805.urgent_freezing_execution",
    "eu_2018_1805.confiscation_decision",
    "eu_2018_1805.limit_freezing_reply",
    "eu_2018_1805.bound_states",
    "eu_eio.decision",
    "eu_eio.execution",
    "fiu_suspension.CH",
    "fiu_suspension.FR",
    "fiu_suspension.DE",
    "fiu_suspension.AE",
    "fiu_suspension.EU",
    "us.restraint_981b4",
    "us.restraint_983j",
    "us.tro_983j",
    "ch.fiaa_art3_freeze",
    "ch.fiaa_art4_confiscation_start",
    "co.extincion_precautionary",
    "co.legality_control",
    "pa.aprehension_provisional",
    "gt.extincion_precautionary",
    "hn.privacion_precautionary",
    "sv.extincion_precautionary",
    "mx.extincion_precautionary",
    "policy.extend_order_warning_days",
    "policy.request_follow_up_days",
    "ch.fiaa_art3_maximum",
    "gb.account_freezing_order_maximum",
    "gb.consent_notice_period",
    "gb.consent_moratorium",
]


@pytest.fixture(scope="module")
def params() -> ParameterSet:
    return load_parameters(BUILTIN)


def _all_values(params: ParameterSet) -> list[ParamValue]:
    return [v for p in params.values() for v in p.values]


# --- the built-in pack -------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(BUILTIN.glob("*.toml")), ids=lambda p: p.name)
def test_every_builtin_file_loads_on_its_own(path: Path, tmp_path: Path) -> None:
    shutil.copy(path, tmp_path / path.name)
    assert len(load_parameters(tmp_path)) >= 1


def test_builtin_pack_has_the_expected_files() -> None:
    names = {p.name for p in BUILTIN.glob("*.toml")}
    assert {
        "eu-2018-1805.toml",
        "eu-eio.toml",
        "eu-amld6.toml",
        "policy.toml",
        "treaties.toml",
    } <= names
    assert load_parameters().names() == load_parameters(BUILTIN).names()


def test_engine_names_exist(params: ParameterSet) -> None:
    missing = [n for n in ENGINE_NAMES if n not in params]
    assert not missing


def test_at_most_one_value_in_force_each_day_and_exactly_one_where_covered(
    params: ParameterSet,
) -> None:
    start, end = date(2000, 1, 1), date(2035, 12, 31)
    for parameter in params.values():
        day = start
        while day <= end:
            in_force = [v for v in parameter.values if v.in_force(day)]
            covered = parameter.covers_from <= day and (
                parameter.covers_until is None or day < parameter.covers_until
            )
            assert len(in_force) == (1 if covered else 0), (parameter.name, day)
            day += timedelta(days=1)


def test_every_value_has_a_full_reference_and_an_allowed_confidence(params: ParameterSet) -> None:
    for value in _all_values(params):
        ref = value.reference
        assert ref.instrument.strip() and ref.article.strip() and ref.address.strip(), value.name
        assert value.confidence in CONFIDENCES
        assert value.dates_confidence in CONFIDENCES
        if value.name.startswith("policy."):
            assert value.confidence == value.dates_confidence == "policy"
        else:
            assert ref.address.startswith(("https://", "http://")), value.name
            assert value.confidence != "policy"


def test_verified_values_are_only_those_whose_wording_was_read(params: ParameterSet) -> None:
    verified = {(v.name, v.valid_from) for v in _all_values(params) if v.confidence == "verified"}
    assert verified == set(VERIFIED_VALUES), (
        "update VERIFIED_VALUES only where the wording of the cited article was read"
    )
    dates = {
        (v.name, v.valid_from) for v in _all_values(params) if v.dates_confidence == "verified"
    }
    assert dates == set(VERIFIED_DATES)


def test_unverified_items_stay_unverified(params: ParameterSet) -> None:
    on = date(2024, 1, 1)
    for name in ("co.extincion_precautionary", "co.legality_control", "eu_2018_1805.bound_states"):
        assert params.require(name, on).confidence == "unverified", name
    assert params.require("us.seizure_notice_983a1_adopted", on).confidence == "unverified"
    # The Swiss freeze before the 2023 amendment: its wording was not read.
    assert params.require("fiu_suspension.CH", date(2020, 1, 1)).confidence == "unverified"


def test_none_found_is_not_zero(params: ParameterSet) -> None:
    for name in (
        "pa.aprehension_provisional",
        "gt.extincion_precautionary",
        "hn.privacion_precautionary",
        "sv.extincion_precautionary",
        "mx.extincion_precautionary",
    ):
        value = params.require(name, date(2024, 1, 1))
        assert value.none_found and value.amount is None and value.counting is None
        assert value.due(date(2024, 1, 1), calendar="PA") is None


def test_engine_values_and_units(params: ParameterSet) -> None:
    on = date(2024, 6, 1)
    expected = {
        "eu_2018_1805.urgent_freezing_decision": (48, "hours"),
        "eu_2018_1805.urgent_freezing_execution": (48, "hours"),
        "eu_2018_1805.confiscation_decision": (45, "calendar_days"),
        "eu_2018_1805.limit_freezing_reply": (6, "weeks"),
        "eu_eio.decision": (30, "calendar_days"),
        "eu_eio.execution": (90, "calendar_days"),
        "fiu_suspension.DE": (1, "months"),
        "fiu_suspension.FR": (10, "working_days"),
        "fiu_suspension.CH": (5, "working_days"),
        "fiu_suspension.AE": (7, "working_days"),
        "us.restraint_981b4": (30, "calendar_days"),
        "us.restraint_983j": (90, "calendar_days"),
        "us.tro_983j": (14, "calendar_days"),
        "ch.fiaa_art3_freeze": (4, "years"),
        "ch.fiaa_art3_maximum": (10, "years"),
        "ch.fiaa_art4_confiscation_start": (10, "years"),
        "co.extincion_precautionary": (6, "months"),
        "co.legality_control": (10, "working_days"),
        "policy.extend_order_warning_days": (14, "calendar_days"),
    }
    for name, (amount, unit) in expected.items():
        value = params.require(name, on)
        assert (value.amount, value.unit) == (amount, unit), name
    # Reg. 1182/71 art. 3(1): the trigger day or hour does not count.
    assert params.require("eu_2018_1805.confiscation_decision", on).counting == Counting(
        unit="calendar_days",
        trigger_counts=False,
        roll_forward=True,
        source="Reg. (EEC, Euratom) 1182/71 art. 3(1) and (4), applied by recital 29",
    )
    assert params.require("eu_2018_1805.urgent_freezing_decision", on).counting.caveat  # type: ignore[union-attr]


def test_eu_regulation_binds_25_states_from_19_december_2020(params: ParameterSet) -> None:
    assert params.get("eu_2018_1805.bound_states", date(2020, 12, 18)) is None
    states = params.require("eu_2018_1805.bound_states", date(2020, 12, 19)).items
    assert states is not None and len(states) == 25
    assert "IE" not in states and "DK" not in states and "FR" in states
    assert params.get("eu_2018_1805.confiscation_decision", date(2020, 12, 18)) is None


def test_amld6_suspension_applies_only_from_its_date_of_application(params: ParameterSet) -> None:
    assert params.get("fiu_suspension.EU", date(2027, 7, 9)) is None
    value = params.require("fiu_suspension.EU", date(2027, 7, 10))
    assert (value.amount, value.unit) == (10, "working_days")


def test_a_value_that_changed_on_a_date(params: ParameterSet) -> None:
    before = params.require("eu_info_exchange.other", date(2024, 12, 11))
    after = params.require("eu_info_exchange.other", date(2024, 12, 12))
    assert (before.amount, before.confidence, before.reference.instrument) == (
        14,
        "unverified",
        "Framework Decision 2006/960/JHA",
    )
    assert (after.amount, after.confidence, after.reference.instrument) == (
        7,
        "unverified",
        "Directive (EU) 2023/977",
    )
    assert before.valid_until == after.valid_from == date(2024, 12, 12)


def test_french_period_counts_jours_ouvrables_and_carries_its_caveat(
    params: ParameterSet,
) -> None:
    value = params.require("fiu_suspension.FR", date(2024, 1, 1))
    assert value.counting is not None and value.counting.rest_days == (7,)
    due = value.due(date(2024, 4, 26), calendar="FR", trigger_name="notification of the opposition")
    # From Friday 26 April 2024, jours ouvrables (Saturdays count), skipping Sundays,
    # 1 May, 8 May and Ascension (9 May): Sat 27 (1), Mon 29 (2), Tue 30 (3), Thu 2 (4),
    # Fri 3 (5), Sat 4 (6), Mon 6 (7), Tue 7 (8), Fri 10 (9), Sat 11 May (10).
    assert due is not None and due.last_day == date(2024, 5, 11)
    assert "working days are Monday to Saturday" in due.convention
    assert due.caveat and "jours ouvrables" in due.caveat
    assert "jours ouvrables" in due.convention


@pytest.mark.parametrize(
    ("trigger", "rest_days", "last_day"),
    [
        # Friday 5 March 2021, Friday-Saturday weekend: Sun 7 to Thu 11 (1-5), Sun 14 (6),
        # Mon 15 (7).
        (date(2021, 3, 5), (5, 6), date(2021, 3, 15)),
        # Thursday 30 December 2021: the weekend of the day of the order applies to the
        # whole period. Fri 31 and Sat 1 off; Sun 2 (1) to Thu 6 (5), Sun 9 (6), Mon 10 (7).
        (date(2021, 12, 30), (5, 6), date(2022, 1, 10)),
        # Monday 6 March 2023, Saturday-Sunday weekend: Tue 7 to Fri 10 (1-4), Mon 13 to
        # Wed 15 (5-7).
        (date(2023, 3, 6), (6, 7), date(2023, 3, 15)),
        # Tuesday 7 March 2006, Thursday-Friday weekend: Wed 8 (1), Sat 11 to Wed 15
        # (2-6), Sat 18 (7).
        (date(2006, 3, 7), (4, 5), date(2006, 3, 18)),
    ],
)
def test_uae_working_week_follows_the_weekend_in_force_on_the_day_of_the_order(
    params: ParameterSet, trigger: date, rest_days: tuple[int, ...], last_day: date
) -> None:
    value = params.require("fiu_suspension.AE", trigger)
    assert value.counting is not None and value.counting.rest_days == rest_days
    assert value.amount == 7
    assert value.dates_confidence == "unverified"
    assert value.note and "not been confirmed" in value.note
    due = value.due(trigger, calendar="AE")
    assert due is not None and due.last_day == last_day


def test_uae_weekend_changes_share_their_dates(params: ParameterSet) -> None:
    values = params.parameter("fiu_suspension.AE").values
    assert [(v.valid_from, v.valid_until) for v in values] == [
        (date(2000, 1, 1), date(2006, 9, 1)),
        (date(2006, 9, 1), date(2022, 1, 1)),
        (date(2022, 1, 1), None),
    ]
    # Only rest_days differ: the caveat, the flags and the reference are the parameter's.
    countings = [v.counting for v in values]
    assert all(c is not None for c in countings)
    assert len({attrs.evolve(c, rest_days=()) for c in countings if c is not None}) == 1


def test_rest_days_default_to_saturday_and_sunday(params: ParameterSet) -> None:
    value = params.require("fiu_suspension.CH", date(2024, 1, 1))
    assert value.counting is not None and value.counting.rest_days == (6, 7)


def test_rest_days_from_a_file_and_per_value(tmp_path: Path) -> None:
    directory = tmp_path / "params"
    directory.mkdir()
    (directory / "xx.toml").write_text(
        HEAD.replace("roll_forward = false }", 'roll_forward = false, rest_days = ["sun"] }')
        + _value('from = 2000-01-01\nuntil = 2020-01-01\namount = 5\nconfidence = "unverified"')
        + _value(
            'from = 2020-01-01\namount = 5\nconfidence = "unverified"\n'
            'counting.rest_days = ["sat", "fri"]'
        ),
        encoding="utf-8",
    )
    loaded = load_parameters(directory)
    old, new = loaded.parameter("fiu_suspension.CH").values
    assert old.counting is not None and old.counting.rest_days == (7,)
    assert new.counting is not None and new.counting.rest_days == (5, 6)
    assert not new.counting.trigger_counts  # the other counting keys are the parameter's
    assert new.to_json()["counting"]["rest_days"] == ["fri", "sat"]


def test_lookups(params: ParameterSet) -> None:
    assert params.get("no.such_parameter", date(2024, 1, 1)) is None
    assert params.get("fiu_suspension.DE", datetime(2024, 1, 1, 12, tzinfo=UTC)) is not None
    with pytest.raises(ValueError, match="no time zone"):
        params.get("fiu_suspension.DE", datetime(2024, 1, 1, 12))  # noqa: DTZ001
    with pytest.raises(
        RulePackError, match=r"parameter fiu_suspension\.EU: no value in force on 2024-01-01"
    ):
        params.require("fiu_suspension.EU", date(2024, 1, 1))
    with pytest.raises(RulePackError, match=r"parameter no\.such: no such parameter .*2024-01-01"):
        params.require("no.such", date(2024, 1, 1))
    with pytest.raises(TypeError):
        params.require("eu_2018_1805.bound_states", date(2024, 1, 1)).due(
            date(2024, 1, 1), calendar=None
        )
    assert list(params) == list(params.names()) == sorted(params.names())
    assert [p.name for p in params.values()] == list(params.names())


# --- overrides ---------------------------------------------------------------------

USER_CH = """
format = 1

[fiu_suspension.CH]
title = "Our reading of the Swiss freeze"
holidays_of = "CH"
unit = "working_days"
counting = { trigger_counts = false, roll_forward = false }
reference = { instrument = "AMLA", article = "10", address = "https://example.org/amla" }

[[fiu_suspension.CH.values]]
from = 2000-01-01
amount = 3
confidence = "unverified"

[mine.new_period]
title = "A period of our own"
unit = "calendar_days"
counting = { trigger_counts = false, roll_forward = true }
reference = { instrument = "Our statute", article = "1", address = "https://example.org/s" }

[[mine.new_period.values]]
from = 2010-01-01
amount = 12
confidence = "verified"
"""


def test_a_user_directory_overrides_and_extends_the_builtin_pack(
    tmp_path: Path, params: ParameterSet
) -> None:
    (tmp_path / "ours.toml").write_text(USER_CH, encoding="utf-8")
    merged = load_parameters(BUILTIN, tmp_path)
    assert merged.require("fiu_suspension.CH", date(2024, 1, 1)).amount == 3
    assert merged.parameter("fiu_suspension.CH").origin == f"{tmp_path.name}/ours.toml"
    assert merged.require("mine.new_period", date(2024, 1, 1)).amount == 12
    assert merged.require("fiu_suspension.FR", date(2024, 1, 1)).amount == 10  # untouched
    assert set(merged.names()) == set(params.names()) | {"mine.new_period"}
    assert merged.to_json() != params.to_json()
    # Order matters: the later directory wins.
    assert (
        load_parameters(tmp_path, BUILTIN).require("fiu_suspension.CH", date(2024, 1, 1)).amount
        == 5
    )


def test_one_name_in_two_files_of_one_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(USER_CH, encoding="utf-8")
    (tmp_path / "b.toml").write_text(USER_CH, encoding="utf-8")
    with pytest.raises(
        RulePackError, match=r"b\.toml: fiu_suspension\.CH: already defined in .*a\.toml"
    ):
        load_parameters(tmp_path)


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="not a directory"):
        load_parameters(tmp_path / "absent")


# --- malformed files ---------------------------------------------------------------

HEAD = """format = 1
[fiu_suspension.CH]
title = "t"
unit = "working_days"
counting = { trigger_counts = false, roll_forward = false }
reference = { instrument = "AMLA", article = "10", address = "https://example.org" }
"""


def _value(body: str) -> str:
    return f"\n[[fiu_suspension.CH.values]]\n{body}\n"


GOOD = _value('from = 2000-01-01\nuntil = 2020-01-01\namount = 5\nconfidence = "unverified"')

MALFORMED = [
    (
        HEAD + GOOD + _value('from = "2020/1/1"\namount = 3\nconfidence = "unverified"'),
        'params/ch.toml: fiu_suspension.CH.values[1].from: expected a date, got "2020/1/1"',
    ),
    ("format = 1\n[x\n", "params/ch.toml: not valid TOML"),
    (HEAD.replace("format = 1\n", "") + GOOD, "params/ch.toml: format: expected format = 1"),
    (
        HEAD + GOOD + _value('from = 2019-06-01\namount = 3\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[1].from: 2019-06-01 overlaps values[0]",
    ),
    (
        HEAD + GOOD + _value('from = 2020-01-02\namount = 3\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[1].from: gap after values[0] (until 2020-01-01); "
        "until is exclusive, so write until = 2020-01-02",
    ),
    (
        HEAD + GOOD + _value('from = 2021-01-01\namount = 3\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[1].from: gap after values[0]",
    ),
    (
        HEAD
        + _value('from = 2000-01-01\namount = 5\nconfidence = "unverified"')
        + _value('from = 2020-01-01\namount = 3\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[1].from: values[0] has no until",
    ),
    (
        HEAD
        + _value('from = 2020-01-01\nuntil = 2020-01-01\namount = 5\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].until: 2020-01-01 is not after from",
    ),
    (
        HEAD
        + _value(
            'from = 2020-01-01\nuntil = 2021-01-01T00:00:00Z\namount = 5\nconfidence = "unverified"'
        ),
        "params/ch.toml: fiu_suspension.CH.values[0].until: expected a date, got a datetime",
    ),
    (
        HEAD + _value('from = 2020-01-01\namount = 0\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].amount: expected a whole number >= 1, got 0",
    ),
    (
        HEAD + _value('from = 2020-01-01\namount = 5\nitems = ["a"]\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0]: "
        "give exactly one of amount, items, none_found",
    ),
    (
        HEAD + _value('from = 2020-01-01\nnone_found = true\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].note: required for none_found",
    ),
    (
        HEAD + _value('from = 2020-01-01\namount = 5\nconfidence = "sure"'),
        "params/ch.toml: fiu_suspension.CH.values[0].confidence: "
        'expected one of verified, unverified, policy, got "sure"',
    ),
    (
        HEAD + _value('from = 2020-01-01\namount = 5\nconfidence = "policy"'),
        "params/ch.toml: fiu_suspension.CH.values[0].confidence: only policy.* parameters",
    ),
    (
        HEAD + _value('from = 2020-01-01\namount = 5\nconfidence = "unverified"\nsource = "x"'),
        "params/ch.toml: fiu_suspension.CH.values[0].source: unknown key",
    ),
    (
        HEAD.replace('unit = "working_days"', 'unit = "fortnights"')
        + _value('from = 2020-01-01\namount = 5\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].unit: expected one of hours, "
        'calendar_days, working_days, weeks, months, years, got "fortnights"',
    ),
    (
        HEAD.replace('unit = "working_days"', 'unit = "hours"').replace(
            "roll_forward = false", "roll_forward = true"
        )
        + _value('from = 2020-01-01\namount = 5\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].counting: "
        "roll_forward applies to periods in days",
    ),
    (
        HEAD.replace("trigger_counts = false, ", "")
        + _value('from = 2020-01-01\namount = 5\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].counting.trigger_counts: required",
    ),
    (
        HEAD.replace('address = "https://example.org"', 'address = "a book on my desk"')
        + _value('from = 2020-01-01\namount = 5\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].reference.address: "
        "expected a public http(s) address",
    ),
    (
        HEAD.replace('title = "t"', 'title = "t"\nholidays_of = "Switzerland"')
        + _value('from = 2020-01-01\namount = 5\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.holidays_of: expected an ISO 3166-1 alpha-2 code",
    ),
    (
        HEAD
        + _value('from = 2020-01-01\nuntil = 2021-01-01\namount = 5\nconfidence = "unverified"')
        + _value('from = 2019-01-01\namount = 3\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[1].from: values must be in date order",
    ),
    (
        HEAD.replace('title = "t"\n', "")
        + _value('from = 2020-01-01\namount = 5\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.title: required",
    ),
    (
        'format = 1\n[policy.window]\ntitle = "w"\nunit = "calendar_days"\n'
        "counting = { trigger_counts = false, roll_forward = false }\n"
        'reference = { instrument = "comity policy", article = "-", address = "docs" }\n'
        '[[policy.window.values]]\nfrom = 2000-01-01\namount = 3\nconfidence = "verified"\n',
        "params/ch.toml: policy.window.values[0].confidence: "
        'policy.* parameters are comity settings: confidence must be "policy"',
    ),
    (
        'format = 1\n[lonely]\nvalues = []\ntitle = "x"\n',
        "params/ch.toml: lonely: parameter names need a namespace",
    ),
    (
        "format = 1\n[fiu_suspension]\nCH = 5\n",
        "params/ch.toml: fiu_suspension.CH: expected a parameter table",
    ),
    (
        HEAD + _value('from = 2020-01-01\nitems = ["A", "A"]\nconfidence = "unverified"'),
        "params/ch.toml: fiu_suspension.CH.values[0].items: lists an entry twice",
    ),
    (
        HEAD
        + _value(
            'from = 2020-01-01\namount = 5\nconfidence = "unverified"\n'
            'counting.rest_days = ["Sunday"]'
        ),
        "params/ch.toml: fiu_suspension.CH.values[0].counting.rest_days: expected weekdays "
        'among mon, tue, wed, thu, fri, sat, sun, got "Sunday"',
    ),
    (
        HEAD
        + _value(
            'from = 2020-01-01\namount = 5\nconfidence = "unverified"\n'
            'counting.rest_days = ["sun", "sun"]'
        ),
        'params/ch.toml: fiu_suspension.CH.values[0].counting.rest_days: lists "sun" twice',
    ),
    (
        HEAD
        + _value(
            'from = 2020-01-01\namount = 5\nconfidence = "unverified"\ncounting.rest_days = "sun"'
        ),
        "params/ch.toml: fiu_suspension.CH.values[0].counting.rest_days: "
        'expected a list of weekdays such as ["sun"], got "sun"',
    ),
    (
        HEAD
        + _value(
            'from = 2020-01-01\namount = 5\nconfidence = "unverified"\ncounting.rest_days = '
            '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
        ),
        "params/ch.toml: fiu_suspension.CH.values[0].counting: "
        "rest_days cannot be every day of the week",
    ),
    (
        HEAD.replace('unit = "working_days"', 'unit = "hours"')
        + _value(
            'from = 2020-01-01\namount = 5\nconfidence = "unverified"\ncounting.rest_days = ["sun"]'
        ),
        "params/ch.toml: fiu_suspension.CH.values[0].counting: "
        "rest_days applies to periods in days and longer, not hours",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_files_name_the_file_and_the_key(text: str, message: str, tmp_path: Path) -> None:
    directory = tmp_path / "params"
    directory.mkdir()
    (directory / "ch.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_parameters(directory)
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


# --- the digest material -----------------------------------------------------------


def _digest_of(params: ParameterSet) -> str:
    return json.dumps(params.to_json(), sort_keys=True, separators=(",", ":"))


def test_to_json_is_plain_json_and_stable(params: ParameterSet) -> None:
    text = _digest_of(params)
    assert json.loads(text) == params.to_json()
    assert _digest_of(load_parameters(BUILTIN)) == text


def _changed(value: ParamValue, field: str) -> ParamValue:
    """The same value with one field changed, whatever its type."""
    current = getattr(value, field)
    if field == "reference":
        new: Any = attrs.evolve(current, article=current.article + " (amended)")
    elif field == "counting":
        new = (
            Counting(unit="calendar_days", trigger_counts=False, roll_forward=False)
            if current is None
            else attrs.evolve(current, trigger_counts=not current.trigger_counts)
        )
    elif field in ("valid_from",):
        new = current - timedelta(days=1)
    elif field == "valid_until":
        new = date(2099, 1, 1) if current is None else current + timedelta(days=1)
    elif field == "amount":
        new = 1 if current is None else current + 1
    elif field == "items":
        new = ("ZZ",) if current is None else (*current, "ZZ")
    elif field in ("confidence", "dates_confidence"):
        new = "verified" if current != "verified" else "unverified"
    elif field == "kind":
        new = "list" if current != "list" else "amount"
    elif field in ("note", "name"):
        new = (current or "") + " changed"
    else:  # pragma: no cover - a new field must be added here
        raise AssertionError(f"no change rule for {field}")
    return attrs.evolve(value, **{field: new})


def test_any_change_of_any_value_changes_the_digest_material(params: ParameterSet) -> None:
    before = _digest_of(params)
    fields = [f.name for f in attrs.fields(ParamValue) if f.name != "name"]
    for parameter in params.values():
        for index, value in enumerate(parameter.values):
            for field in fields:
                values = list(parameter.values)
                values[index] = _changed(value, field)
                changed = attrs.evolve(parameter, values=tuple(values))
                mapping = {p.name: p for p in params.values()} | {parameter.name: changed}
                assert _digest_of(ParameterSet(mapping)) != before, (parameter.name, index, field)


def test_parameter_level_fields_change_the_digest_material(params: ParameterSet) -> None:
    before = _digest_of(params)
    parameter = params.parameter("fiu_suspension.FR")
    for field in ("title", "description", "trigger", "jurisdiction", "holidays_of"):
        change: dict[str, Any] = {field: "changed"}
        changed = attrs.evolve(parameter, **change)
        mapping = {p.name: p for p in params.values()} | {parameter.name: changed}
        assert _digest_of(ParameterSet(mapping)) != before, field


def test_every_counting_field_changes_the_digest_material(params: ParameterSet) -> None:
    before = _digest_of(params)
    parameter = params.parameter("fiu_suspension.FR")
    (value,) = parameter.values
    assert value.counting is not None
    changes: dict[str, Any] = {
        "unit": "calendar_days",
        "trigger_counts": True,
        "roll_forward": True,
        "rest_days": (6, 7),
        "caveat": "changed",
        "source": "changed",
    }
    assert set(changes) == {f.name for f in attrs.fields(Counting)}, "a new field needs a case"
    for field, new in changes.items():
        counting = attrs.evolve(value.counting, **{field: new})
        changed = attrs.evolve(parameter, values=(attrs.evolve(value, counting=counting),))
        mapping = {p.name: p for p in params.values()} | {parameter.name: changed}
        assert _digest_of(ParameterSet(mapping)) != before, field


def test_the_digest_material_names_the_time_zones(params: ParameterSet) -> None:
    zones = params.to_json()["time_zones"]
    assert zones["FR"] == "Europe/Paris" and zones["AE"] == "Asia/Dubai"
    assert "US" not in zones and "MX" not in zones


def test_editing_a_file_changes_the_digest(tmp_path: Path, params: ParameterSet) -> None:
    shutil.copytree(BUILTIN, tmp_path / "params")
    path = tmp_path / "params" / "eu-2018-1805.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("amount = 45", "amount = 46"), encoding="utf-8"
    )
    edited = load_parameters(tmp_path / "params")
    assert edited.require("eu_2018_1805.confiscation_decision", date(2024, 1, 1)).amount == 46
    assert _digest_of(edited) != _digest_of(params)


def test_references_are_plain_data() -> None:
    ref = Reference(instrument="I", article="1", address="https://example.org")
    assert ref.to_json() == {
        "instrument": "I",
        "article": "1",
        "address": "https://example.org",
        "also": [],
    }
