"""The report layer imports no command-line library, so any front end can use it.

Checked two ways: by the imports written in the source (so that a lazy import inside
a function is caught too), and by importing the package in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import comity

PACKAGE = Path(comity.__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_cli_package_imports_click() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "click"
        )
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "cli"
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_report_layer_does_not_import_the_cli() -> None:
    report = PACKAGE / "report"
    paths = sorted(report.rglob("*.py"))
    assert paths, "comity/report/ has no modules"
    for path in paths:
        assert not any(
            name == "comity.cli" or name.startswith("comity.cli.")
            for name in imported_modules(path)
        ), path


def test_importing_the_report_layer_loads_no_click() -> None:
    code = (
        "import sys\n"
        "import comity.report, comity.report.text, comity.report.json\n"
        "print(sorted(m for m in sys.modules if m == 'click' or m.startswith('click.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
