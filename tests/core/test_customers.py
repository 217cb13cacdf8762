"""Customers as records (issue 18): phones stored E.164 and found by their digits, a customer's
page, the intake offering the owner of a known unit and an autocomplete, merging duplicates
with an audit entry, and the PIPL export and anonymisation — region-scoped like everything."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import AuditEvent, Customer, ServiceCase
from core.services.customers import display_phone, normalise_phone
from tests.support import Harness

CODE = "PA2400-240315-00042"
INTAKE = {
    "body_code": CODE, "model_code": "", "own_product": "on",
    "customer.name": "Pearl River Live House", "customer.company": "Pearl River AV Ltd.",
    "customer.address": "1 Haizhu Road, Guangzhou", "customer.phone": "+86 139-0000 1111",
    "customer.email": "desk@pearl.example", "purchase_date": "2024-04-01",
    "fault_description": "No sound on channel B", "channel": "walk_in",
}
HTMX = {"HX-Request": "true"}


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _open(h: Harness, login: str = "hq-clerk", **changes: str) -> None:
    response = h.client(login).form("/desk/intake", {**INTAKE, **changes},
                                    follow_redirects=False)
    assert response.status_code == 303, response.text


def _customer_ids(h: Harness) -> list[int]:
    with h.session() as session:
        return list(session.scalars(select(Customer.id).order_by(Customer.id)))


def test_phones_are_stored_e164_and_shown_local() -> None:
    assert normalise_phone("+86 139-0000 1111") == "+8613900001111"
    assert normalise_phone("139 0000 1111") == "+8613900001111"
    assert normalise_phone("020-8422-5566") == "+862084225566"
    assert normalise_phone("ext. 12") == "ext. 12"  # unreadable: kept as typed, not refused
    assert display_phone("+8613900001111") == "139 0000 1111"
    assert display_phone("+14155550100").startswith("+1 415")


def test_intake_stores_e164_and_search_finds_by_digits(desk: Harness) -> None:
    _open(desk)
    with desk.session() as session:
        person = session.scalars(select(Customer)).one()
        assert person.phone == "+8613900001111"
        assert session.scalars(select(ServiceCase)).one().contact_phone == "+8613900001111"
    client = desk.client("hq-clerk")
    for query in ("13900001111", "139-0000", "+86 139 0000 1111", "pearl river", "AV LTD",
                  CODE.lower(), "240315-00042"):
        page = client.get("/desk/customers", params={"q": query})
        assert page.status_code == 200
        assert f'href="/desk/customers/{person.id}"' in page.text, query
    assert "139 0000 1111" in client.get("/desk/customers", params={"q": "1390000"}).text
    nothing = client.get("/desk/customers", params={"q": "88888888"})
    assert "No customer matches" in nothing.text
    # the same person typed another way is the same record
    _open(desk, **{"customer.phone": "13900001111", "body_code": "", "model_code": "PA2400"},
          confirm_refusal="W-1")
    assert len(_customer_ids(desk)) == 1


def test_customer_page_shows_units_and_cases(desk: Harness) -> None:
    _open(desk)
    [cid] = _customer_ids(desk)
    page = desk.client("hq-clerk").get(f"/desk/customers/{cid}")
    assert page.status_code == 200
    for shown in ("Pearl River Live House", "139 0000 1111", CODE, "SC-000001",
                  "No sound on channel B"):
        assert shown in page.text, shown
    assert 'data-menu="core.desk.customers"' in page.text
    # a clerk can neither merge nor anonymise
    assert "/merge" not in page.text and "/anonymise" not in page.text


def test_intake_offers_the_owner_of_a_known_unit(desk: Harness) -> None:
    _open(desk)
    [cid] = _customer_ids(desk)
    client = desk.client("hq-clerk")
    lookup = client.get("/desk/lookup", params={"body_code": CODE}, headers=HTMX)
    assert "not on file" not in lookup.text
    assert "Pearl River Live House" in lookup.text
    assert f'hx-get="/desk/customers/{cid}/fill"' in lookup.text
    fields = client.get(f"/desk/customers/{cid}/fill", headers=HTMX)
    assert f'name="customer_id" value="{cid}"' in fields.text
    assert 'value="1 Haizhu Road, Guangzhou"' in fields.text
    # the intake with the chosen customer reuses the record and takes the corrected address
    _open(desk, customer_id=str(cid), **{"customer.address": "2 Haizhu Road, Guangzhou",
                                         "customer.phone": "139 0000 1111"})
    assert _customer_ids(desk) == [cid]
    with desk.session() as session:
        assert session.get(Customer, cid).address == "2 Haizhu Road, Guangzhou"
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "customer", AuditEvent.action == "update")).one()


def test_autocomplete_suggests_customers_on_file(desk: Harness) -> None:
    _open(desk)
    [cid] = _customer_ids(desk)
    client = desk.client("hq-clerk")
    found = client.get("/desk/customers/suggest", params={"customer.name": "pearl"},
                       headers=HTMX)
    assert found.status_code == 200 and "<html" not in found.text
    assert f'hx-get="/desk/customers/{cid}/fill"' in found.text
    by_phone = client.get("/desk/customers/suggest", params={"customer.phone": "1390000"},
                          headers=HTMX)
    assert f"/desk/customers/{cid}/fill" in by_phone.text
    intake = client.get("/desk/intake").text
    assert 'hx-get="/desk/customers/suggest"' in intake and 'id="customer-suggest"' in intake


def test_a_chosen_customer_of_another_region_is_a_field_error(desk: Harness) -> None:
    _open(desk, login="east-clerk")
    [east_id] = _customer_ids(desk)
    response = desk.client("hq-clerk").form("/desk/intake", {**INTAKE, "body_code": "",
                                                             "customer_id": str(east_id + 99)})
    assert response.status_code == 400 and 'id="customer_id-error"' in response.text
    assert desk.client("sw-clerk").get(f"/desk/customers/{east_id}").status_code == 404
    assert "Pearl River" not in desk.client("sw-clerk").get(
        "/desk/customers", params={"q": "pearl"}).text


def test_merge_moves_cases_and_units_and_is_audited(desk: Harness) -> None:
    _open(desk)
    _open(desk, **{"customer.name": "Pearl River Livehouse", "body_code": "PA2400-240315-00043",
                   "customer.phone": "020-8422-5566"})
    keep, dup = _customer_ids(desk)
    clerk = desk.client("hq-clerk")
    assert clerk.form(f"/desk/customers/{keep}/merge", {"duplicate_id": str(dup)}
                      ).status_code == 403
    boss = desk.client("hq-supervisor")
    bad = boss.form(f"/desk/customers/{keep}/merge", {"duplicate_id": str(keep)})
    assert bad.status_code == 400 and 'id="duplicate_id-error"' in bad.text
    missing = boss.form(f"/desk/customers/{keep}/merge", {"duplicate_id": "abc"})
    assert missing.status_code == 400
    done = boss.form(f"/desk/customers/{keep}/merge", {"duplicate_id": f"#{dup}"},
                     follow_redirects=False)
    assert done.status_code == 303
    with desk.session() as session:
        assert {c.customer_id for c in session.scalars(select(ServiceCase))} == {keep}
        assert session.get(Customer, dup).merged_into_id == keep
        entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "merge")).one()
        assert entry.entity_id == str(keep) and entry.before["duplicate_id"] == dup
    page = boss.get(f"/desk/customers/{keep}").text
    assert "SC-000001" in page and "SC-000002" in page
    assert "merged into" in boss.get(f"/desk/customers/{dup}").text
    assert f'href="/desk/customers/{dup}"' not in boss.get(
        "/desk/customers", params={"q": "pearl"}).text
    again = boss.form(f"/desk/customers/{keep}/merge", {"duplicate_id": str(dup)})
    assert again.status_code == 400


def test_pipl_export_and_anonymisation(desk: Harness) -> None:
    _open(desk)
    [cid] = _customer_ids(desk)
    assert desk.client("hq-clerk").get(f"/desk/customers/{cid}/export.json").status_code == 403
    boss = desk.client("hq-supervisor")
    exported = boss.get(f"/desk/customers/{cid}/export.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    data = json.loads(exported.text)
    assert data["customer"]["phone"] == "+8613900001111"
    assert data["records"]["service_case"][0]["fault_description"] == "No sound on channel B"
    assert data["records"]["case_event"]
    unconfirmed = boss.form(f"/desk/customers/{cid}/anonymise", {})
    assert unconfirmed.status_code == 400 and 'id="confirm-error"' in unconfirmed.text
    done = boss.form(f"/desk/customers/{cid}/anonymise", {"confirm": "yes"},
                     follow_redirects=False)
    assert done.status_code == 303
    with desk.session() as session:
        person = session.get(Customer, cid)
        assert person.anonymised_at is not None
        assert (person.phone, person.address, person.email, person.company) == ("", "", "", "")
        assert "Pearl" not in person.name
        case = session.scalars(select(ServiceCase)).one()  # the case stays, without the person
        assert case.contact_phone == "" and case.address == "" and "Pearl" not in \
            case.contact_name
        entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "anonymise")
                                ).one()
        assert "+8613900001111" not in json.dumps(entry.after)
    assert boss.form(f"/desk/customers/{cid}/anonymise", {"confirm": "yes"}).status_code \
        in (400, 409)
