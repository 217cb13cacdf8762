"""Attachments on the desk (issue 13): the panel on a case or unit (thumbnails, links, an
upload form that opens a phone's camera), the upload, and the download by token.

Every route needs ``case.view``; the download also answers 404 for an attachment whose record
this user may not see (another region's case), exactly as the record itself would.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from core.entities import Unit
from core.errors import DomainError, NotFound
from core.i18n import N_
from core.services import attachments
from core.services.cases import get_case
from core.services.catalogue import unit_by_code
from core.web.forms import see_other
from core.web.templating import flash, gettext_for, render

FIELD = "file"


def uploads(request: Request, field: str = FIELD) -> list[UploadFile]:
    """The files of a multipart form field (an empty file input sends one nameless part)."""
    form = request.state.form
    if form is None:
        return []
    return [item for item in form.getlist(field)
            if isinstance(item, UploadFile) and item.filename]


def read_upload(upload: UploadFile, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes: enough to refuse a file that is too large."""
    upload.file.seek(0)
    return upload.file.read(limit + 1)


def attach_uploads(request: Request, owner: Any, field: str = FIELD) -> int:
    """Attach every file of ``field`` to ``owner`` (a case or a unit); ``DomainError`` names
    the file that was refused."""
    session = request.state.db
    limit = request.app.state.settings.attachments.max_bytes
    count = 0
    for upload in uploads(request, field):
        data = read_upload(upload, limit)
        try:
            if isinstance(owner, Unit):
                attachments.attach_to_unit(session, owner, upload.filename or "", data,
                                           request.state.user)
            else:
                attachments.attach_to_case(session, owner, upload.filename or "", data,
                                           request.state.user)
        except DomainError as error:
            if field != "file":  # shown on the form's own field (``photos`` at intake)
                error.fields[field] = error.fields.pop("file", error.message)
            raise
        count += 1
    return count


def _unit(request: Request) -> Unit:
    unit = unit_by_code(request.state.db, request.path_params["body_code"])
    if unit is None:
        raise NotFound(N_("No such unit."))
    return unit


def _panel(request: Request, owner_kind: str, owner_id: int, upload_url: str) -> Response:
    return render(request, "desk/attachments_panel.html", {
        "files": attachments.attachments_of(request.state.db, owner_kind, owner_id),
        "upload_url": upload_url})


def case_panel(request: Request) -> Response:
    case = get_case(request.state.db, request.path_params["case_id"])
    return _panel(request, "case", case.id, f"/desk/cases/{case.id}/attachments")


def unit_panel(request: Request) -> Response:
    unit = _unit(request)
    return _panel(request, "unit", unit.id, f"/desk/units/{unit.body_code}/attachments")


def _upload(request: Request, owner: Any, back: str) -> Response:
    _ = gettext_for(request).gettext
    try:
        count = attach_uploads(request, owner)
    except DomainError as error:
        request.state.db.rollback()
        message, _fields = error.localized(_)
        flash(request, message, "error")
        return see_other(back)
    if count == 0:
        flash(request, _("Choose a photo or a PDF first."), "error")
    else:
        flash(request, _("%(n)s file(s) attached.") % {"n": count})
    return see_other(back)


def case_upload(request: Request) -> Response:
    case = get_case(request.state.db, request.path_params["case_id"])
    return _upload(request, case, f"/desk/cases/{case.id}")


def unit_upload(request: Request) -> Response:
    unit = _unit(request)
    return _upload(request, unit, f"/desk/units/{unit.body_code}")


def _send(request: Request, thumbnail: bool) -> Response:
    row, path = attachments.open_attachment(request.state.db, request.path_params["token"],
                                            thumbnail=thumbnail)
    inline = row.content_type.startswith("image/") or row.content_type == "application/pdf"
    return FileResponse(
        path, media_type="image/jpeg" if thumbnail else row.content_type,
        filename=None if thumbnail else row.filename,
        content_disposition_type="inline" if inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600",
                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


def download(request: Request) -> Response:
    return _send(request, thumbnail=False)


def thumbnail(request: Request) -> Response:
    return _send(request, thumbnail=True)
