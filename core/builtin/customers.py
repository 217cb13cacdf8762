"""Customers as records (issue 18): permissions, pages and the menu entry, registered like a
plugin's. Plugins add to a customer's page through ``detail_panels(entity="customer")``."""

from __future__ import annotations

from core.hooktypes import MenuItem, Permission, RouteSpec
from core.i18n import N_
from core.manifest import hookimpl
from core.web.views.desk import customers

CUSTOMER = "/desk/customers/{customer_id:int}"
POST = ("POST",)


@hookimpl
def register_permissions() -> list[Permission]:
    return [
        Permission("customer.merge", N_("Merge duplicate customer records"),
                   default_roles=("supervisor", "hq_manager")),
        Permission("customer.privacy",
                   N_("Export or anonymise a customer's personal data (PIPL)"),
                   default_roles=("supervisor", "hq_manager")),
    ]


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.desk.customers", "/desk/customers", customers.customer_list,
                  "case.view"),
        RouteSpec("core.desk.customer_suggest", "/desk/customers/suggest", customers.suggest,
                  "case.intake"),
        RouteSpec("core.desk.customer_blank", "/desk/customers/fields", customers.blank_fields,
                  "case.intake"),
        RouteSpec("core.desk.customer", CUSTOMER, customers.customer_page, "case.view"),
        RouteSpec("core.desk.customer_fill", f"{CUSTOMER}/fill", customers.fill,
                  "case.intake"),
        RouteSpec("core.desk.customer_merge", f"{CUSTOMER}/merge", customers.merge,
                  "customer.merge", methods=POST),
        RouteSpec("core.desk.customer_export", f"{CUSTOMER}/export.json", customers.export,
                  "customer.privacy"),
        RouteSpec("core.desk.customer_anonymise", f"{CUSTOMER}/anonymise",
                  customers.anonymise, "customer.privacy", methods=POST),
    ]


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("core.desk.customers", N_("Customers"), "/desk/customers", "case.view",
                     order=25)]
