"""`livestall ledger ...`: top up a wallet; `check` (the books, orders included) joins from orders/cli.py."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING

import typer

from livestall.settings import get_settings

if TYPE_CHECKING:
    from livestall.ledger.check import LedgerReport

app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)


def report_and_exit(report: LedgerReport, as_json: bool) -> None:
    """Print a books report (as JSON, or a line per problem) and exit 0 if it found nothing wrong, else 1."""
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        typer.echo(f"{report.transfers} transfers, {report.entries} entries, {report.accounts} accounts, "
                   f"{report.orders_checked} orders checked")
        for problem in report.problems:
            typer.echo(f"PROBLEM: {problem}")
        if report.problem_count > len(report.problems):
            typer.echo(f"... and {report.problem_count - len(report.problems)} more")
        typer.echo("ledger OK" if report.ok else f"ledger has {report.problem_count} problem(s)")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def topup(
    email: str = typer.Option(..., help="The wallet owner's email"),
    amount_minor: int = typer.Option(..., min=1, help="In minor units, e.g. 10000 for CNY 100.00"),
    currency: str = typer.Option("CNY"),
    note: str = typer.Option("top-up by an operator"),
) -> None:
    """Put money received outside the platform into a user's wallet."""
    from livestall.accounts.service import get_user_by_email
    from livestall.demo import session_scope
    from livestall.ledger.flows import post_topup
    from livestall.money import check_currency

    async def run() -> None:
        async with session_scope(get_settings()) as session:
            user = await get_user_by_email(session=session, email=email)
            if user is None:
                raise ValueError(f"no user {email}")
            await post_topup(session, user_id=user.id, amount_minor=amount_minor, currency=check_currency(currency),
                             source="operator", reference=f"operator-topup:cli:{uuid.uuid4().hex}", memo=note)

    try:
        asyncio.run(run())
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"topped up {email} with {amount_minor} {currency.upper()} (minor units)")
