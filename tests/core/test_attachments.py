"""Attachments (issue 13): photos and PDFs on cases, units and plugin records, stored by
content hash under var_dir, type checked from the bytes, a size limit, thumbnails, and
downloads only for whoever may see the record (another region: 404)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.entities import Attachment, ServiceCase, Unit, User
from core.errors import DomainError
from core.services import intake
from core.services.attachments import attach, stored_path
from tests.support import Harness


def png(color: str = "red", size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[], attachments={"max_bytes": 200_000})


def open_case(h: Harness, login: str = "hq-clerk", n: int = 1) -> int:
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == login)).one()
        case = intake.intake(session, h.app.state.pm, actor=clerk,
                             service_point=clerk.service_point, today=date.today(), data={
                                 "body_code": f"MC58-250101-{n:05d}", "model_code": "",
                                 "customer": {"name": "Ms. Lin", "address": "2 Road",
                                              "phone": f"1390000{n:04d}"},
                                 "fault_description": "Hum", "channel": "walk_in"})
        session.commit()
        return case.id


def upload(client: Any, url: str, *files: tuple[str, bytes, str]) -> Any:
    return client.post(url, data={"csrf_token": client.csrf()},
                       files=[("file", f) for f in files], follow_redirects=False)


def rows(h: Harness) -> list[Attachment]:
    with h.session() as session:
        return list(session.scalars(select(Attachment).order_by(Attachment.id)))


def test_a_photo_on_a_case_is_stored_by_hash_with_a_thumbnail(desk: Harness) -> None:
    case_id = open_case(desk)
    clerk = desk.client("hq-clerk")
    photo = png()
    answer = upload(clerk, f"/desk/cases/{case_id}/attachments",
                    ("../../damage.png", photo, "image/png"), ("scan.pdf", PDF, "text/plain"))
    assert answer.status_code == 303
    photo_row, pdf_row = rows(desk)
    sha = hashlib.sha256(photo).hexdigest()
    assert (photo_row.sha256, photo_row.content_type, photo_row.filename) == \
        (sha, "image/png", "damage.png")
    assert photo_row.has_thumbnail and not pdf_row.has_thumbnail
    assert pdf_row.content_type == "application/pdf"  # from the bytes, not the browser
    assert stored_path(desk.settings, sha).read_bytes() == photo
    assert len(photo_row.token) >= 32 and sha[:8] not in photo_row.token  # random, no path

    panel = clerk.get(f"/desk/cases/{case_id}/attachments")
    assert f'src="/attachments/{photo_row.token}/thumb"' in panel.text
    assert f'href="/attachments/{pdf_row.token}"' in panel.text
    assert 'id="panel-core-attachments"' in clerk.get(f"/desk/cases/{case_id}").text
    full = clerk.get(f"/attachments/{photo_row.token}")
    assert full.status_code == 200 and full.content == photo
    assert full.headers["content-type"] == "image/png"
    assert full.headers["x-content-type-options"] == "nosniff"
    thumb = clerk.get(f"/attachments/{photo_row.token}/thumb")
    assert thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) == 320
    assert clerk.get(f"/attachments/{pdf_row.token}/thumb").status_code == 404
    assert clerk.get("/attachments/not-a-token").status_code == 404

    # the same photo again is stored once
    upload(clerk, f"/desk/cases/{case_id}/attachments", ("again.png", photo, "image/png"))
    assert len(rows(desk)) == 3
    assert len(list(stored_path(desk.settings, sha).parent.iterdir())) == 1


def test_another_regions_attachment_is_not_found(desk: Harness) -> None:
    case_id = open_case(desk)
    clerk = desk.client("hq-clerk")
    upload(clerk, f"/desk/cases/{case_id}/attachments", ("damage.png", png(), "image/png"))
    [row] = rows(desk)
    east = desk.client("east-supervisor")
    for url in (f"/attachments/{row.token}", f"/attachments/{row.token}/thumb",
                f"/desk/cases/{case_id}/attachments"):
        assert east.get(url).status_code == 404, url
    assert upload(east, f"/desk/cases/{case_id}/attachments",
                  ("x.png", png(), "image/png")).status_code == 404
    assert len(rows(desk)) == 1
    assert desk.client("hq-supervisor").get(f"/attachments/{row.token}").status_code == 200
    assert desk.client().get(f"/attachments/{row.token}",
                             follow_redirects=False).status_code == 303  # sign in first


def test_wrong_type_and_too_large_files_are_refused(desk: Harness) -> None:
    case_id = open_case(desk)
    clerk = desk.client("hq-clerk")
    for name, data in (("photo.png", b"<html><script>alert(1)</script></html>"),
                       ("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10),
                       ("big.png", png(size=(1500, 1500), color="white") + b"\0" * 200_000),
                       ("empty.png", b"")):
        answer = upload(clerk, f"/desk/cases/{case_id}/attachments",
                        (name, data, "image/png"))
        assert answer.status_code == 303
        page = clerk.get(answer.headers["location"]).text
        assert ("Attach a photo (JPEG, PNG or WebP) or a PDF." in page
                or "larger than" in page or "The file is empty." in page), name
    assert rows(desk) == []
    assert not (desk.settings.var_dir / "attachments").exists()


def test_unit_attachments_and_plugin_records_use_the_same_service(desk: Harness) -> None:
    case_id = open_case(desk)
    with desk.session() as session:
        case = session.get(ServiceCase, case_id)
        assert case is not None and case.unit_id is not None
        unit = session.get(Unit, case.unit_id)
        assert unit is not None
        body_code = unit.body_code
        hq = case.region_id
        record = attach(session, owner_kind="loaner.loan", owner_id=7, region_id=hq,
                        filename="handover.pdf", data=PDF, actor=None)
        with pytest.raises(DomainError):
            attach(session, owner_kind="loaner.loan", owner_id=7, region_id=hq,
                   filename="x.exe", data=b"MZ\x90\x00", actor=None)
        session.commit()
    clerk = desk.client("hq-clerk")
    answer = upload(clerk, f"/desk/units/{body_code}/attachments",
                    ("label.jpg", png("blue"), "image/jpeg"))
    assert answer.status_code == 303
    unit_row = rows(desk)[-1]
    assert (unit_row.owner_kind, unit_row.region_id) == ("unit", None)
    # units are seen by every region, so is their photo; the HQ plugin record is not
    east_user = desk.client("east-supervisor")
    assert east_user.get(f"/attachments/{unit_row.token}").status_code == 200
    assert unit_row.token in east_user.get(f"/desk/units/{body_code}/attachments").text
    assert east_user.get(f"/attachments/{record.token}").status_code == 404
    assert clerk.get(f"/attachments/{record.token}").status_code == 200


def test_intake_takes_photos_and_refuses_a_bad_one_without_opening_the_case(
        desk: Harness) -> None:
    clerk = desk.client("hq-clerk")
    form = {"csrf_token": clerk.csrf(), "body_code": "MC58-250101-00077",
            "customer.name": "Ms. Lin", "customer.address": "2 Road",
            "customer.phone": "13900000077", "fault_description": "Scratched",
            "channel": "walk_in", "own_product": "1"}
    bad = clerk.post("/desk/intake", data=form,
                     files=[("photos", ("x.png", b"not an image", "image/png"))])
    assert bad.status_code == 400 and 'id="f-photos"' in bad.text
    assert "Attach a photo (JPEG, PNG or WebP) or a PDF." in bad.text
    with desk.session() as session:
        assert session.scalar(select(func.count()).select_from(ServiceCase)) == 0
    good = clerk.post("/desk/intake", data=form, follow_redirects=False,
                      files=[("photos", ("damage.png", png(), "image/png"))])
    assert good.status_code == 303
    [row] = rows(desk)
    assert row.owner_kind == "case" and good.headers["location"] == f"/desk/cases/{row.owner_id}"
