"""Core's durable-queue hooks (issue 13): the ``admin.jobs`` permission, the jobs page and
its menu entry, and core's own job kinds (customer message delivery)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.entities import OutboxMessage, ServiceCase, Unit, User
from core.hooktypes import JobKind, MenuItem, Panel, Permission, RouteSpec
from core.i18n import N_
from core.manifest import hookimpl
from core.services import delivery, import_runs, notices
from core.settings import Settings
from core.web.views.admin import jobs
from core.web.views.desk import attachments, messages

ADMIN = "admin"
POST = ("POST",)


@hookimpl
def register_permissions() -> list[Permission]:
    return [Permission("admin.jobs", N_("See the job queue; retry or cancel jobs"),
                       default_roles=(ADMIN,))]


@hookimpl
def register_routes() -> list[RouteSpec]:
    return [
        RouteSpec("core.admin.jobs", "/admin/jobs", jobs.job_list, "admin.jobs"),
        RouteSpec("core.admin.job_retry", "/admin/jobs/{job_id:int}/retry", jobs.job_retry,
                  "admin.jobs", methods=POST),
        RouteSpec("core.admin.job_cancel", "/admin/jobs/{job_id:int}/cancel",
                  jobs.job_cancel, "admin.jobs", methods=POST),
        RouteSpec("core.desk.case_messages", "/desk/cases/{case_id:int}/messages",
                  messages.case_panel, "case.view"),
        RouteSpec("core.desk.case_message_preferences",
                  "/desk/cases/{case_id:int}/messages/preferences", messages.preferences,
                  "case.quote", methods=POST),
        # attachments: panels, uploads, downloads by token (never by path)
        RouteSpec("core.desk.case_attachments", "/desk/cases/{case_id:int}/attachments",
                  attachments.case_panel, "case.view"),
        RouteSpec("core.desk.case_attach", "/desk/cases/{case_id:int}/attachments",
                  attachments.case_upload, "case.view", methods=POST),
        RouteSpec("core.desk.unit_attachments", "/desk/units/{body_code}/attachments",
                  attachments.unit_panel, "case.view"),
        RouteSpec("core.desk.unit_attach", "/desk/units/{body_code}/attachments",
                  attachments.unit_upload, "case.view", methods=POST),
        RouteSpec("core.attachment", "/attachments/{token}", attachments.download,
                  "case.view"),
        RouteSpec("core.attachment_thumb", "/attachments/{token}/thumb",
                  attachments.thumbnail, "case.view"),
    ]


@hookimpl
def detail_panels(entity: str, obj: object, request: object) -> list[Panel]:
    if entity == "case" and isinstance(obj, ServiceCase):
        return [Panel("core.attachments", N_("Photos and documents"),
                      f"/desk/cases/{obj.id}/attachments", "case.view", order=5),
                Panel("core.messages", N_("Messages to the customer"),
                      f"/desk/cases/{obj.id}/messages", "case.view", order=50)]
    if entity == "unit" and isinstance(obj, Unit):
        return [Panel("core.attachments", N_("Photos and documents"),
                      f"/desk/units/{obj.body_code}/attachments", "case.view", order=5)]
    return []


@hookimpl
def menu_items() -> list[MenuItem]:
    return [MenuItem("core.admin.jobs", N_("Jobs"), "/admin/jobs", "admin.jobs", order=940)]


@hookimpl
def register_job_kinds() -> list[JobKind]:
    return [JobKind(delivery.KIND, "Deliver a customer message", delivery.deliver,
                    max_attempts=6, on_failure=delivery.delivery_failed),
            # issue 13: not retried by itself; the importer resumes or rolls back
            JobKind(import_runs.KIND, "Import a CSV file of units or customers",
                    import_runs.run_job, max_attempts=1)]


@hookimpl(trylast=True)
def send_message(message: OutboxMessage, settings: Settings) -> bool | None:
    return delivery.send_default(message, settings)


@hookimpl
def after_transition(session: Session, case: ServiceCase, from_state: str,
                     actor: User | None, payload: dict[str, Any]) -> None:
    """Tell the customer their unit is repaired and ready (through the outbox)."""
    if case.state == "repaired":
        notices.unit_ready(session, case)
