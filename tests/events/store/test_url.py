"""Store URLs: which backend a name opens, and that no secret survives being shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comity.errors import StoreUnavailable
from comity.events.store import describe_store, open_log, redact_url
from comity.events.store.url import StoreUrl, is_secret_parameter, parse_store_url, scrub


@pytest.mark.parametrize(
    ("url", "kind", "path"),
    [
        ("memory:", "memory", ""),
        (":memory:", "memory", ""),
        ("comity.db", "sqlite", "comity.db"),
        ("dir/x.db", "sqlite", "dir/x.db"),
        ("/abs/x.db", "sqlite", "/abs/x.db"),
        ("sqlite:///rel/x.db", "sqlite", "rel/x.db"),
        ("sqlite:////abs/x.db", "sqlite", "/abs/x.db"),
        ("postgresql://u@h/db", "postgresql", ""),
        ("postgres://u@h/db", "postgresql", ""),
    ],
)
def test_parse_store_url(url: str, kind: str, path: str) -> None:
    assert parse_store_url(url) == StoreUrl(kind, url, path=path)  # type: ignore[arg-type]


def test_an_unknown_scheme_is_refused_without_its_password() -> None:
    with pytest.raises(StoreUnavailable) as info:
        parse_store_url("mysql://root:s3cr3t@db/cases")
    assert str(info.value) == (
        "mysql://root:***@db/cases: unknown store; "
        "use a file path, sqlite:///path, postgresql://... or memory:"
    )
    with pytest.raises(StoreUnavailable, match=r"^mysql://root:\*\*\*@db/cases: unknown store"):
        open_log("mysql://root:s3cr3t@db/cases")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h:5/db", "postgresql://u:***@h:5/db"),
        ("postgres://u:pw@h/db", "postgres://u:***@h/db"),
        (
            "postgresql://u@h/db?password=pw&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("postgresql://h/db?sslpassword=key-pw", "postgresql://h/db?sslpassword=***"),
        ("postgresql://h/db?PASSWORD=pw", "postgresql://h/db?PASSWORD=***"),
        ("postgresql://h/db?pass%77ord=pw", "postgresql://h/db?pass%77ord=***"),
        ("postgresql://h/db?auth_token=t&a=1", "postgresql://h/db?auth_token=***&a=1"),
        ("postgresql://u:pw@h/db?password=pw2", "postgresql://u:***@h/db?password=***"),
        # Everything that is not a secret stays as written, encoding included.
        (
            "postgresql://h/db?options=-csearch_path%3Ds1&connect_timeout=2",
            "postgresql://h/db?options=-csearch_path%3Ds1&connect_timeout=2",
        ),
        ("postgresql://h/db", "postgresql://h/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("postgresql://u@[::1]:5432/db", "postgresql://u@[::1]:5432/db"),
        ("postgresql://[::1]:5432/db", "postgresql://[::1]:5432/db"),
        # Several hosts (urllib cannot read their ports).
        ("postgresql://u:pw@h1:5432,h2:5433/db", "postgresql://u:***@h1:5432,h2:5433/db"),
        # Unencoded characters in a password: more is hidden, never less.
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:p/ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:p?ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u:p#ss@h/db", "postgresql://u:***@h/db"),
        (
            "postgresql://u:pw@h/db?application_name=a@b",
            "postgresql://u:***@h/db?application_name=a@b",
        ),
        # A URL that does not parse still has its password hidden.
        ("postgresql://u:pw@[::1/db", "postgresql://u:***@[::1/db"),
        ("mysql://root:pw@db/x", "mysql://root:***@db/x"),
        ("memory:", "memory:"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_describe_store() -> None:
    assert describe_store("memory:") == "memory:"
    assert describe_store("x.db") == str(Path("x.db").absolute())
    assert describe_store("sqlite:///x.db") == str(Path("x.db").absolute())
    assert describe_store("postgresql://u:pw@h/db?password=pw") == (
        "postgresql://u:***@h/db?password=***"
    )
    assert parse_store_url("postgresql://u:pw@h/db").shown == "postgresql://u:***@h/db"


def test_a_store_url_repr_hides_its_password() -> None:
    store = parse_store_url("postgresql://u:pw-in-repr@h/db?sslpassword=key-in-repr")
    assert "pw-in-repr" not in repr(store)
    assert "key-in-repr" not in repr(store)
    assert (
        repr(store)
        == "StoreUrl(kind='postgresql', shown='postgresql://u:***@h/db?sslpassword=***')"
    )


def test_is_secret_parameter() -> None:
    for name in ("password", "sslpassword", "Password", "pass%77ord", "client_secret", "token"):
        assert is_secret_parameter(name), name
    for name in ("sslmode", "options", "user", "host", "sslkey", "passfile", "application_name"):
        assert not is_secret_parameter(name), name


def test_scrub_hides_every_form_of_every_secret() -> None:
    url = "postgresql://u:p%40ss@h/db?sslpassword=a+b%21"
    text = "auth failed for p@ss and p%40ss; key a b! or a+b! or a+b%21"
    assert scrub(text, url) == "auth failed for *** and ***; key *** or *** or ***"
    assert scrub("nothing here", "postgresql://h/db") == "nothing here"
    assert scrub("x.db: no", "x.db") == "x.db: no"


_URL_TEXT = st.characters(codec="ascii", categories=("L", "N", "P", "S"))


@settings(max_examples=300)
@given(password=st.text(alphabet=_URL_TEXT, min_size=1))
def test_no_password_in_the_user_part_survives(password: str) -> None:
    url = f"postgresql://comity:{password}@127.0.0.1:5432/cases?sslmode=prefer"
    assert redact_url(url) == "postgresql://comity:***@127.0.0.1:5432/cases?sslmode=prefer"
    assert scrub(f"\n{password}\n", url) == "\n***\n"


@settings(max_examples=300)
@given(
    password=st.text(alphabet=_URL_TEXT.filter(lambda c: c != "&"), min_size=1),
    name=st.sampled_from(["password", "sslpassword"]),
)
def test_no_password_in_the_query_survives(password: str, name: str) -> None:
    # An unencoded `&` ends a parameter for libpq too, so it is not in a password here.
    url = f"postgresql://comity@127.0.0.1:5432/cases?{name}={password}"
    shown = redact_url(url)
    # What is shown is the URL up to the password at most, then `***` (an `@` or `/`
    # in the password may make it hide more).
    assert shown.endswith("***")
    assert url.startswith(shown.removesuffix("***"))
    assert len(shown) - 3 <= url.index(f"?{name}=") + len(name) + 2
    assert scrub(f"\n{password}\n", url) == "\n***\n"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://comity:pw-side@127.0.0.1:1/cases?connect_timeout=2",
        "postgresql://comity@127.0.0.1:1/cases?connect_timeout=2&password=pw-side",
        "postgresql://comity@127.0.0.1:1/cases?sslpassword=pw-side&connect_timeout=2",
    ],
)
def test_the_stores_beside_the_log_never_show_the_password(url: str) -> None:
    # The findings and audit tables live in the log's store and name it the same way.
    from comity.audit.store import open_audit_store
    from comity.findings import open_findings

    for opening in (open_log, open_findings, open_audit_store):
        with pytest.raises(StoreUnavailable) as info:
            opening(url)
        assert "pw-side" not in str(info.value), opening
        assert "***" in str(info.value), opening
