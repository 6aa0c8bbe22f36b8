"""`comity audit bundle` and `comity audit check`, end to end.

A good bundle passes; each way of tampering with one fails `audit check` with exit 1
and the message that names it. Tampering is tried twice where it matters: naively
(the file alone), and as a forger would, with the manifest's sha256 of the file
recomputed, so that the deeper check (a hash, a proof, the replay) is the one that
catches it. Bundles are made on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from comity.cli import cli
from pgtest import PgDatabase, pg_database  # noqa: F401

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.jsonl"))
CASE = "PA-2019-0042"
OTHER = "PA-2019-0117"
AS_OF = "2021-06-30"


def run(store: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--store", store, *args], env=env, catch_exceptions=False)


def check(bundle: Path, key: Path) -> Result:
    return run("memory:", "audit", "check", str(bundle), "--public-key", f"{key}.pub")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = str(tmp_path / "comity.db")
    else:
        database: PgDatabase = request.getfixturevalue("pg_database")
        url = database.new_url()
    assert run(url, "init").exit_code == 0
    for path in EXAMPLES:
        assert run(url, "ingest", str(path)).exit_code == 0
    return url


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "signing.key"
    assert (
        run("memory:", "keygen", "--out", str(path), "--name", "fiscalia.example/pa").exit_code == 0
    )
    return path


def append_case(store: str, tmp_path: Path, case: str) -> None:
    """One more event, of a new case, after whatever was checkpointed."""
    first = json.loads(EXAMPLES[-1].read_text().splitlines()[0])
    first.update(case_id=case, event_id=f"{case.lower()}-1")
    path = tmp_path / f"{case}.jsonl"
    path.write_text(json.dumps(first) + "\n")
    result = run(store, "ingest", str(path))
    assert result.exit_code == 0, result.output


def make(store: str, key: Path, out: Path, case: str = CASE, *extra: str) -> Path:
    result = run(
        store,
        "audit",
        "bundle",
        "--case",
        case,
        "--out",
        str(out),
        "--as-of",
        AS_OF,
        "--actor",
        "analyst-7",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def bundle(store: str, key: Path, tmp_path: Path) -> Path:
    assert run(store, "checkpoint", "--key", str(key)).exit_code == 0
    return make(store, key, tmp_path / "case.zip")


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rewrite(path: Path, changed: dict[str, bytes | None], *, forge: bool = False) -> Path:
    """A copy of the bundle with members replaced (None: removed); with `forge`, the
    manifest's sha256 of each changed member is recomputed."""
    old = members(path)
    new = dict(old)
    for name, data in changed.items():
        if data is None:
            new.pop(name)
        else:
            new[name] = data
    if forge:
        manifest = json.loads(new["manifest.json"])
        for name, data in changed.items():
            if data is None:
                manifest["members"].pop(name, None)
            else:
                manifest["members"][name] = hashlib.sha256(data).hexdigest()
        new["manifest.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    out = path.with_name(f"tampered-{len(list(path.parent.glob('tampered-*')))}.zip")
    with zipfile.ZipFile(out, "x") as zf:
        for name, data in new.items():
            zf.writestr(name, data)
    return out


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in members(path)["records.jsonl"].decode().splitlines()]


def lines_of(recs: list[dict[str, object]]) -> bytes:
    return "".join(
        json.dumps(r, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
        for r in recs
    ).encode()


# ---------------------------------------------------------------------- a good bundle


def test_a_good_bundle_passes_and_holds_only_its_case(store: str, bundle: Path, key: Path) -> None:
    result = check(bundle, key)
    assert result.exit_code == 0, result.output
    assert f"case {CASE} holds" in result.output
    assert "gives findings.json byte for byte" in result.output
    recs = records(bundle)
    assert recs and all(json.loads(str(r["body"]))["case_id"] == CASE for r in recs)
    stored = [
        json.loads(line)
        for line in run(store, "log", "--case", CASE, "--format", "jsonl").stdout.splitlines()
    ]
    # exactly the stored bytes the log hashes, every record of the case
    assert [r["hash"] for r in recs] == [s["hash"] for s in stored]
    for rec in recs:
        assert (
            hashlib.sha256((str(rec["prev_hash"]) + str(rec["body"])).encode()).hexdigest()
            == rec["hash"]
        )
    assert OTHER.encode() not in members(bundle)["records.jsonl"]


def test_the_findings_are_what_replay_prints(store: str, bundle: Path) -> None:
    manifest = json.loads(members(bundle)["manifest.json"])
    replayed = CliRunner().invoke(
        cli,
        [
            "--store",
            store,
            "replay",
            "--case",
            CASE,
            "--as-of",
            AS_OF,
            "--known-at",
            manifest["known_at"],
            "--format",
            "json",
        ],
    )
    assert replayed.exit_code == 0
    findings = members(bundle)["findings.json"]
    assert json.loads(findings)["basis"] == manifest["basis"]
    assert manifest["basis"]["log"]["size"] == 95
    # replay's document names its basis as the bundle does: the same bytes
    assert findings == replayed.stdout_bytes


def test_the_bundle_is_recorded_as_a_disclosure(store: str, bundle: Path) -> None:
    from comity.audit.store import open_audit_store

    audit = open_audit_store(store)
    try:
        (record,) = audit.disclosures(case_id=CASE)
    finally:
        audit.close()
    data = record.data()
    manifest = members(bundle)["manifest.json"]
    assert data["kind"] == "bundle" and data["actor"] == "analyst-7"
    assert data["output"]["sha256"] == hashlib.sha256(manifest).hexdigest()
    assert json.loads(members(bundle)["disclosure.json"])["body"] == record.body
    assert run(store, "verify").exit_code == 0


# ------------------------------------------------------------------------- tampering


@pytest.mark.parametrize("forge", [False, True])
def test_one_altered_event_fails(bundle: Path, key: Path, forge: bool) -> None:
    recs = records(bundle)
    body = str(recs[3]["body"])
    recs[3]["body"] = body.replace('"PA"', '"CR"', 1) if '"PA"' in body else body[:-1] + " }"
    result = check(rewrite(bundle, {"records.jsonl": lines_of(recs)}, forge=forge), key)
    assert result.exit_code == 1, result.output
    assert (
        f"record at position {recs[3]['position']}: its stored bytes do not give its hash"
        in result.output
    )
    assert ("records.jsonl: its sha256 is not the one the manifest lists" in result.output) != forge


@pytest.mark.parametrize("which", ["middle", "last"])
def test_a_removed_event_fails(bundle: Path, key: Path, which: str) -> None:
    recs = records(bundle)
    gone = recs.pop(5 if which == "middle" else -1)
    result = check(rewrite(bundle, {"records.jsonl": lines_of(recs)}, forge=True), key)
    assert result.exit_code == 1, result.output
    if which == "middle":
        assert (
            f"case {CASE}: seq 6 is missing from the bundle: a record was removed" in result.output
        )
    assert f"holds {len(recs)} records, the manifest says {len(recs) + 1}" in result.output
    assert str(gone["position"]) not in [str(r["position"]) for r in recs]


def test_an_added_event_of_another_case_fails(
    store: str, bundle: Path, key: Path, tmp_path: Path
) -> None:
    other = make(store, key, tmp_path / "other.zip", OTHER)
    recs = records(bundle) + records(other)[:1]
    recs.sort(key=lambda r: int(str(r["position"])))
    result = check(rewrite(bundle, {"records.jsonl": lines_of(recs)}, forge=True), key)
    assert result.exit_code == 1, result.output
    assert (
        f"belongs to case {OTHER}, not {CASE}: a record of another case was added" in result.output
    )


def test_a_swapped_checkpoint_fails(store: str, bundle: Path, key: Path, tmp_path: Path) -> None:
    append_case(store, tmp_path, "ZZ-1")
    later = run(store, "checkpoint", "--key", str(key))
    assert later.exit_code == 0
    for forge in (False, True):
        result = check(rewrite(bundle, {"checkpoint.txt": later.output.encode()}, forge=forge), key)
        assert result.exit_code == 1, result.output
        assert "not in the signed checkpoint's log" in result.output
        assert "checkpoint.txt is not the checkpoint the manifest names" in result.output


def test_a_wrong_public_key_fails(bundle: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    assert (
        run("memory:", "keygen", "--out", str(other), "--name", "fiscalia.example/pa").exit_code
        == 0
    )
    result = check(bundle, other)
    assert result.exit_code == 1
    assert "checkpoint: the note is not signed by the key fiscalia.example/pa+" in result.output


@pytest.mark.parametrize("forge", [False, True])
def test_edited_findings_fail(bundle: Path, key: Path, forge: bool) -> None:
    findings = members(bundle)["findings.json"].replace(b'"critical"', b'"info"', 1)
    assert findings != members(bundle)["findings.json"]
    result = check(rewrite(bundle, {"findings.json": findings}, forge=forge), key)
    assert result.exit_code == 1, result.output
    assert (
        "findings.json: differs from the replay of the bundle's records at its cut" in result.output
    )


@pytest.mark.parametrize("forge", [False, True])
def test_an_edited_rule_file_fails(bundle: Path, key: Path, forge: bool) -> None:
    name = "pack/0/rules/001-deadlines.toml"
    text = members(bundle)[name]
    edited = text.replace(b'severity = "critical"', b'severity = "info"', 1)
    assert edited != text
    result = check(rewrite(bundle, {name: edited}, forge=forge), key)
    assert result.exit_code == 1, result.output
    assert "rule pack: the bundle's rule and parameter files load to" in result.output
    assert "a file was altered" in result.output


def test_a_manifest_edited_after_recording_fails(bundle: Path, key: Path) -> None:
    manifest = json.loads(members(bundle)["manifest.json"])
    manifest["as_of"] = "2021-06-29"
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    result = check(rewrite(bundle, {"manifest.json": data}), key)
    assert result.exit_code == 1
    assert "disclosure.json: the record names another manifest" in result.output


def test_an_unlisted_member_fails(bundle: Path, key: Path) -> None:
    result = check(rewrite(bundle, {"pack/1/rules/001-extra.toml": b""}), key)
    assert result.exit_code == 1
    assert (
        "pack/1/rules/001-extra.toml: in the bundle but not listed in the manifest" in result.output
    )


# -------------------------------------------------------------------- bad input, exit 3


def _zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "name",
    ["../evil.txt", "/etc/passwd", "pack/0/rules/../../x.toml", "rules/x.toml", "manifest.json/"],
)
def test_a_member_outside_the_format_is_refused(
    bundle: Path, key: Path, tmp_path: Path, name: str
) -> None:
    entries = [*members(bundle).items(), (name, b"x")]
    result = check(_zip(tmp_path / "evil.zip", entries), key)
    assert result.exit_code == 3, result.output
    assert result.output.count("Error:") == 1 and "no bundle holds" in result.output
    assert not (tmp_path.parent / "evil.txt").exists()


def test_malformed_bundles_are_one_clear_line(bundle: Path, key: Path, tmp_path: Path) -> None:
    cases = {
        "random.zip": b"PK\x03\x04" + bytes(range(256)) * 4,
        "empty.zip": b"",
        "text.zip": b"hello\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    missing = dict(members(bundle))
    missing.pop("findings.json")
    _zip(tmp_path / "missing.zip", list(missing.items()))
    twice = [*members(bundle).items(), ("findings.json", b"{}")]
    with pytest.warns(UserWarning):
        _zip(tmp_path / "twice.zip", twice)
    bad_json = dict(members(bundle))
    bad_json["records.jsonl"] = b'{"position": 1\n'
    _zip(tmp_path / "badjson.zip", list(bad_json.items()))
    for name in [*cases, "missing.zip", "twice.zip", "badjson.zip", "absent.zip"]:
        result = check(tmp_path / name, key)
        assert result.exit_code == 3, (name, result.output)
        assert result.output.count("Error:") == 1, (name, result.output)
        assert "Traceback" not in result.output
    assert check(tmp_path, key).exit_code == 3  # a directory


@pytest.mark.parametrize(
    "change",
    [
        {"records": ["not", "an", "object"]},
        {"checkpoint": "elsewhere"},
        {"basis": [1, 2]},
        {"versions": None},
        {"members": {"checkpoint.txt": 7}},
        {"case_id": 42},
        {"as_of": "yesterday"},
        {"format": "comity-bundle/9"},
    ],
)
def test_a_hostile_manifest_is_a_verdict_or_bad_input(
    bundle: Path, key: Path, change: dict[str, object]
) -> None:
    manifest = json.loads(members(bundle)["manifest.json"])
    manifest.update(change)
    data = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    result = check(rewrite(bundle, {"manifest.json": data}), key)
    assert result.exit_code in (1, 3), result.output
    assert "Error:" in result.output


def test_random_damage_is_a_verdict_or_bad_input_never_a_crash_or_a_pass(
    bundle: Path, key: Path, tmp_path: Path
) -> None:
    data = bundle.read_bytes()
    rng = random.Random(11)
    for n in range(25):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        path = tmp_path / f"damaged-{n}.zip"
        path.write_bytes(bytes(damaged))
        result = check(path, key)
        assert result.exit_code in (0, 1, 3), result.output
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            # the flip hit only what no check reads (a time stamp in a zip header):
            # every member still holds exactly the original bytes
            assert members(path) == members(bundle)


def test_a_compressed_bomb_stops_at_the_bound(
    bundle: Path, key: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from comity.audit.bundle import layout

    monkeypatch.setitem(layout._LIMITS, "findings.json", 1 << 16)
    entries = dict(members(bundle))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, blob in entries.items():
            zf.writestr(name, blob if name != "findings.json" else b"0" * (1 << 22))
    path = tmp_path / "bomb.zip"
    path.write_bytes(buf.getvalue())
    result = check(path, key)
    assert result.exit_code == 3
    assert "findings.json' is larger than 65536 bytes" in result.output


# ------------------------------------------------------------------- making a bundle


def test_no_checkpoint_is_refused_and_nothing_written(
    store: str, key: Path, tmp_path: Path
) -> None:
    out = tmp_path / "case.zip"
    result = run(store, "audit", "bundle", "--case", CASE, "--out", str(out))
    assert result.exit_code == 3
    assert "no checkpoint of the events is stored" in result.output
    assert "comity checkpoint" in result.output
    assert not out.exists() and not list(tmp_path.glob(".*part"))


def test_records_beyond_the_checkpoint_are_refused(store: str, key: Path, tmp_path: Path) -> None:
    assert run(store, "checkpoint", "--key", str(key)).exit_code == 0
    append_case(store, tmp_path, "ZZ-2")
    result = run(store, "audit", "bundle", "--case", "ZZ-2", "--out", str(tmp_path / "z.zip"))
    assert result.exit_code == 3
    assert "the latest signed checkpoint covers 95 records" in result.output
    # the other cases are still covered
    assert (
        run(store, "audit", "bundle", "--case", CASE, "--out", str(tmp_path / "c.zip")).exit_code
        == 0
    )


def test_bundle_refuses_an_existing_file_and_an_unknown_case(bundle: Path, store: str) -> None:
    again = run(store, "audit", "bundle", "--case", CASE, "--out", str(bundle))
    assert again.exit_code == 3 and "already exists" in again.output
    unknown = run(
        store, "audit", "bundle", "--case", "NOPE", "--out", str(bundle.with_name("n.zip"))
    )
    assert unknown.exit_code == 3 and "no events in this case" in unknown.output


def test_a_bundle_of_a_user_pack_checks_with_the_pack_inside(
    store: str, key: Path, tmp_path: Path
) -> None:
    from comity.rules.pack import builtin_dirs

    mine = tmp_path / "mine"
    (mine / "params").mkdir(parents=True)
    source = (builtin_dirs()[1] / "pa.toml").read_text()
    (mine / "params" / "pa.toml").write_text(source.replace("days", "days", 1))
    (mine / "notes.toml").write_text("")
    assert run(store, "checkpoint", "--key", str(key)).exit_code == 0
    out = tmp_path / "mine.zip"
    result = CliRunner().invoke(
        cli,
        [
            "--store",
            store,
            "--rules",
            str(mine),
            "audit",
            "bundle",
            "--case",
            CASE,
            "--out",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert any(name.startswith("pack/1/") for name in members(out))
    assert check(out, key).exit_code == 0
