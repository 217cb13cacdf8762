"""Issue 13 in a real browser: a photo of the damage chosen in the intake form's file input
(what a phone's camera hands over) is on the new case with its thumbnail, and opens in full."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support import Harness

pytestmark = pytest.mark.browser


def test_a_photo_uploaded_at_intake_shows_its_thumbnail_on_the_case(
        live_app: Callable[..., tuple[Harness, str]], signed_in: Callable[..., Any],
        artefacts: Path, tmp_path: Path) -> None:
    _, base = live_app(plugins=[])
    photo = tmp_path / "damage.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "orange").save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    clerk = signed_in(base, "hq-clerk")
    clerk.goto(f"{base}/desk/intake")
    clerk.get_by_label("Body code").fill("MC58-250101-00321")
    clerk.get_by_label("Name").fill("Ms. Lin")
    clerk.get_by_label("Full address").fill("2 Road, Chengdu")
    clerk.get_by_label("Phone").fill("13900000321")
    clerk.get_by_label("Fault as described by the customer").fill("Dented case")
    clerk.get_by_label("Photos of the damage").set_input_files(str(photo))
    with clerk.expect_navigation():
        clerk.get_by_role("button", name="Open the case").click()
    assert re.fullmatch(rf"{re.escape(base)}/desk/cases/\d+", clerk.url), clerk.url

    thumbnail = clerk.locator("#panel-core-attachments img.thumbnail")
    thumbnail.wait_for()
    clerk.wait_for_function(
        "() => { const i = document.querySelector('#panel-core-attachments img.thumbnail');"
        " return i && i.complete && i.naturalWidth > 0; }")
    width = clerk.evaluate(
        "() => document.querySelector('#panel-core-attachments img.thumbnail').naturalWidth")
    assert width == 320  # the thumbnail, not the 1200-pixel photo
    assert thumbnail.get_attribute("alt") == "damage.jpg"
    href = clerk.locator("#panel-core-attachments a").first.get_attribute("href")
    assert href is not None and href.startswith("/attachments/")
    full = clerk.request.get(f"{base}{href}")
    assert full.status == 200 and full.body() == photo.read_bytes()
    clerk.screenshot(path=str(artefacts / "case-photo-thumbnail.png"), full_page=True)
