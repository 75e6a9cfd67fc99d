"""`livestall giveaways verify ID`: redo a giveaway's draw from its public record and say whether it matches."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer

from livestall.settings import get_settings

app = typer.Typer(help="Giveaways: check a draw.", no_args_is_help=True)


def check_record(record: dict) -> tuple[bool, list[int]]:
    """(whether the record's seed and winners are proven by its own entries, the winners recomputed)."""
    from livestall.giveaways.draw import verify_winners, winners_of

    ids = [entry["id"] for entry in record["entries"]]
    found = winners_of(record["seed"], ids, record["winners"])
    return verify_winners(seed=record["seed"], seed_hash=record["seed_hash"], entry_ids=ids,
                          winners=record["winners"], claimed=record["winner_entry_ids"]), found


@app.command()
def verify(
    giveaway_id: int = typer.Argument(..., help="The giveaway's id"),
    record: Path = typer.Option(None, help="A saved copy of GET /api/v1/giveaways/ID/verification to check "
                                           "instead of this server's database"),
) -> None:
    """Recompute the winners from the seed and the entry list; exit 0 when they match what was announced, else 1."""
    if record is not None:
        data = json.loads(record.read_text(encoding="utf-8"))
    else:
        from livestall.demo import session_scope
        from livestall.giveaways.service import get_giveaway, get_verification

        async def read() -> dict:
            async with session_scope(get_settings()) as session:
                giveaway = await get_giveaway(session=session, giveaway_id=giveaway_id)
                return await get_verification(session=session, giveaway=giveaway)

        try:
            data = asyncio.run(read())
        except Exception as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    if data.get("id") != giveaway_id:
        typer.echo(f"error: the record is of giveaway {data.get('id')}, not {giveaway_id}", err=True)
        raise typer.Exit(2)
    if not data.get("seed"):
        typer.echo(f"giveaway {giveaway_id} is not drawn yet: its seed is still secret")
        raise typer.Exit(1)
    ok, found = check_record(data)
    typer.echo(f"commitment {data['seed_hash']}\nseed       {data['seed']}\nentries    {len(data['entries'])}")
    typer.echo(f"announced  {data['winner_entry_ids']}\nrecomputed {found}")
    typer.echo("draw OK: the winners match" if ok else "draw MISMATCH: the winners or the seed do not match")
    raise typer.Exit(0 if ok else 1)
