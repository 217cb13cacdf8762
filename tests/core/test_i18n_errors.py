"""Errors raised by core's services are templates translated where they are shown: a Chinese
user sees Chinese field errors, refusals and vetoes, while the JSON API stays English."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import escape

from core.errors import DomainError, Term
from core.i18n import translations
from tests.core.desk_helpers import bearer
from tests.core.test_desk_pages_flow import inspected, state_of, user_id
from tests.core.test_i18n import zh
from tests.support import Harness

MALFORMED = ("%(code)r is not a body code this system can read: the format is %(format)s, "
             "for example %(example)s.")
MALFORMED_PARAMS = {"code": "XYZ", "format": "MODEL-YYMMDD-SEQ",
                    "example": "PA2400-240315-00042"}
REQUIRED = "%(label)s is required."


def _html(text: str) -> str:
    return str(escape(text))  # as Jinja autoescapes it


def test_a_chinese_clerk_sees_the_intake_form_errors_in_chinese(harness: Harness) -> None:
    client = harness.client("sw-clerk")
    response = client.form("/desk/intake", {})
    assert response.status_code == 400
    page = response.text
    fault = zh(REQUIRED) % {"label": zh("Fault as described")}
    name = zh(REQUIRED) % {"label": zh("Name")}
    assert _html(fault) in page and _html(name) in page
    assert "Fault as described is required." not in page
    assert "Name is required." not in page


def test_a_malformed_body_code_is_chinese_on_the_page_and_english_in_the_api(
        harness: Harness) -> None:
    client = harness.client("sw-clerk")
    page = client.form("/desk/intake", {"body_code": "XYZ", "own_product": "on"}).text
    assert _html(zh(MALFORMED) % MALFORMED_PARAMS) in page
    english = MALFORMED % MALFORMED_PARAMS
    assert _html(english) not in page

    answer = harness.client().post("/api/v1/cases", json={"body_code": "XYZ"},
                                   headers=bearer(harness, "sw-clerk"))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["code"] == "invalid"
    assert error["fields"]["body_code"] == english
    assert error["fields"]["fault_description"] == "Fault as described is required."


def test_a_refusal_reason_stored_in_english_is_shown_in_chinese(harness: Harness) -> None:
    client = harness.client("sw-clerk")
    response = client.form("/desk/intake", {
        "own_product": "on", "model_code": "PA2400", "customer.name": "Lin",
        "customer.address": "1 Renmin Road, Chengdu", "customer.phone": "028-1234",
        "fault_description": "No sound", "channel": "walk_in", "confirm_refusal": "W-1"})
    assert response.status_code == 200, response.text
    assert _html(zh("Our product without a body code gets no after-sales service (W-1).")) \
        in response.text


def test_core_vetoes_are_shown_in_chinese_and_stay_english_in_the_api(
        make_app: Callable[..., Harness]) -> None:
    desk = make_app(plugins=[])
    cid = inspected(desk, "A")
    boss = desk.client("hq-supervisor")
    boss.form("/language", {"locale": "zh_CN", "next": "/"})
    east_tech = user_id(desk, "east-tech")
    refused = boss.form(f"/desk/cases/{cid}/transition",
                        {"to": "dispatched", "technician_id": str(east_tech), "onsite": "0"})
    assert refused.status_code == 409
    vetoes = refused.text.split('class="flash flash-error vetoes"')[1].split("</div>")[0]
    with desk.session() as session:
        from core.entities import User

        name = session.get(User, east_tech).display_name
    chinese = zh("%(name)s is not a technician of %(place)s.") % {
        "name": name, "place": "HQ service centre, Guangzhou"}
    assert "P-3" in vetoes and _html(chinese) in vetoes
    assert "is not a technician of" not in vetoes
    assert state_of(desk, cid) == "inspected"

    answer = desk.client().post(f"/api/v1/cases/{cid}/transitions",
                                json={"to": "dispatched", "technician_id": east_tech},
                                headers=bearer(desk, "hq-supervisor"))
    assert answer.status_code == 409, answer.text
    veto = answer.json()["error"]["vetoes"][0]
    assert veto == {"clause": "P-3", "plugin": "core",
                    "message": f"{name} is not a technician of HQ service centre, Guangzhou."}


def test_localized_translates_templates_labels_and_falls_back_to_english() -> None:
    gettext = translations("zh_CN").gettext
    error = DomainError("Only %(amount)s is outstanding on this case.",
                        params={"amount": "1.00"}, field="amount_cents",
                        fields={"qty": ("%(label)s is required.", {"label": Term("Name")}),
                                "plain": "Already formatted text, not a msgid."})
    assert str(error) == error.message == "Only 1.00 is outstanding on this case."
    assert error.fields["qty"] == "Name is required."
    message, fields = error.localized(gettext)
    assert message == zh("Only %(amount)s is outstanding on this case.") % {"amount": "1.00"}
    assert fields["amount_cents"] == message
    assert fields["qty"] == zh(REQUIRED) % {"label": zh("Name")}
    assert fields["plain"] == "Already formatted text, not a msgid."
    # a view may rename a field; its message is still translated
    error.fields["amount"] = error.fields.pop("amount_cents")
    assert error.localized(gettext)[1]["amount"] == message
    # a translation that does not format falls back to the English text
    broken = DomainError("Only %(amount)s is outstanding on this case.", params={"x": 1})
    assert broken.localized(gettext)[0] == "Only %(amount)s is outstanding on this case."
    assert error.as_json() == {"error": {"code": "invalid", "message": error.message,
                                         "fields": error.fields}}
