"""The ``aftersales`` command line.

User mistakes (bad settings, unknown plugin, pending migrations, a taken login) are one clear
line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # issue 11: ``aftersales --help`` imports none of these (lazy below)
    from sqlalchemy.orm import Session
    from starlette.applications import Starlette

    from core.settings import Settings


def _user_errors() -> tuple[type[Exception], ...]:
    """Settings and plugin problems, imported only when an exception is being matched (an
    ``except`` expression is evaluated then), so ``--help`` stays light."""
    from core.plugins import PluginError
    from core.settings import SettingsError

    return (SettingsError, PluginError)


class Context:
    """Settings and the app, built on first use so ``--help`` needs no database."""

    def __init__(self, config: str | None) -> None:
        self.config = config
        self._settings: Settings | None = None
        self._app: Starlette | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from core.settings import SettingsError, load_settings

            try:
                self._settings = load_settings(self.config)
            except SettingsError as exc:
                raise click.ClickException(str(exc)) from None
        return self._settings

    @property
    def app(self) -> Starlette:
        if self._app is None:
            from core.app import create_app
            from core.plugins import PluginError

            try:
                self._app = create_app(self.settings)
            except PluginError as exc:
                raise click.ClickException(str(exc)) from None
        return self._app

    @contextmanager
    def session(self) -> Iterator[Session]:
        from core.audit import set_actor
        from core.errors import DomainError

        session: Session = self.app.state.sessionmaker()
        set_actor(session, None, "cli", "local")
        try:
            yield session
            session.commit()
        except DomainError as exc:
            session.rollback()
            raise click.ClickException(exc.message) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def require_current(self) -> None:
        from core import migrate
        from core.app import pending_message

        waiting = migrate.pending(self.app.state.engine, self.app.state.enabled)
        if waiting:
            raise click.ClickException(pending_message(waiting))


pass_ctx = click.make_pass_decorator(Context)


class PluginAwareGroup(click.Group):
    """Adds plugin commands (``register_cli``) when the command line is parsed."""

    def _with_plugins(self, ctx: click.Context) -> None:
        if getattr(self, "_plugins_added", False):
            return
        self._plugins_added = True
        config = ctx.params.get("config")
        from core.plugin_names import enabled_plugin_names
        from core.plugins import PluginError, make_plugin_manager, resolve

        # Only the plugins' names, not the validated settings (issue 11: pydantic's import
        # was most of ``--help``); only their hooks, not an app (no engine, no routes).
        names = enabled_plugin_names(config)
        if names is None:
            return  # reported by the command that needs the settings
        try:
            pm = make_plugin_manager(resolve(names, source=config or "settings"))
        except PluginError:
            return  # reported by the command that needs them
        pm.hook.register_cli(cli=self)

    def invoke(self, ctx: click.Context) -> Any:
        """Settings and plugin problems are user mistakes: one line, no traceback."""
        try:
            return super().invoke(ctx)
        except _user_errors() as exc:
            raise click.ClickException(str(exc)) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            self._with_plugins(ctx)
        return super().get_command(ctx, cmd_name)


@click.group(cls=PluginAwareGroup)
@click.option("--config", envvar="AFTERSALES_CONFIG", type=click.Path(dir_okay=False),
              help="Settings file (default ./aftersales.toml).")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """aftersales: the after-sales service system."""
    ctx.obj = Context(config)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@pass_ctx
def serve(obj: Context, host: str, port: int, workers: int) -> None:
    """Serve the web app (refuses while migrations are pending)."""
    import uvicorn

    obj.require_current()
    click.echo(f"aftersales ({obj.settings.instance_name}) on http://{host}:{port}")
    if workers > 1:
        # Workers import the app by factory; they read the same settings file/environment.
        if obj.config:
            import os

            os.environ["AFTERSALES_CONFIG"] = obj.config
        uvicorn.run("core.asgi:app", host=host, port=port, workers=workers,
                    proxy_headers=False)
    else:
        # issue 17: X-Forwarded-* are read by the app, only from [security] trusted_proxies
        uvicorn.run(obj.app, host=host, port=port, proxy_headers=False)


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(obj: Context) -> None:
    """Upgrade core and the enabled plugins to their latest schema."""
    from core import migrate
    from core.security.roles import sync_roles

    moved = migrate.upgrade(obj.app.state.engine, obj.app.state.enabled)
    with obj.session() as session:
        sync_roles(session, obj.app.state.registry)
    click.echo("upgraded: " + ", ".join(moved) if moved else "already up to date")


@db.command("current")
@pass_ctx
def db_current(obj: Context) -> None:
    """Show each branch's revision and whether it is at head."""
    from core import migrate

    for state in migrate.states(obj.app.state.engine, obj.app.state.enabled):
        mark = "pending" if state.pending else "current"
        click.echo(f"{state.branch:<12} {state.current or '-':<14} head {state.head:<14} {mark}")


@cli.command()
@click.option("--scale", default=0, type=int,
              help="Also generate N units and N/5 cases (benchmarks).")
@pass_ctx
def demo(obj: Context, scale: int) -> None:
    """Load demo data (idempotent)."""
    from core.demo import DEMO_PASSWORD, demo_logins
    from core.security.roles import sync_roles

    obj.require_current()
    with obj.session() as session:
        sync_roles(session, obj.app.state.registry)
        obj.app.state.pm.hook.seed_demo(session=session, settings=obj.settings, scale=scale)
    with obj.session() as session:
        logins = demo_logins(session)
    click.echo(f"demo data loaded; every demo user's password is {DEMO_PASSWORD!r}:")
    for login, name, place, roles in logins:
        click.echo(f"  {login:<16} {name:<22} {place:<28} {roles}")


@cli.group()
def user() -> None:
    """Users: add, set a password, make an API token."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise click.ClickException("the two passwords differ")
    return first


@user.command("add")
@click.argument("login")
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--service-point", required=True, help="Service point code, e.g. HQ-SC.")
@click.option("--role", "roles", multiple=True, required=True, help="Role id; repeatable.")
@click.option("--locale", default="en", type=click.Choice(["en", "zh_CN"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def user_add(obj: Context, login: str, display_name: str, service_point: str,
             roles: tuple[str, ...], locale: str, password_stdin: bool) -> None:
    """Add a user."""
    from core.services.users import create_user

    obj.require_current()
    password = _read_password(password_stdin)
    with obj.session() as session:
        created = create_user(session, obj.app.state.passwords, login=login,
                              display_name=display_name, service_point_code=service_point,
                              role_ids=list(roles), locale=locale, password=password)
        click.echo(f"user {created.login} added (id {created.id})")


@user.command("passwd")
@click.argument("login")
@click.option("--password-stdin", is_flag=True)
@pass_ctx
def user_passwd(obj: Context, login: str, password_stdin: bool) -> None:
    """Set a user's password."""
    from core.services.users import set_password

    obj.require_current()
    password = _read_password(password_stdin)
    with obj.session() as session:
        set_password(session, obj.app.state.passwords, login, password)
    click.echo(f"password of {login} changed")


@user.command("token")
@click.argument("login")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@pass_ctx
def user_token(obj: Context, login: str, name: str) -> None:
    """Create an API token for LOGIN and print it once."""
    from core.services.users import create_token

    obj.require_current()
    with obj.session() as session:
        token, _row = create_token(session, login, name)
    click.echo(token)


@cli.command("plugins")
@pass_ctx
def plugins_cmd(obj: Context) -> None:
    """Installed plugins, which are enabled, their versions and load order."""
    from core.plugins import available_plugins

    order = {p.name: i + 1 for i, p in enumerate(obj.app.state.plugins)}
    versions = {p.name: p.manifest.version for p in obj.app.state.plugins}
    depends = {p.name: ", ".join(p.manifest.depends) for p in obj.app.state.plugins}
    click.echo(f"{'plugin':<14} {'enabled':<8} {'order':<6} {'version':<9} {'depends':<20} "
               "module")
    for name, ep in available_plugins().items():
        enabled = name in order
        click.echo(f"{name:<14} {'yes' if enabled else 'no':<8} {order.get(name, ''):<6} "
                   f"{versions.get(name, '-'):<9} {depends.get(name, '') or '-':<20} "
                   f"{ep.value}")


@cli.command()
@pass_ctx
def check(obj: Context) -> None:
    """Check settings, plugins and migrations; non-zero exit on any problem."""
    from core import migrate
    from core.app import pending_message

    settings = obj.settings
    click.echo(f"settings: ok ({settings.source})")
    app = obj.app
    click.echo("plugins: ok (" + ", ".join(app.state.enabled or ["none"]) + ")")
    for name, values in app.state.plugin_settings.items():
        shown = ", ".join(f"{key} = {value!r}" for key, value in values.model_dump().items())
        click.echo(f"  [plugin.{name}] {shown}")
    waiting = migrate.pending(app.state.engine, app.state.enabled)
    if waiting:
        raise click.ClickException(pending_message(waiting))
    click.echo("migrations: current")


@cli.command()
@pass_ctx
def tick(obj: Context) -> None:
    """Run every due job once -- queued work, and each periodic job plugins register -- and
    exit (for cron, instead of ``aftersales worker``)."""
    from core.services.queue import (
        PERIODIC,
        periodic_due_now,
        release_orphans,
        run_due,
        sync_periodic,
    )

    obj.require_current()
    release_orphans(obj.app)
    sync_periodic(obj.app)
    periodic_due_now(obj.app)
    outcomes = run_due(obj.app)
    for outcome in outcomes:
        if outcome.kind.startswith(PERIODIC) and outcome.state != "lost":
            click.echo(f"{outcome.kind.removeprefix(PERIODIC)}: {outcome.summary}")
        else:
            click.echo(f"{outcome.kind} (job {outcome.job_id}): {outcome.state}: "
                       f"{outcome.summary}")
    if not outcomes:
        click.echo("-: nothing due")


@cli.command()
@click.option("--poll", type=float, default=None,
              help="Seconds between looks for due work (default [jobs] poll_seconds).")
@pass_ctx
def worker(obj: Context, poll: float | None) -> None:
    """Run queued and periodic jobs until stopped (issue 13; several may run at once)."""
    import threading

    from core.worker import install_signal_handlers, run_worker

    obj.require_current()
    stop = threading.Event()
    install_signal_handlers(stop)
    click.echo(f"aftersales worker ({obj.settings.instance_name}) running; Ctrl-C stops it")
    run_worker(obj.app, stop, poll=poll,
               report=lambda o: click.echo(f"job {o.job_id} {o.kind}: {o.state}: {o.summary}"))
    click.echo("worker stopped")


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def backup_cmd(obj: Context, file: Path) -> None:
    """Write FILE (.tar.gz): the database, var_dir and a manifest (safe while running)."""
    from core.backup import BackupError, backup

    try:
        result = backup(obj.settings, obj.app.state.engine, obj.app.state.enabled, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(result.manifest["counts"].values())
    click.echo(f"backup written to {result.path} ({result.manifest['backend']}, "
               f"{len(result.manifest['counts'])} tables, {rows} rows)")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def restore_cmd(obj: Context, file: Path) -> None:
    """Restore FILE (from ``backup``) into this instance, whose database must be empty."""
    from core.backup import BackupError, restore

    try:
        result = restore(obj.settings, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {file} (made {result.manifest['created_at']} by aftersales "
               f"{result.manifest['aftersales']}); row counts match the manifest")


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="aftersales", standalone_mode=True)
    except SystemExit:  # the usual end (``--help`` too): matched before importing settings
        raise
    except _user_errors() as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
