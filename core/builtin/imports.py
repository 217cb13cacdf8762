"""Bulk import of units and customers (issue 5): the upload page, its menu entry and the
``aftersales import`` commands, registered like a plugin's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import select

from core.hooktypes import AUTHENTICATED, MenuItem, RouteSpec
from core.i18n import N_
from core.manifest import hookimpl
from core.web.views import imports

if TYPE_CHECKING:
    from core.cli import Context

PERMISSION = "unit.import"
#: The pages serve core's kinds (``unit.import``) and the plugins' (each with its own
#: permission), so the view checks who may import what (``imports.kind_choices``).
PAGES = AUTHENTICATED
IMPORT = "/desk/import/{import_id}"


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.import", "/desk/import", imports.import_page, PAGES),
        RouteSpec("core.import_submit", "/desk/import", imports.import_submit, PAGES,
                  methods=("POST",)),
        RouteSpec("core.import_status", IMPORT, imports.import_status, PAGES),
        RouteSpec("core.import_progress", f"{IMPORT}/progress", imports.import_progress,
                  PAGES),
        RouteSpec("core.import_errors", f"{IMPORT}/errors.csv", imports.import_errors,
                  PAGES),
        RouteSpec("core.import_resume", f"{IMPORT}/resume", imports.import_resume,
                  PAGES, methods=("POST",)),
        RouteSpec("core.import_roll_back", f"{IMPORT}/roll-back", imports.import_roll_back,
                  PAGES, methods=("POST",)),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("core.import", N_("Import"), "/desk/import", PERMISSION, order=70)]


@hookimpl
def register_cli(cli: click.Group) -> None:
    if "import" not in cli.commands:
        cli.add_command(import_group)


# --- the command line -------------------------------------------------------------------


class FileProblem(click.ClickException):
    """The file cannot be read at all: nothing was imported (exit code 2)."""

    exit_code = 2


@click.group("import")
def import_group() -> None:
    """Bulk import from CSV: units, customers.

    Valid rows are imported and invalid ones reported with line, column and reason in an
    error file; the exit code is 0 when every row was imported, 1 when some were not and 2
    when the file could not be read.
    """


ERRORS_HELP = "Where to write the error report (default: next to FILE, as NAME.errors.csv)."


@import_group.command("units")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), help=ERRORS_HELP)
@click.option("--batch-size", default=20_000, show_default=True,  # bulk_import.UNIT_BATCH_SIZE
              type=click.IntRange(1, 100_000))
@click.pass_obj
def import_units_cmd(obj: Context, file: str, errors_path: str | None, batch_size: int
                     ) -> None:
    """Import units: body_code, model_code, own_product, oem, customer_phone, sold_on."""
    _run(obj, "units", file, errors_path, batch_size, None)


@import_group.command("customers")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--region", "region_code", help="Region of rows with an empty region_code.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False), help=ERRORS_HELP)
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 100_000))
@click.pass_obj
def import_customers_cmd(obj: Context, file: str, region_code: str | None,
                         errors_path: str | None, batch_size: int) -> None:
    """Import customers: name, company, address, phone, email, region_code."""
    _run(obj, "customers", file, errors_path, batch_size, region_code)


def default_errors_path(path: Path) -> Path:
    return path.with_name(f"{path.stem if path.suffix.lower() == '.csv' else path.name}"
                          ".errors.csv")


def _run(obj: Context, kind: str, file: str, errors_path: str | None, batch_size: int,
         region_code: str | None) -> None:
    from core.entities import Region
    from core.services.bulk_import import run_import, write_errors

    path = Path(file)
    if not path.is_file():
        raise FileProblem(f"{file}: no such file")
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise FileProblem(f"{file}: {exc.strerror or exc}") from None
    obj.require_current()
    size = path.stat().st_size
    with stream, obj.session() as session:
        default_region_id = None
        if region_code:
            default_region_id = session.scalar(select(Region.id).where(
                Region.code == region_code.strip().upper()))
            if default_region_id is None:
                raise click.ClickException(f"unknown region {region_code!r}")
        with click.progressbar(length=size, label=f"Importing {kind}", show_pos=False,
                               file=sys.stderr) as bar:
            done = 0

            def progress(_rows: int, bytes_read: int, _size: int | None) -> None:
                nonlocal done
                bar.update(max(0, bytes_read - done))
                done = max(done, bytes_read)

            result = run_import(kind, session, obj.app.state.pm, stream, size=size,
                                progress=progress, batch_size=batch_size, commit=True,
                                default_region_id=default_region_id, name=path.name)
    click.echo(f"{result.rows} rows read: {result.inserted} {kind} imported, "
               f"{result.failed_rows} rows with errors ({result.duplicates} duplicates).")
    if result.ok:
        return
    target = Path(errors_path) if errors_path else default_errors_path(path)
    with target.open("w", encoding="utf-8", newline="") as out:
        write_errors(result.errors, out)
    first = result.errors[0]
    click.echo(f"line {first.line}, {first.column or 'row'}: {first.reason}", err=True)
    click.echo(f"error report ({len(result.errors)} problems): {target}", err=True)
    click.get_current_context().exit(1)
