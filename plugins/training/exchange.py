"""Certifications across instances (P-1): HQ exports a signed CSV, a regional instance
imports it, so a trimmed regional install honours HQ's training.

The issuing instance signs with its own Ed25519 key, kept in ``var_dir`` with mode 0600 (made
on first use, never in the database or the settings file). Its public key is exported as
text; a regional instance adds it as a trusted key after comparing the fingerprint with HQ
(by phone, say). The file is one CSV with comment lines around it::

    # aftersales training certifications
    # issuer: HQ
    # key: <fingerprint of the signing key>
    # exported-at: 2026-11-25T08:00:00+00:00
    number,technician_login,...
    ...
    # signature: ed25519:<base64 signature of every byte above this line>

Any change to a byte above the signature line, a missing signature or an unknown key makes the
import refuse the whole file; nothing is written.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.plugin_api import N_, DomainError, Region, Settings, User, audit, utcnow
from plugins.training.models import Certification, Course, TrustedKey, split_codes

KEY_FILE = "training-signing-key.pem"
MAGIC = "# aftersales training certifications"
SIGNATURE_PREFIX = "# signature: ed25519:"
COLUMNS = ["number", "technician_login", "technician_name", "region", "course_code",
           "course_title", "course_title_zh", "product_line", "model_codes", "score",
           "issued_on", "expires_on", "status", "revoked_reason"]


class ImportRefused(DomainError):
    """The file cannot be trusted; nothing was imported."""

    status_code = 422
    code = "import_refused"


# --- keys -----------------------------------------------------------------------------------


def key_path(settings: Settings) -> Path:
    return Path(settings.var_dir) / KEY_FILE


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """This instance's private key: made on first use, kept with mode 0600."""
    path = key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first: use that one
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} does not hold an Ed25519 private key")
    return key


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def public_key_text(settings: Settings) -> str:
    """The public key as one base64 line (what a regional instance pastes in)."""
    return base64.b64encode(raw_public(signing_key(settings).public_key())).decode("ascii")


def own_fingerprint(settings: Settings) -> str:
    return fingerprint(raw_public(signing_key(settings).public_key()))


def pretty(fp: str) -> str:
    """A fingerprint in groups of four, easy to read out over the phone."""
    return " ".join(fp[i:i + 4] for i in range(0, 32, 4))


def _parse_public(text: str) -> bytes:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except ValueError:
            raise DomainError("This is not a public key.", field="public_key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise DomainError("This is not an Ed25519 public key.", field="public_key")
        return raw_public(key)
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise DomainError("Paste the issuing instance's public key: one line of base64 "
                          "(44 characters) or a PEM block.", field="public_key")
    return raw


def public_key_pem(settings: Settings) -> str:
    return signing_key(settings).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def trust_key(session: Session, name: str, text: str, actor: User | None) -> TrustedKey:
    name = name.strip()
    if not name:
        raise DomainError("Name the instance this key belongs to (HQ, say).", field="name")
    raw = _parse_public(text)
    fp = fingerprint(raw)
    if session.scalars(select(TrustedKey.id).where(TrustedKey.fingerprint == fp)).first():
        raise DomainError("This key is trusted already.", field="public_key")
    row = TrustedKey(name=name[:120], fingerprint=fp,
                     public_key=base64.b64encode(raw).decode("ascii"),
                     added_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    audit.record(session, "training_trusted_key", row.id, "trust",
                 after={"name": row.name, "fingerprint": fp})
    return row


# --- export ---------------------------------------------------------------------------------


def export_csv(session: Session, settings: Settings, region: Region | None = None) -> bytes:
    """Every certification the caller may see (or only ``region``'s technicians', so a
    distributor receives its own people only), signed with this instance's key."""
    key = signing_key(settings)
    buffer = io.StringIO()
    buffer.write(f"{MAGIC}\n# issuer: {settings.region_code}\n"
                 f"# key: {fingerprint(raw_public(key.public_key()))}\n"
                 f"# exported-at: {utcnow().isoformat(timespec='seconds')}\n"
                 f"# region: {region.code if region else 'all'}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    query = select(Certification).order_by(Certification.id)
    if region is not None:
        query = query.where(Certification.region_id == region.id)
    rows = session.scalars(query)
    for c in rows:
        writer.writerow([
            c.number, c.user.login, c.user.display_name, c.user.service_point.region.code,
            c.course.code, c.course.title, c.course.title_zh, c.product_line,
            ";".join(c.models), "" if c.score is None else c.score, c.issued_on.isoformat(),
            c.expires_on.isoformat(), "revoked" if c.revoked_at else c.status,
            c.revoked_reason])
    body = buffer.getvalue().encode("utf-8")
    signature = base64.b64encode(key.sign(body)).decode("ascii")
    return body + f"{SIGNATURE_PREFIX}{signature}\n".encode("ascii")


# --- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    issuer: str
    key_name: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def verify(session: Session, data: bytes) -> tuple[str, TrustedKey, str]:
    """Check the file's signature against the trusted keys; returns (issuer, key, body)."""
    if not data.strip():
        raise ImportRefused(N_("The file is empty."), field="file")
    text_end = data.rstrip(b"\n")
    cut = text_end.rfind(b"\n")
    last = text_end[cut + 1:]
    body = data[:cut + 1]
    if not data.startswith(MAGIC.encode("ascii")):
        raise ImportRefused(N_("This is not a certification export of aftersales (the first "
                               "line is wrong): refused, nothing was imported."), field="file")
    if cut < 0 or not last.startswith(SIGNATURE_PREFIX.encode("ascii")):
        raise ImportRefused(N_("The file has no signature line at its end: refused, nothing "
                               "was imported. Export it again at the issuing instance."),
                            field="file")
    try:
        signature = base64.b64decode(last[len(SIGNATURE_PREFIX):], validate=True)
        text = body.decode("utf-8")
    except ValueError:
        raise ImportRefused(N_("The signature line is damaged: refused, nothing was "
                               "imported."), field="file") from None
    header = dict(line[2:].split(": ", 1) for line in text.splitlines()
                  if line.startswith("# ") and ": " in line)
    fp = header.get("key", "").strip()
    key = session.scalars(select(TrustedKey).where(TrustedKey.fingerprint == fp)).first()
    if key is None:
        raise ImportRefused(
            N_("The file is signed with a key this instance does not trust (fingerprint "
               "%(fingerprint)s): refused, nothing was imported. Add the issuing "
               "instance's public key first, after checking its fingerprint with them."),
            params={"fingerprint": pretty(fp) or "-"}, field="file")
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key)).verify(
            signature, body)
    except InvalidSignature:
        raise ImportRefused(
            N_("The signature does not match the contents: the file was changed after "
               "%(key)s signed it (tampered or damaged). Refused, nothing was imported."),
            params={"key": key.name}, field="file") from None
    return header.get("issuer", "").strip(), key, text


def _row_values(row: dict[str, str]) -> dict[str, Any]:
    try:
        score = int(row["score"]) if row.get("score") else None
        return {"issued_on": date.fromisoformat(row["issued_on"]),
                "expires_on": date.fromisoformat(row["expires_on"]), "score": score}
    except (KeyError, ValueError) as exc:
        raise ImportRefused(N_("Certificate %(number)s: bad value (%(problem)s). Refused, "
                               "nothing was imported."),
                            params={"number": row.get("number", "?"), "problem": str(exc)},
                            field="file") from None


def import_csv(session: Session, data: bytes, actor: User | None) -> ImportResult:
    """Verify, then create or update certifications by number. Technicians are matched by
    login among the users the caller may see; the others are skipped and listed."""
    issuer, key, text = verify(session, data)
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames is None or [f for f in COLUMNS if f not in reader.fieldnames]:
        raise ImportRefused(N_("The file's columns are not those of a certification "
                               "export."), field="file")
    result = ImportResult(issuer=issuer, key_name=key.name)
    rows = list(reader)
    logins = {r["technician_login"] for r in rows}
    users = {u.login: u for u in session.scalars(select(User).where(User.login.in_(logins)))}
    courses = {c.code: c for c in session.scalars(select(Course))}
    for row in rows:
        number = row["number"]
        values = _row_values(row)
        user = users.get(row["technician_login"])
        if user is None:
            result.skipped.append((number, f"no technician {row['technician_login']!r} "
                                           "on this instance (or not in your region)"))
            continue
        course = courses.get(row["course_code"])
        if course is None:
            course = Course(code=row["course_code"], title=row["course_title"] or
                            row["course_code"], title_zh=row["course_title_zh"],
                            product_line=row["product_line"], pass_mark=0,
                            model_codes=",".join(split_codes(row["model_codes"]
                                                             .replace(";", ","))))
            session.add(course)
            session.flush()
            courses[course.code] = course
            audit.record(session, "training_course", course.id, "import",
                         after={"code": course.code, "issuer": issuer})
        revoked = row["status"] == "revoked"
        fields = {"user_id": user.id, "course_id": course.id,
                  "product_line": row["product_line"],
                  "model_codes": ",".join(split_codes(row["model_codes"].replace(";", ","))),
                  **values, "issuer": issuer, "imported": True,
                  "status": row["status"] if row["status"] in ("valid", "expired", "revoked")
                  else "valid", "revoked_reason": row["revoked_reason"] if revoked else ""}
        cert = session.scalars(select(Certification)
                               .where(Certification.number == number)).first()
        if cert is None:
            cert = Certification(number=number, region_id=user.region_id,
                                 revoked_at=utcnow() if revoked else None, **fields)
            session.add(cert)
            session.flush()
            result.created.append(number)
            action = "import"
        elif not cert.imported:
            result.skipped.append((number, "issued by this instance; not overwritten"))
            continue
        else:
            before = {k: getattr(cert, k) for k in fields}
            for name, value in fields.items():
                setattr(cert, name, value)
            if revoked and cert.revoked_at is None:
                cert.revoked_at = utcnow()
            if not revoked:
                cert.revoked_at = None
            if before == {k: getattr(cert, k) for k in fields}:
                result.unchanged.append(number)
                continue
            result.updated.append(number)
            action = "import_update"
        audit.record(session, "training_certification", cert.id, action,
                     after={"number": number, "issuer": issuer, "key": key.fingerprint,
                            "status": cert.status, "expires_on": cert.expires_on},
                     region_id=cert.region_id)
    session.flush()
    return result
