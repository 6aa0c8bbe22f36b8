"""Commands that show the rule pack: `rules list` and `rules show ID`.

They load the pack (built-in plus `--rules`) but never open the store, so a lawyer
can read the rules on a machine that has no case data.
"""

from __future__ import annotations

import click

from comity.cli import current
from comity.cli._streams import write_text_lines
from comity.errors import InvalidInput
from comity.i18n import gettext as _
from comity.report import rule_lines, rules_list_lines
from comity.rules import Rule, RulePack

__all__ = ["COMMANDS", "find_rule"]


@click.group("rules")
def rules_group() -> None:
    """The rule pack: `rules list`, `rules show ID`, `rules export DIGEST DIR`."""


@rules_group.command("list")
def rules_list() -> None:
    """Every rule: id, code, category, severity, title and legal basis."""
    context = current()
    write_text_lines(rules_list_lines(context.pack, origin=context.pack_origin()))


def find_rule(pack: RulePack, name: str) -> Rule:
    """The rule whose id (in any case: ov-001) or code (asset_abroad) is `name`."""
    wanted = name.strip()
    by_id = [r for r in pack.rules if r.id.casefold() == wanted.casefold()]
    if by_id:
        return by_id[0]
    by_code = [r for r in pack.rules if r.code.casefold() == wanted.casefold()]
    if len(by_code) == 1:
        return by_code[0]
    if by_code:
        raise InvalidInput(
            _("{name!r} is the code of several rules ({ids}); give the rule id").format(
                name=name, ids=", ".join(r.id for r in by_code)
            )
        )
    raise InvalidInput(
        _(
            "no rule {name!r} in the rule pack (by id or code); `comity rules list` shows them"
        ).format(name=name)
    )


@rules_group.command("show")
@click.argument("rule_id", metavar="ID_OR_CODE")
def rules_show(rule_id: str) -> None:
    """One rule: description, conditions, deadlines and every dated parameter they use.

    ID_OR_CODE is a rule id in any case (OV-001, ov-001) or a finding code
    (asset_abroad), as `comity rules list` shows them.
    """
    context = current()
    pack = context.pack
    rule = find_rule(pack, rule_id)
    write_text_lines(rule_lines(rule, pack, origin=context.pack_origin()))


def _export() -> None:
    # `rules export` reads the store's archive, so it lives with the findings commands.
    from comity.cli.findings import rules_export

    rules_group.add_command(rules_export)


_export()

COMMANDS = (rules_group,)
