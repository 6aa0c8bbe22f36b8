"""`comity token add|list|revoke|refusals`: the HTTP service's bearer tokens.

A token is printed once, when it is made, and only its hash is stored: a lost token
is revoked and replaced, never recovered.
"""

from __future__ import annotations

import click

from comity.cli import Context, pass_context
from comity.service.tokens import ROLES, TokenStore, open_tokens

__all__ = ["COMMANDS"]


def _tokens(context: Context) -> TokenStore:
    context.log  # noqa: B018 - the store must exist: refuse before creating any table
    return open_tokens(context.url, context.where)


@click.group("token")
def token() -> None:
    """Manage the bearer tokens of `comity serve`."""


@token.command("add")
@click.argument("name")
@click.option(
    "--role",
    "roles",
    type=click.Choice(ROLES),
    multiple=True,
    required=True,
    help="writer (append), reader (read), auditor (read, disclosures, checkpoints), "
    "admin (everything, tokens); repeat for several.",
)
@pass_context
def add(context: Context, name: str, roles: tuple[str, ...]) -> None:
    """Make a token NAME and print it (once: only its hash is stored).

    NAME is the actor every read made with the token is recorded under.
    """
    tokens = _tokens(context)
    try:
        secret = tokens.add(name, roles)
    finally:
        tokens.close()
    click.echo(secret)
    click.echo(
        f"token {name!r} ({', '.join(roles)}) made; it is shown only now: keep it in a secret "
        "store",
        err=True,
    )


@token.command("list")
@pass_context
def list_command(context: Context) -> None:
    """List the tokens: name, roles, when made and revoked (never the tokens)."""
    tokens = _tokens(context)
    try:
        found = tokens.all()
    finally:
        tokens.close()
    if not found:
        click.echo("No tokens; `comity token add NAME --role reader` makes one.", err=True)
        return
    for t in found:
        state = f"revoked {t.revoked_at}" if t.revoked_at else "active"
        click.echo(f"{t.name}\t{','.join(t.roles)}\tmade {t.created_at}\t{state}")


@token.command("revoke")
@click.argument("name")
@pass_context
def revoke(context: Context, name: str) -> None:
    """Revoke the token NAME at once (its name is not given out again)."""
    tokens = _tokens(context)
    try:
        changed = tokens.revoke(name)
    finally:
        tokens.close()
    click.echo(f"token {name!r} {'revoked' if changed else 'was already revoked'}.")


@token.command("refusals")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@pass_context
def refusals(context: Context, limit: int) -> None:
    """The requests the service refused (401 and 403), oldest first."""
    tokens = _tokens(context)
    try:
        found = tokens.refusals(limit=limit)
    finally:
        tokens.close()
    for r in found:
        click.echo(
            f"{r.at}\t{r.status}\t{r.method} {r.path}\t{r.actor or '-'}\t{r.client or '-'}\t"
            f"{r.reason}"
        )


COMMANDS = (token,)
