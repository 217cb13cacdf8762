"""Bilingual names entered in admin (issue 18 item 3): product models, service points and
regions have a Chinese name, entered and edited by HQ with validation and an audit entry, and
every page shows the name in the reader's language (the customer's on the status page)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.entities import AuditEvent, ProductModel, Region, ServicePoint
from tests.core.desk_helpers import bearer, new_case
from tests.core.test_views_status_link import status_path
from tests.support import Harness

POINT_EN, POINT_ZH = "Chengdu service point", "成都服务点"  # core/demo.py
MODEL_EN, MODEL_ZH = "PA-2400 two-channel power amplifier", "PA-2400 双通道功率放大器"


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _model(h: Harness, code: str) -> ProductModel | None:
    with h.session() as session:
        return session.scalars(select(ProductModel).where(ProductModel.code == code)).first()


def test_hq_adds_and_edits_a_model_with_its_chinese_name(h: Harness) -> None:
    admin = h.client("hq-admin")
    listing = admin.get("/admin/models")
    assert listing.status_code == 200 and 'data-model="PA2400"' in listing.text
    assert MODEL_ZH in listing.text and MODEL_EN in listing.text  # both names, side by side
    added = admin.form("/admin/models", {
        "code": "zz900", "name": "ZZ-900 test amplifier", "name_zh": "ZZ-900 测试功放",
        "product_line": "amplifier", "list_price": "1234.50", "warranty_months": "",
    }, follow_redirects=False)
    assert added.status_code == 303, added.text
    model = _model(h, "ZZ900")
    assert model is not None and model.name_zh == "ZZ-900 测试功放"
    assert model.list_price_cents == 123450 and model.warranty_months is None
    page = admin.get(f"/admin/models/{model.id}")
    assert 'value="ZZ-900 测试功放"' in page.text and 'value="1234.50"' in page.text
    edited = admin.form(f"/admin/models/{model.id}", {
        "name": "ZZ-900 test amplifier", "name_zh": "ZZ-900 巡演功放",
        "product_line": "amplifier", "list_price": "1234.50", "warranty_months": "36",
        "oem": "on"}, follow_redirects=False)
    assert edited.status_code == 303, edited.text
    model = _model(h, "ZZ900")
    assert model is not None and model.name_zh == "ZZ-900 巡演功放"
    assert model.warranty_months == 36 and model.oem
    with h.session() as session:
        entries = list(session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "product_model", AuditEvent.entity_id == str(model.id))
            .order_by(AuditEvent.id)))
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].before["name_zh"] == "ZZ-900 测试功放"
    assert entries[1].after["name_zh"] == "ZZ-900 巡演功放"


def test_a_bad_model_form_says_what_is_wrong_and_writes_nothing(h: Harness) -> None:
    admin = h.client("hq-admin")
    with h.session() as session:
        before = session.scalar(select(func.count()).select_from(ProductModel))
    bad = admin.form("/admin/models", {
        "code": "PA-24 00", "name": " ", "name_zh": "长" * 161, "product_line": "speaker",
        "list_price": "-1", "warranty_months": "500"})
    assert bad.status_code == 400
    for field in ("code", "name", "name_zh", "product_line", "list_price", "warranty_months"):
        assert f'id="{field}-error"' in bad.text, field
    taken = admin.form("/admin/models", {"code": "PA2400", "name": "again",
                                         "product_line": "mixer", "list_price": "1"})
    assert taken.status_code == 400 and 'id="code-error"' in taken.text
    pa2400 = _model(h, "PA2400")
    assert pa2400 is not None
    too_long = admin.form(f"/admin/models/{pa2400.id}", {
        "name": MODEL_EN, "name_zh": "长" * 161, "product_line": "amplifier",
        "list_price": "abc"})
    assert too_long.status_code == 400 and 'id="name_zh-error"' in too_long.text
    assert 'id="list_price-error"' in too_long.text
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(ProductModel)) == before
    again = _model(h, "PA2400")
    assert again is not None and again.name_zh == MODEL_ZH


def test_regional_staff_do_not_change_models(h: Harness) -> None:
    for login in ("east-supervisor", "sw-clerk"):
        client = h.client(login)
        assert client.get("/admin/models").status_code in (403, 404)
        assert client.form("/admin/models", {"code": "XX1", "name": "x",
                                             "product_line": "other",
                                             "list_price": "1"}).status_code in (403, 404)
    assert _model(h, "XX1") is None


def test_service_point_and_region_chinese_names_are_entered_in_admin(h: Harness) -> None:
    admin = h.client("hq-admin")
    with h.session() as session:
        point = session.scalars(select(ServicePoint).where(ServicePoint.code == "SW-CD")).one()
        region = session.scalars(select(Region).where(Region.code == "EAST")).one()
        point_id, region_id = point.id, region.id
    form = admin.get(f"/admin/service-points/{point_id}").text
    assert 'name="name_zh"' in form and f'value="{POINT_ZH}"' in form
    fields = {"code": "SW-CD", "name": POINT_EN, "address": "Wuhou District, Chengdu",
              "phone": "028-8555-0000", "active": "on"}
    bad = admin.form(f"/admin/service-points/{point_id}", {**fields, "name_zh": "长" * 161})
    assert bad.status_code == 400 and 'id="name_zh-error"' in bad.text
    saved = admin.form(f"/admin/service-points/{point_id}", {**fields, "name_zh": "成都武侯服务点"},
                       follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with h.session() as session:
        assert session.get(ServicePoint, point_id).name_zh == "成都武侯服务点"
    region_saved = admin.form(f"/admin/regions/{region_id}", {
        "code": "EAST", "name": "East China distributor", "name_zh": "华东区"},
        follow_redirects=False)
    assert region_saved.status_code == 303
    admin.form("/language", {"locale": "zh_CN", "next": "/"})
    home = admin.get("/desk/cases").text  # HQ's region filter names the regions
    assert "华东区" in home and "East China distributor" not in home
    assert "成都武侯服务点" in home and POINT_EN not in home  # the service point filter


def test_every_page_names_things_in_the_readers_language(h: Harness) -> None:
    case = new_case(h, bearer(h, "sw-clerk"), body_code="PA2400-240101-00042")
    chinese, english = h.client("sw-clerk"), h.client("hq-admin")  # demo: zh_CN and en
    pages = [f"/desk/cases/{case['id']}", "/desk/cases", "/desk/board",
             f"/desk/units/{case['unit']['body_code']}", "/desk/intake",
             f"/desk/cases/{case['id']}/sheet"]
    for path in pages:
        zh = chinese.get(path).text
        en = english.get(path).text
        assert POINT_EN not in zh and MODEL_EN not in zh, path
        assert POINT_ZH in zh or MODEL_ZH in zh, path
        assert POINT_ZH not in en and MODEL_ZH not in en, path
    case_zh = chinese.get(f"/desk/cases/{case['id']}").text
    assert POINT_ZH in case_zh and MODEL_ZH in case_zh
    # the customer's status page speaks the link's language, names included
    for locale, point in (("zh_CN", POINT_ZH), ("en", POINT_EN)):
        made = chinese.form(f"/desk/cases/{case['id']}/status-link", {"locale": locale})
        page = h.client().get(status_path(made.text)).text
        assert point in page, locale
