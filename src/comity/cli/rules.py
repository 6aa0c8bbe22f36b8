"""Commands that show the rule pack: `rules list` and `rules show ID`.

They load the pack (built-in plus `--rules`) but never open the store, so a lawyer
can read the rules on a machine that has no case data.
"""

from __future__ import annotations

import click

from comity.cli import current
from comity.cli._streams import write_text_lines
from comity.errors import InvalidInput
from comity.report import rule_lines, rules_list_lines

__all__ = ["COMMANDS"]


@click.group("rules")
def rules_group() -> None:
    """The rule pack: `rules list`, `rules show ID`, `rules export DIGEST DIR`."""


@rules_group.command("list")
def rules_list() -> None:
    """Every rule: id, code, category, severity, title and legal basis."""
    context = current()
    write_text_lines(rules_list_lines(context.pack, origin=context.pack_origin()))


@rules_group.command("show")
@click.argument("rule_id", metavar="ID")
def rules_show(rule_id: str) -> None:
    """One rule: description, conditions, deadlines and every dated parameter they use."""
    context = current()
    pack = context.pack
    try:
        rule = pack.rule(rule_id)
    except KeyError:
        raise InvalidInput(
            f"no rule {rule_id!r} in the rule pack; `comity rules list` shows the ids"
        ) from None
    write_text_lines(rule_lines(rule, pack, origin=context.pack_origin()))


def _export() -> None:
    # `rules export` reads the store's archive, so it lives with the findings commands.
    from comity.cli.findings import rules_export

    rules_group.add_command(rules_export)


_export()

COMMANDS = (rules_group,)
