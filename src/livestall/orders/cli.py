"""`livestall ledger check`: the books, the ledger's own check and every order matched with its money."""

from __future__ import annotations

import asyncio

import typer

from livestall.ledger.cli import report_and_exit
from livestall.settings import get_settings


def check(as_json: bool = typer.Option(False, "--json", help="Print the report as JSON")) -> None:
    """Prove that every transfer balances, balances match entries and every paid order has its money."""
    from livestall.demo import session_scope
    from livestall.orders.books import check_books

    async def run():
        async with session_scope(get_settings()) as session:
            return await check_books(session=session)

    report_and_exit(asyncio.run(run()), as_json)
