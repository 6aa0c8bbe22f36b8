"""The case reports of every example, opened in a real browser: Debian's Chromium.

Each report is made by `comity report` from the example ingested into a fresh store,
then opened headless from a file:// URL with every request intercepted. The page must
make no request but its own file, log nothing to the console, hold every open finding
and a timeline lane for every jurisdiction of the case, and draw something: the
screenshot's pixels must vary. Screenshots and a printed PDF are kept as test
artefacts in tmp/artefacts/ (ignored by git; COMITY_ARTEFACTS moves it).

Chromium comes from Debian's `chromium` package (.ci/run installs it), never from a
download: Playwright only drives it (`executable_path`). Without it the tests skip,
except under CI (CI=1), where they fail.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from comity.cli import cli

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.jsonl"))
AS_OF = "2021-12-31"
KNOWN_AT = "2099-01-01T00:00:00Z"
ARTEFACTS = Path(os.environ.get("COMITY_ARTEFACTS", ROOT / "tmp" / "artefacts"))


def _chromium() -> str:
    found = os.environ.get("COMITY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def invoke(store: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--store", str(store), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "comity.db"
    invoke(path, "init")
    for example in EXAMPLES:
        invoke(path, "ingest", str(example))
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def cases() -> list[str]:
    ids = []
    for example in EXAMPLES:
        with example.open(encoding="utf-8") as lines:
            ids.append(json.loads(next(lines))["case_id"])
    return ids


def expected(store: Path, case_id: str) -> tuple[set[str], set[str]]:
    """The open finding ids of the case, and every jurisdiction its events or findings
    name, from the replay's JSON and the log (not from the report)."""
    replay = json.loads(
        invoke(
            store,
            "replay",
            "--format",
            "json",
            "--case",
            case_id,
            "--as-of",
            AS_OF,
            "--known-at",
            KNOWN_AT,
        )
    )
    (case,) = replay["cases"]
    open_ids = {f["finding_id"] for f in case["findings"] if f["resolved_at"] is None}
    places = {j for f in case["findings"] for j in f["jurisdictions"]}
    for line in invoke(store, "log", "--case", case_id, "--format", "jsonl").splitlines():
        event = json.loads(line)
        for key in ("lead_jurisdiction", "jurisdiction", "issuing_jurisdiction",
                    "requesting_jurisdiction", "requested_jurisdiction",
                    "executing_jurisdiction", "from_jurisdiction", "to_jurisdiction"):  # fmt: skip
            if event.get(key) and event["occurred_at"][:10] <= AS_OF:
                places.add(event[key])
    return open_ids, places


def distinct_colours(png: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours or ())


def watched(browser: Any, path: Path) -> tuple[str, Any, Any, list[str], list[str]]:
    """A page for `path` that records every request (only the file itself may load;
    the rest is aborted) and every console error or warning and page error."""
    url = path.resolve().as_uri()
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []

    def route(r: Any) -> None:
        requests.append(r.request.url)
        if r.request.url == url:
            r.continue_()
        else:
            r.abort()

    def console(message: Any) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"{message.type}: {message.text}")

    page.route("**/*", route)
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    return url, context, page, requests, problems


def test_the_watch_sees_a_request_and_a_console_error(browser: Any, tmp_path: Path) -> None:
    """The checks below can fail: a page that loads an image and logs an error is caught."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
        "<script>console.error('boom')</script></body></html>",
        encoding="utf-8",
    )
    url, context, page, requests, problems = watched(browser, page_file)
    try:
        page.goto(url, wait_until="load")
        assert "http://127.0.0.1:9/x.png" in requests
        assert any("boom" in p for p in problems)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("case_id", cases())
def test_the_report_opens_offline_and_shows_the_case(
    store: Path, browser: Any, tmp_path: Path, case_id: str, lang: str
) -> None:
    report = tmp_path / f"{case_id}-{lang}.html"
    invoke(store, "report", "--case", case_id, "--as-of", AS_OF, "--known-at", KNOWN_AT,
           "--lang", lang, "--out", str(report))  # fmt: skip
    url, context, page, requests, problems = watched(browser, report)
    try:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        assert set(requests) == {url}, requests  # the file itself, and nothing else
        assert problems == []
        assert page.locator("html").get_attribute("lang") == lang
        open_ids, places = expected(store, case_id)
        for finding_id in open_ids:
            article = page.locator(f'article[data-finding-id="{finding_id}"]')
            assert article.count() == 1 and article.is_visible(), finding_id
            assert article.get_attribute("data-status") in ("open", "missed")
        lanes = page.locator("svg.timeline g.lane")
        shown = {lanes.nth(n).get_attribute("data-jurisdiction") for n in range(lanes.count())}
        assert places <= shown, places - shown
        assert page.locator("svg.flows").is_visible()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        png = page.screenshot(full_page=True, path=str(ARTEFACTS / f"report-{case_id}-{lang}.png"))
        assert distinct_colours(png) > 50  # text, badges, lanes: not a blank page
        timeline = page.locator("svg.timeline").screenshot()
        assert distinct_colours(timeline) > 8  # lanes and marks were drawn
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF")
        (ARTEFACTS / f"report-{case_id}-{lang}.pdf").write_bytes(pdf)
    finally:
        context.close()
