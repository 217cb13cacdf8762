"""Attachments (issue 13): photos and PDFs on cases, units and plugins' records.

- The type is read from the bytes (magic numbers, then Pillow really decodes an image), never
  taken from the file name or the browser's content type; anything else is refused.
- Files are stored under ``var_dir/attachments/<aa>/<sha256>`` (content-addressed, written
  atomically, kept once however often attached) and thumbnails under
  ``var_dir/attachments/thumbs/<sha256>.jpg``; rows carry a random token for the URL.
- Who may download: whoever may see the owning record. ``open_attachment`` refuses (404) an
  attachment of another region than the session's scope, and for a case also asks
  ``get_case`` (which is region-scoped), so the answer is the same as for the record itself.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.entities import Attachment, ServiceCase, Unit, User
from core.errors import DomainError, NotFound
from core.i18n import N_
from core.security.scope import SCOPE_KEY
from core.settings import Settings

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
NOT_ALLOWED = N_("Attach a photo (JPEG, PNG or WebP) or a PDF.")
TOO_LARGE = N_("The file is larger than %(limit)s MB.")
EMPTY = N_("The file is empty.")
NO_SUCH = N_("No such attachment.")


def _settings(session: Session) -> Settings:
    settings = session.info.get("settings")
    assert isinstance(settings, Settings), "sessions carry the app's settings"
    return settings


def root(settings: Settings) -> Path:
    return settings.var_dir / "attachments"


def stored_path(settings: Settings, sha256: str) -> Path:
    return root(settings) / sha256[:2] / sha256


def thumbnail_path(settings: Settings, sha256: str) -> Path:
    return root(settings) / "thumbs" / f"{sha256}.jpg"


def sniff(data: bytes) -> str:
    """The content type the bytes really are, or ``DomainError``."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or \
            (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                image.verify()
        except Exception as exc:
            raise DomainError(NOT_ALLOWED, field="file") from exc
        if kind in IMAGE_TYPES:
            return IMAGE_TYPES[kind]
    raise DomainError(NOT_ALLOWED, field="file")


def _write_once(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` unless it is there; atomic (temp file + rename)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _thumbnail(settings: Settings, data: bytes, sha256: str) -> bool:
    from PIL import Image, ImageOps

    target = thumbnail_path(settings, sha256)
    if target.exists():
        return True
    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)  # a phone's portrait photo stays upright
            image.thumbnail((settings.attachments.thumbnail_pixels,) * 2)
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    except Exception:
        return False
    _write_once(target, out.getvalue())
    return True


def attach(session: Session, *, owner_kind: str, owner_id: int, region_id: int | None,
           filename: str, data: bytes, actor: User | None) -> Attachment:
    """Store ``data`` and attach it to the record ``(owner_kind, owner_id)``, in the caller's
    transaction (audited). ``region_id`` is the record's region (``None``: any region may see
    it). Raises ``DomainError`` (field ``file``) for an empty, too large or unsupported file.
    """
    settings = _settings(session)
    limit = settings.attachments.max_bytes
    if not data:
        raise DomainError(EMPTY, field="file")
    if len(data) > limit:
        raise DomainError(TOO_LARGE, params={"limit": f"{limit / 1024 / 1024:.0f}"},
                          field="file")
    content_type = sniff(data)
    sha256 = hashlib.sha256(data).hexdigest()
    _write_once(stored_path(settings, sha256), data)
    thumb = content_type.startswith("image/") and _thumbnail(settings, data, sha256)
    name = Path(filename.replace("\\", "/")).name.strip()[:200] or "file"
    row = Attachment(owner_kind=owner_kind[:60], owner_id=int(owner_id), region_id=region_id,
                     token=secrets.token_urlsafe(24), sha256=sha256, size=len(data),
                     content_type=content_type, filename=name, has_thumbnail=thumb,
                     created_by_id=actor.id if actor is not None else None)
    session.add(row)
    session.flush()
    audit.record(session, "attachment", row.id, "create", after={
        "owner": f"{owner_kind}:{owner_id}", "filename": name, "sha256": sha256,
        "content_type": content_type, "size": len(data)}, region_id=region_id)
    return row


def attach_to_case(session: Session, case: ServiceCase, filename: str, data: bytes,
                   actor: User | None) -> Attachment:
    return attach(session, owner_kind="case", owner_id=case.id, region_id=case.region_id,
                  filename=filename, data=data, actor=actor)


def attach_to_unit(session: Session, unit: Unit, filename: str, data: bytes,
                   actor: User | None) -> Attachment:
    return attach(session, owner_kind="unit", owner_id=unit.id, region_id=None,
                  filename=filename, data=data, actor=actor)


def attachments_of(session: Session, owner_kind: str, owner_id: int) -> list[Attachment]:
    """A record's attachments, oldest first, within the session's region scope."""
    statement = select(Attachment).where(Attachment.owner_kind == owner_kind,
                                         Attachment.owner_id == int(owner_id))
    region = session.info.get(SCOPE_KEY)
    if region is not None:
        statement = statement.where((Attachment.region_id.is_(None))
                                    | (Attachment.region_id == region))
    return list(session.scalars(statement.order_by(Attachment.id)))


def open_attachment(session: Session, token: str, *, thumbnail: bool = False
                    ) -> tuple[Attachment, Path]:
    """The attachment behind ``token`` and the file to send; ``NotFound`` when there is none,
    when it is another region's, or when its case is not visible to this session."""
    row = session.scalars(select(Attachment).where(Attachment.token == token)).first()
    region = session.info.get(SCOPE_KEY)
    if row is None or (region is not None and row.region_id not in (None, region)):
        raise NotFound(NO_SUCH)
    if row.owner_kind == "case":
        from core.services.cases import get_case

        get_case(session, row.owner_id)  # region-scoped: NotFound for another region's case
    settings = _settings(session)
    if thumbnail and not row.has_thumbnail:
        raise NotFound(NO_SUCH)
    path = thumbnail_path(settings, row.sha256) if thumbnail \
        else stored_path(settings, row.sha256)
    if not path.is_file():
        raise NotFound(NO_SUCH)
    return row, path
