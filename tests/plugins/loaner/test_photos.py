"""Issue 14 item 3: photos in the lending checklist and at check-in, attached to the loan
through core's ``attach`` (``owner_kind="loaner_loan"``), shown on the loan page by stage and
served only within the loan's region; a refused file undoes the lend."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image
from sqlalchemy import select

from core.entities import Attachment
from plugins.loaner.models import Loan, LoanerUnit
from tests.plugins.loaner.helpers import add_unit, bearer, case_id
from tests.support import Harness


def png(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def test_photos_at_lending_and_at_check_in(h: Harness) -> None:
    uid = add_unit(h)
    lid = h.client().post("/api/v1/loaner/loans", headers=bearer(h, "hq-clerk"), json={
        "case_id": case_id(h), "unit_id": uid, "reason": "Tour"}).json()["id"]
    clerk = h.client("hq-clerk")
    page = clerk.get(f"/loaner/loans/{lid}").text
    assert 'enctype="multipart/form-data"' in page and 'id="f-photos-out"' in page
    form = {"csrf_token": clerk.csrf(), "condition": "good", "signed_by": "Huang",
            "out_0": "on", "out_1": "on", "out_2": "on"}
    bad = clerk.post(f"/loaner/loans/{lid}/lend", data=form, follow_redirects=False,
                     files=[("photos", ("x.png", b"not an image", "image/png"))])
    assert bad.status_code == 400
    assert "Attach a photo (JPEG, PNG or WebP) or a PDF." in bad.text
    with h.session() as session:  # nothing lent, nothing stored
        assert session.get(Loan, lid).status == "approved"
        assert session.get(LoanerUnit, uid).status == "reserved"
        assert session.scalars(select(Attachment)).all() == []
    lent = clerk.post(f"/loaner/loans/{lid}/lend", data=form, follow_redirects=False,
                      files=[("photos", ("front.png", png("red"), "image/png")),
                             ("photos", ("ears.png", png("blue"), "image/png"))])
    assert lent.status_code == 303, lent.text
    back = clerk.post(f"/loaner/loans/{lid}/return", follow_redirects=False, data={
        "csrf_token": clerk.csrf(), "condition": "damaged", "back_1": "damaged"},
        files=[("photos", ("dent.png", png("green"), "image/png"))])
    assert back.status_code == 303, back.text
    with h.session() as session:
        rows = session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [(r.owner_kind, r.owner_id, r.filename) for r in rows] == [
            ("loaner_loan", lid, "lend-front.png"), ("loaner_loan", lid, "lend-ears.png"),
            ("loaner_loan", lid, "return-dent.png")]
        assert all(r.region_id == session.get(Loan, lid).region_id for r in rows)
        tokens = [r.token for r in rows]
    page = clerk.get(f"/loaner/loans/{lid}").text
    lend_part, return_part = page.split('data-stage="lend"')[1].split('data-stage="return"')
    assert tokens[0] in lend_part and tokens[1] in lend_part and tokens[2] not in lend_part
    assert tokens[2] in return_part
    photo = clerk.get(f"/attachments/{tokens[2]}")
    assert photo.status_code == 200 and photo.content == png("green")
    assert clerk.get(f"/attachments/{tokens[2]}/thumb").status_code == 200
    # another region does not see the loan's photos
    assert h.client("sw-clerk").get(f"/attachments/{tokens[0]}").status_code == 404
