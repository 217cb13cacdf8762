"""The service desk's permissions, API routes and policy checks, registered like a plugin's."""

from __future__ import annotations

from core.api import desk, openapi
from core.hooktypes import AUTHENTICATED, Permission, RouteSpec
from core.i18n import N_
from core.manifest import hookimpl

DESK = ("supervisor", "service_clerk", "technician", "hq_manager", "finance",
        "warehouse_keeper")


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("case.view", N_("See service cases, units and customers"), default_roles=DESK),
        Permission("case.intake", N_("Take in products and open cases"),
                   default_roles=("service_clerk", "supervisor")),
        Permission("case.inspect", N_("Inspect and classify (W-3)"),
                   default_roles=("technician", "supervisor")),
        Permission("case.quote", N_("Quote charges and record confirmations (W-4)"),
                   default_roles=("service_clerk", "supervisor")),
        Permission("case.dispatch", N_("Dispatch technicians (P-3)"),
                   default_roles=("supervisor",)),
        Permission("case.repair", N_("Start and finish repairs"),
                   default_roles=("technician", "supervisor")),
        Permission("case.return", N_("Return units and close cases"),
                   default_roles=("service_clerk", "supervisor")),
        Permission("case.cancel", N_("Cancel and reopen cases"),
                   default_roles=("supervisor", "service_clerk")),
        Permission("case.hold", N_("Put cases on hold and resume them"),
                   default_roles=("technician", "service_clerk", "supervisor")),
        Permission("case.transfer", N_("Hand cases to another service point (P-2)"),
                   default_roles=("service_clerk", "supervisor")),
        Permission("case.export", N_("Export case lists"),
                   default_roles=("supervisor", "hq_manager")),
        Permission("unit.manage", N_("Register units and customers"),
                   default_roles=("service_clerk", "supervisor")),
        Permission("unit.import", N_("Import units and customers in bulk"),
                   default_roles=("hq_manager",)),
        Permission("payment.collect", N_("Collect fees and issue receipts (P-4)"),
                   default_roles=("technician", "service_clerk", "finance")),
        Permission("payment.refund", N_("Pay refunds and exchange settlements on credit notes"),
                   default_roles=("service_clerk", "finance")),
        Permission("payment.write_off",
                   N_("Write off what a customer still owes, with a reason (P-4)"),
                   default_roles=("supervisor", "hq_manager")),
        Permission("finance.handover", N_("Confirm cash handovers (P-4)"),
                   default_roles=("finance",)),
        Permission("reports.view", N_("See turnaround and service reports (P-6)"),
                   default_roles=("supervisor", "hq_manager")),
    ]


@hookimpl
def register_routes() -> list[RouteSpec]:
    api = "/api/v1"
    return [
        RouteSpec("core.api.openapi", f"{api}/openapi.json", openapi.openapi, AUTHENTICATED),
        RouteSpec("core.api.units.create", f"{api}/units", desk.create_unit, "unit.manage",
                  methods=("POST",)),
        RouteSpec("core.api.units.read", f"{api}/units/{{body_code}}", desk.read_unit,
                  "case.view"),
        RouteSpec("core.api.cases.list", f"{api}/cases", desk.list_cases, "case.view"),
        RouteSpec("core.api.cases.create", f"{api}/cases", desk.create_case, "case.intake",
                  methods=("POST",)),
        RouteSpec("core.api.cases.read", f"{api}/cases/{{case_id:int}}", desk.read_case,
                  "case.view"),
        RouteSpec("core.api.cases.transition", f"{api}/cases/{{case_id:int}}/transitions",
                  desk.post_transition, "case.view", methods=("POST",)),
        RouteSpec("core.api.cases.charges", f"{api}/cases/{{case_id:int}}/charges",
                  desk.post_charge, "case.quote", methods=("POST",)),
        RouteSpec("core.api.cases.confirmations",
                  f"{api}/cases/{{case_id:int}}/confirmations", desk.post_confirmation,
                  "case.quote", methods=("POST",)),
        RouteSpec("core.api.cases.holds", f"{api}/cases/{{case_id:int}}/holds",
                  desk.post_hold, "case.hold", methods=("POST",)),
        RouteSpec("core.api.cases.resume", f"{api}/cases/{{case_id:int}}/resume",
                  desk.post_resume, "case.hold", methods=("POST",)),
        RouteSpec("core.api.cases.transfer", f"{api}/cases/{{case_id:int}}/transfer",
                  desk.post_transfer, "case.transfer", methods=("POST",)),
        RouteSpec("core.api.cases.payments", f"{api}/cases/{{case_id:int}}/payments",
                  desk.post_payment, "payment.collect", methods=("POST",)),
        RouteSpec("core.api.cases.refunds", f"{api}/cases/{{case_id:int}}/refunds",
                  desk.post_refund, "payment.refund", methods=("POST",)),
        RouteSpec("core.api.cases.write_offs", f"{api}/cases/{{case_id:int}}/write-offs",
                  desk.post_write_off, "payment.write_off", methods=("POST",)),
    ]
