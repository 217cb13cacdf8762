"""The parts plugin's hook implementations (R-6, P-5, O-1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    OPEN_STATES,
    ChargeDraft,
    ImportKind,
    Job,
    MenuItem,
    Panel,
    Permission,
    RouteSpec,
    ServiceCase,
    Settings,
    User,
    Widget,
    hookimpl,
)
from plugins.parts import api, services, views
from plugins.parts import stock as ledger

VIEW = "parts.view"
WORK = "parts.work"  # reserve and issue to cases, raise requisitions, receive transfers
STOCK = "parts.stock"  # receive, adjust, ship, tools
APPROVE = "parts.approve"  # HQ: approve requisitions
CATALOGUE = "parts.catalogue"
REPORT = "parts.report"
POST = ("POST",)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission(VIEW, N_("See parts, stock, transfers and requisitions"),
                   default_roles=("technician", "service_clerk", "supervisor",
                                  "warehouse_keeper", "hq_manager", "finance")),
        Permission(WORK, N_("Reserve and issue parts to cases, request parts"),
                   default_roles=("technician", "supervisor", "warehouse_keeper")),
        Permission(STOCK, N_("Receive, count, ship and refurbish parts; lend tools"),
                   default_roles=("warehouse_keeper", "supervisor")),
        Permission(APPROVE, N_("Approve parts requisitions (HQ)"),
                   default_roles=("hq_manager",)),
        Permission(CATALOGUE, N_("Edit the parts catalogue and warehouses"),
                   default_roles=("hq_manager",)),
        Permission(REPORT, N_("See parts reports"),
                   default_roles=("hq_manager", "finance", "supervisor")),
    ]


@hookimpl
def register_routes() -> list[RouteSpec]:
    a = "/api/v1/parts"
    case = a + "/cases/{case_id:int}"
    tr = a + "/transfers/{transfer_id:int}"
    rq = a + "/requisitions/{requisition_id:int}"
    tool = a + "/tools/{tool_id:int}"
    p = "/parts"
    return [
        RouteSpec("parts.api.parts", f"{a}/parts", api.parts, VIEW),
        RouteSpec("parts.api.part_create", f"{a}/parts", api.part_create, CATALOGUE,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.import", f"{a}/parts/import", api.import_catalogue, CATALOGUE,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.import_progress", a + "/parts/import/{import_id}",
                  api.import_progress, CATALOGUE),
        RouteSpec("parts.api.warehouses", f"{a}/warehouses", api.warehouses, VIEW),
        RouteSpec("parts.api.warehouse_create", f"{a}/warehouses", api.warehouse_create,
                  CATALOGUE, methods=POST, csrf=False),
        RouteSpec("parts.api.stock", f"{a}/stock", api.stock, VIEW),
        RouteSpec("parts.api.moves", f"{a}/moves", api.moves, VIEW),
        RouteSpec("parts.api.receive", f"{a}/receipts", api.receive, STOCK, methods=POST,
                  csrf=False),
        RouteSpec("parts.api.adjust", f"{a}/adjustments", api.adjust, STOCK, methods=POST,
                  csrf=False),
        RouteSpec("parts.api.refurbish", f"{a}/refurbishments", api.refurbish, STOCK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.case", case, api.case_parts, VIEW),
        RouteSpec("parts.api.reserve", f"{case}/reservations", api.reserve, WORK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.release", case + "/reservations/{reservation_id:int}/release",
                  api.release, WORK, methods=POST, csrf=False),
        RouteSpec("parts.api.issue", f"{case}/issues", api.issue, WORK, methods=POST,
                  csrf=False),
        RouteSpec("parts.api.return", case + "/reservations/{reservation_id:int}/return",
                  api.return_from_case, WORK, methods=POST, csrf=False),
        RouteSpec("parts.api.stock_holds", f"{a}/reservations", api.stock_holds, VIEW),
        RouteSpec("parts.api.stock_hold_create", f"{a}/reservations", api.stock_hold_create,
                  WORK, methods=POST, csrf=False),
        RouteSpec("parts.api.stock_hold_release",
                  a + "/reservations/{reservation_id:int}/release", api.stock_hold_release,
                  WORK, methods=POST, csrf=False),
        RouteSpec("parts.api.returns", f"{a}/returns", api.returns, VIEW),
        RouteSpec("parts.api.send_returns", f"{a}/returns", api.send_returns, STOCK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.transfers", f"{a}/transfers", api.transfers, VIEW),
        RouteSpec("parts.api.ship", f"{a}/transfers", api.ship, STOCK, methods=POST,
                  csrf=False),
        RouteSpec("parts.api.transfer", tr, api.transfer, VIEW),
        RouteSpec("parts.api.receive_transfer", f"{tr}/receipt", api.receive_transfer, WORK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.requisitions", f"{a}/requisitions", api.requisitions, VIEW),
        RouteSpec("parts.api.request", f"{a}/requisitions", api.request_parts, WORK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.requisition", rq, api.requisition, VIEW),
        RouteSpec("parts.api.decide", f"{rq}/decision", api.decide, APPROVE, methods=POST,
                  csrf=False),
        RouteSpec("parts.api.ship_requisition", f"{rq}/shipment", api.ship_requisition,
                  STOCK, methods=POST, csrf=False),
        RouteSpec("parts.api.reorder", f"{a}/reorder-points", api.set_reorder, STOCK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.replenishment", f"{a}/replenishment", api.replenishment, VIEW),
        RouteSpec("parts.api.tools", f"{a}/tools", api.tools, VIEW),
        RouteSpec("parts.api.tool_create", f"{a}/tools", api.tool_create, STOCK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.check_out", f"{tool}/check-out", api.check_out, STOCK,
                  methods=POST, csrf=False),
        RouteSpec("parts.api.check_in", f"{tool}/return", api.check_in, STOCK, methods=POST,
                  csrf=False),
        RouteSpec("parts.api.report", a + "/reports/{name}", api.report, REPORT),
        # pages
        RouteSpec("parts.home", p, views.home, VIEW),
        RouteSpec("parts.catalogue", f"{p}/catalogue", views.catalogue, VIEW),
        RouteSpec("parts.catalogue_form", f"{p}/catalogue", views.catalogue_form, CATALOGUE,
                  methods=POST),
        RouteSpec("parts.stock_page", f"{p}/stock", views.stock_page, VIEW),
        RouteSpec("parts.receive_form", f"{p}/stock/receive", views.receive_form, STOCK,
                  methods=POST),
        RouteSpec("parts.hold_form", f"{p}/stock/set-aside", views.hold_form, WORK,
                  methods=POST),
        RouteSpec("parts.hold_release_form", p + "/stock/set-aside/{reservation_id:int}/release",
                  views.hold_release_form, WORK, methods=POST),
        RouteSpec("parts.returns_page", f"{p}/returns", views.returns_page, VIEW),
        RouteSpec("parts.returns_form", f"{p}/returns", views.returns_form, STOCK,
                  methods=POST),
        RouteSpec("parts.transfers_page", f"{p}/transfers", views.transfers_page, VIEW),
        RouteSpec("parts.ship_form", f"{p}/transfers", views.ship_form, STOCK, methods=POST),
        RouteSpec("parts.transfer_page", p + "/transfers/{transfer_id:int}",
                  views.transfer_page, VIEW),
        RouteSpec("parts.packing_list", p + "/transfers/{transfer_id:int}/packing-list",
                  views.packing_list, VIEW),
        RouteSpec("parts.receipt_form", p + "/transfers/{transfer_id:int}/receipt",
                  views.receipt_form, WORK, methods=POST),
        RouteSpec("parts.requisitions_page", f"{p}/requisitions", views.requisitions_page,
                  VIEW),
        RouteSpec("parts.request_form", f"{p}/requisitions", views.request_form, WORK,
                  methods=POST),
        RouteSpec("parts.requisition_page", p + "/requisitions/{requisition_id:int}",
                  views.requisition_page, VIEW),
        RouteSpec("parts.decide_form", p + "/requisitions/{requisition_id:int}/decision",
                  views.decide_form, APPROVE, methods=POST),
        RouteSpec("parts.ship_requisition_form",
                  p + "/requisitions/{requisition_id:int}/shipment",
                  views.ship_requisition_form, STOCK, methods=POST),
        RouteSpec("parts.tools_page", f"{p}/tools", views.tools_page, VIEW),
        RouteSpec("parts.tool_form", p + "/tools/{tool_id:int}/{action}", views.tool_form,
                  STOCK, methods=POST),
        RouteSpec("parts.reports_page", f"{p}/reports", views.reports_page, REPORT),
        RouteSpec("parts.report_csv", p + "/reports/{name}.csv", views.report_csv, REPORT),
        RouteSpec("parts.case_panel", p + "/cases/{case_id:int}/panel", views.case_panel,
                  VIEW),
        RouteSpec("parts.case_reserve", p + "/cases/{case_id:int}/reserve",
                  views.case_reserve, WORK, methods=POST),
        RouteSpec("parts.case_issue", p + "/cases/{case_id:int}/issue", views.case_issue,
                  WORK, methods=POST),
        RouteSpec("parts.widget_late", f"{p}/widgets/late", views.widget_late, VIEW),
    ]


@hookimpl
def register_import_kinds() -> list[ImportKind]:
    """The catalogue CSV goes through core's import page and job (progress, row errors,
    resume, roll-back)."""
    from plugins.parts.catalogue import import_kind

    return [import_kind()]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("parts.stock", N_("Parts"), "/parts/stock", VIEW, order=70)]


@hookimpl
def dashboard_widgets() -> list[Widget]:
    return [Widget("parts.late", N_("Late parts requisitions (P-5)"), "/parts/widgets/late",
                   VIEW, order=70)]


@hookimpl
def detail_panels(entity: str, obj: object, request: object) -> list[Panel]:
    if entity == "case" and isinstance(obj, ServiceCase):
        return [Panel("parts.case", N_("Parts (R-6, P-5)"), f"/parts/cases/{obj.id}/panel",
                      VIEW, order=20)]
    return []


@hookimpl
def part_price(session: Session, model_code: str, item: str) -> int | None:
    return services.part_price(session, model_code, item)


@hookimpl
def charge_lines(session: Session, case: ServiceCase) -> list[ChargeDraft]:
    """Issued parts are charged when issued (``add_charge``); nothing more to propose, but
    an issued part whose line was removed by hand is not proposed again either."""
    return []


@hookimpl
def after_transition(session: Session, case: ServiceCase, from_state: str,
                     actor: User | None, payload: dict[str, Any]) -> None:
    """A case that ends without repair gives its reserved parts back."""
    if case.state not in OPEN_STATES:
        services.release_case(session, case, actor)


def _late(session: Session, settings: Settings, now: datetime) -> str:
    flagged = services.flag_late(session, now)
    return f"{len(flagged)} requisition(s) flagged late"


def _expire(session: Session, settings: Settings, now: datetime) -> str:
    from plugins.parts import holds

    return f"{holds.expire(session, now)} reservation(s) expired"


@hookimpl
def register_jobs() -> list[Job]:
    return [Job("parts.late_requisitions",
                "Flag requisitions past their needed-by date and tell the requester (P-5)",
                _late),
            Job("parts.expire_reservations",
                "Give back stock set aside without a case when its expiry has passed",
                _expire, every_minutes=15)]


@click.group("parts")
def parts_group() -> None:
    """Parts stock: check the quantities against the ledger."""


@parts_group.command("rebuild")
@click.option("--fix", is_flag=True, help="Set every differing row to the ledger's values.")
@click.pass_obj
def rebuild_cmd(obj: Any, fix: bool) -> None:
    """Rebuild on-hand and reserved quantities from the ledger and compare (exit 1 when they
    differ and --fix was not given)."""
    obj.require_current()
    with obj.session() as session:
        drifts = ledger.compare(session, fix=fix)
        rows = len(list(session.scalars(select(ledger.Stock.id))))
    for d in drifts:
        click.echo(f"{d.part} {d.warehouse} {d.condition}: on hand {d.on_hand} "
                   f"(ledger {d.ledger_on_hand}), reserved {d.reserved} "
                   f"(ledger {d.ledger_reserved})" + (" - fixed" if fix else ""))
    click.echo(f"{rows} stock rows checked, {len(drifts)} differ from the ledger.")
    if drifts and not fix:
        raise SystemExit(1)


@parts_group.command("import-catalogue")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
def import_catalogue_cmd(obj: Any, file: str) -> None:
    """Add or update catalogue parts from a CSV file (exit 1 when some rows were refused)."""
    from pathlib import Path

    from plugins.parts.catalogue import import_catalogue

    obj.require_current()
    with obj.session() as session:
        saved, errors = import_catalogue(session, Path(file).read_text(encoding="utf-8-sig"))
    for line, column, reason in errors:
        click.echo(f"line {line}, {column or '-'}: {reason}", err=True)
    click.echo(f"{saved} parts saved, {len(errors)} problems.")
    if errors:
        raise SystemExit(1)


@hookimpl
def register_cli(cli: click.Group) -> None:
    if "parts" not in cli.commands:
        cli.add_command(parts_group)


@hookimpl(trylast=True)
def seed_demo(session: Session, settings: Settings, scale: int) -> None:
    from plugins.parts.demo import seed

    seed(session, settings)
