"""The `livestall` command: serve, migrate, create-admin, demo, cluster."""

from __future__ import annotations

import asyncio
import getpass
import signal
from pathlib import Path

import typer

from livestall import migrate as migrations
from livestall.ledger import cli as ledger_cli
from livestall.orders import cli as orders_cli
from livestall.settings import get_settings

app = typer.Typer(help="Livestall: live-stream shopping, self-hosted.", no_args_is_help=True)
# `ledger check` proves orders against their money too: the ledger cannot name orders, so it joins here.
ledger_cli.app.command()(orders_cli.check)
app.add_typer(ledger_cli.app, name="ledger")


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default: LIVESTALL_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="Port to listen on (default: LIVESTALL_PORT or 8000)"),
) -> None:
    """Migrate the database, then serve the web app, API and live rooms."""
    import uvicorn

    from livestall.main import create_app
    from livestall.observability import configure_logging

    from livestall.settings import Settings

    # Built anew so that derived defaults (the public URL, the room port) follow --host and --port.
    settings = Settings(**{k: v for k, v in (("host", host), ("port", port)) if v})
    configure_logging(settings.log_level, settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.database_url)
    # uvicorn re-raises the SIGTERM it handled once it has shut down. By then the stop was
    # graceful (rooms told to reconnect, queued purchases settled): report success, not a kill.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=True, access_log=False, timeout_graceful_shutdown=10)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.database_url)
    typer.echo("database is up to date")


@app.command("create-admin")
def create_admin(
    email: str = typer.Option(..., prompt=True),
    display_name: str = typer.Option("Operator", prompt="Display name"),
    password: str = typer.Option(None, help="Asked for when not given"),
) -> None:
    """Create an operator account (or give an existing account the operator role)."""
    from livestall.demo import ensure_user, session_scope

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.database_url)
    if password is None:
        password = getpass.getpass("Password: ")

    async def run() -> None:
        async with session_scope(settings) as session:
            await ensure_user(session, email=email, password=password, display_name=display_name,
                              roles=["operator"])

    try:
        asyncio.run(run())
    except Exception as exc:  # a DomainError from the password or email rules
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"operator {email} is ready")


@app.command()
def demo() -> None:
    """Load the demo world (shops, hosts, viewers) and print the logins; safe to run again."""
    from livestall.demo import load_demo

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.database_url)
    logins = asyncio.run(load_demo(settings))
    typer.echo("Demo logins (password for all: %s)" % logins["password"])
    for row in logins["users"]:
        typer.echo(f"  {row['email']:<34} {row['roles']:<28} {row['who']}")


@app.command()
def cluster(
    directory: Path = typer.Option(Path("var/cluster"), "--dir", help="Where the cluster keeps its data and logs"),
    host: str = typer.Option("127.0.0.1", help="Interface nginx listens on"),
    port: int = typer.Option(8080, help="nginx's port: the cluster's public address"),
    apps: int = typer.Option(2, min=1, max=16, help="App processes behind nginx"),
    rtmp_port: int = typer.Option(1935, help="RTMP ingest port (the first app process is the ingest machine)"),
    demo: bool = typer.Option(False, help="Load the demo world first"),
    fsync: bool = typer.Option(True, help="--no-fsync: faster PostgreSQL for tests; a crash may lose its data"),
) -> None:
    """Run PostgreSQL, Redis, several app processes and nginx in front on this machine, until Ctrl-C."""
    from livestall.cluster import main as run_cluster

    raise typer.Exit(run_cluster(directory, host=host, port=port, apps=apps, rtmp_port=rtmp_port, demo=demo,
                                 fsync=fsync))


if __name__ == "__main__":
    app()
