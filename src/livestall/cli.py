"""The `livestall` command: serve, migrate, create-admin, demo, cluster, ledger, giveaways, verify-draw."""

from __future__ import annotations

import asyncio
import getpass
import shutil
import signal
from pathlib import Path

import typer

from livestall import migrate as migrations
from livestall.cluster import MAX_APPS, default_apps, nginx_binary
from livestall.cluster import main as run_cluster
from livestall.giveaways import cli as giveaways_cli
from livestall.ledger import cli as ledger_cli
from livestall.orders import cli as orders_cli
from livestall.settings import Settings, get_settings

app = typer.Typer(help="Livestall: live-stream shopping, self-hosted.", no_args_is_help=True)
# `ledger check` proves orders against their money too: the ledger cannot name orders, so it joins here.
ledger_cli.app.command()(orders_cli.check)
app.add_typer(ledger_cli.app, name="ledger")
app.add_typer(giveaways_cli.app, name="giveaways")
# Anyone holding a giveaway's public record checks its draw with one short command.
app.command("verify-draw")(giveaways_cli.verify)


@app.command(epilog=(
    "With --workers N above 1: N of these processes on loopback ports behind nginx, sharing the database, Redis "
    "and the uploads folder, the first one also taking RTMP ingest; Ctrl-C or SIGTERM stops them all. "
    "`livestall cluster` does the same with a PostgreSQL of its own."))
def serve(
    host: str = typer.Option(None, help="Interface to listen on (default: LIVESTALL_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="Port to listen on (default: LIVESTALL_PORT or 8000)"),
    workers: int = typer.Option(1, min=1, max=MAX_APPS, help=(
        f"App processes; one per core is {default_apps()} here. Above 1, nginx listens on --host/--port in "
        "front of them; they need PostgreSQL (LIVESTALL_DATABASE_URL: SQLite takes one writer at a time) and "
        "Redis so that rooms span them (LIVESTALL_REDIS_URL, else a private redis-server is started).")),
) -> None:
    """Migrate the database, then serve the web app, API and live rooms (several processes with --workers)."""
    # Built anew so that derived defaults (the public URL, the room port) follow --host and --port.
    settings = Settings(**{k: v for k, v in (("host", host), ("port", port)) if v})
    if workers > 1:
        problem = workers_problem(settings, workers)
        if problem:
            raise typer.BadParameter(problem, param_hint="'--workers'")
        raise typer.Exit(serve_workers(settings, workers))

    import uvicorn

    from livestall.main import create_app
    from livestall.observability import configure_logging

    configure_logging(settings.log_level, settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.database_url)
    # uvicorn re-raises the SIGTERM it handled once it has shut down. By then the stop was
    # graceful (rooms told to reconnect, queued purchases settled): report success, not a kill.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning",
                proxy_headers=True, access_log=False, timeout_graceful_shutdown=10)


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why `serve --workers N` cannot run on these settings, or None when it can."""
    if not settings.database_url.startswith("postgresql"):
        return (f"{workers} app processes need PostgreSQL, and LIVESTALL_DATABASE_URL is "
                f"{'SQLite' if settings.is_sqlite else 'not PostgreSQL'}: a SQLite file takes one writer at a "
                "time, and the processes' shared jobs lock through PostgreSQL. Set "
                "LIVESTALL_DATABASE_URL=postgresql+asyncpg://USER:PASSWORD@HOST/DB, or run `livestall cluster`, "
                "which starts its own PostgreSQL.")
    if not settings.redis_url and shutil.which("redis-server") is None:
        return (f"{workers} app processes need Redis, so that a show's room spans them: set LIVESTALL_REDIS_URL, "
                "or install redis-server (one is then started for them).")
    if nginx_binary() is None:
        return f"{workers} app processes need nginx in front of them: apt-get install nginx."
    return None


def serve_workers(settings: Settings, workers: int) -> int:
    """N app processes on the settings' PostgreSQL and Redis, behind nginx on their host and port."""
    # The public URL `serve` derives from --host/--port is nginx's; one set explicitly is kept.
    derived = settings.public_url == f"http://{settings.host}:{settings.port}"
    return run_cluster(settings.data_dir / "workers", host=settings.host, port=settings.port, apps=workers,
                       rtmp_port=settings.rtmp_port if settings.rtmp_enabled else None,
                       database_url=settings.database_url, redis_url=settings.redis_url, home=settings.data_dir,
                       public_url=None if derived else settings.public_url,
                       ws_public_url=settings.ws_public_url or None)


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


@app.command(epilog="`livestall serve --workers N` does the same on a PostgreSQL of your own (LIVESTALL_DATABASE_URL).")
def cluster(
    directory: Path = typer.Option(Path("var/cluster"), "--dir", help="Where the cluster keeps its data and logs"),
    host: str = typer.Option("127.0.0.1", help="Interface nginx listens on"),
    port: int = typer.Option(8080, help="nginx's port: the cluster's public address"),
    apps: int | None = typer.Option(None, "--workers", "--apps", min=1, max=MAX_APPS,
                                    show_default=f"one per core: {default_apps()} here",
                                    help="App processes behind nginx"),
    rtmp_port: int = typer.Option(1935, help="RTMP ingest port (the first app process is the ingest machine)"),
    demo: bool = typer.Option(False, help="Load the demo world first"),
    fsync: bool = typer.Option(True, help="--no-fsync: faster PostgreSQL for tests; a crash may lose its data"),
) -> None:
    """Run PostgreSQL, Redis, one app process per core and nginx in front on this machine, until Ctrl-C."""
    raise typer.Exit(run_cluster(directory, host=host, port=port, apps=apps or default_apps(), rtmp_port=rtmp_port,
                                 demo=demo, fsync=fsync))


if __name__ == "__main__":
    app()
