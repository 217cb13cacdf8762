"""``aftersales tick`` marks expired certifications (audited, once); the demo certifies the
demo technicians for every demo model, so the demo and an all-plugins instance dispatch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core.cli import cli
from core.entities import AuditEvent, ProductModel, User
from plugins.training import policy
from plugins.training.models import Certification
from tests.plugins.training.helpers import certify, dispatch, inspected_case
from tests.support import Harness


def _env(h: Harness, tmp_path: Path) -> dict[str, str]:
    return {"AFTERSALES_DATABASE_URL": h.url, "AFTERSALES_VAR_DIR": str(tmp_path),
            "AFTERSALES_PLUGINS": ",".join(h.settings.plugins),
            "AFTERSALES_SECURITY__ARGON2_TIME_COST": "1",
            "AFTERSALES_SECURITY__ARGON2_MEMORY_COST_KIB": "8",
            "AFTERSALES_SECURITY__ARGON2_PARALLELISM": "1"}


def test_tick_marks_expired_certifications(make_app: Callable[..., Harness], backend: str,
                                           tmp_path: Path) -> None:
    h = make_app(plugins=["training"])
    gone = certify(h, "hq-tech", issued=date.today() - timedelta(days=400), months=12)
    kept = certify(h, "east-tech")
    result = CliRunner().invoke(cli, ["tick"], env=_env(h, tmp_path))
    assert result.exit_code == 0, result.output
    assert "training.expire: 1 certification(s) marked expired" in result.output
    with h.session() as session:
        assert session.get(Certification, gone.id).status == "expired"
        assert session.get(Certification, kept.id).status == "valid"
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "training_certification", AuditEvent.action == "expire"))
        assert [(e.entity_id, e.user_login) for e in events] == [
            (str(gone.id), "job:training.expire")]
    again = CliRunner().invoke(cli, ["tick"], env=_env(h, tmp_path))
    assert "training.expire: 0 certification(s) marked expired" in again.output
    page = h.client("hq-manager").get(f"/training/technicians/{gone.user_id}").text
    assert "not on post" in page


def test_tick_keeps_the_last_day(make_app: Callable[..., Harness]) -> None:
    from core.jobs import run_jobs

    h = make_app(plugins=["training"])
    cert = certify(h, "hq-tech", issued=date.today() - timedelta(days=40), months=1)
    with h.session() as session:
        row = session.get(Certification, cert.id)
        row.expires_on = date.today()
        session.commit()
    assert dict(run_jobs(h.app))["training.expire"] == "0 certification(s) marked expired"


@pytest.fixture
def demo(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app()
    from plugins.training.demo import seed

    with h.session() as session:
        seed(session, h.settings)
        seed(session, h.settings)  # idempotent
        session.commit()
    return h


def test_demo_certifies_the_demo_technicians_for_every_model(demo: Harness) -> None:
    today = date.today()
    with demo.session() as session:
        models = list(session.scalars(select(ProductModel)))
        for login in ("hq-tech", "east-tech", "sw-tech"):
            uid = session.scalars(select(User.id).where(User.login == login)).one()
            certs = [c.facts() for c in session.scalars(
                select(Certification).where(Certification.user_id == uid))]
            assert len(certs) == 3, login
            for model in models:
                assert policy.eligibility(certs, model.code, model.product_line,
                                          [today]).eligible, (login, model.code)
        assert session.scalar(select(func.count()).select_from(Certification)) == 9


def test_all_plugins_dispatch_a_demo_technician_but_not_an_uncertified_one(
        demo: Harness) -> None:
    cid = inspected_case(demo)
    assert dispatch(demo, cid, "hq-tech").status_code == 200
    other = inspected_case(demo, body_code="MX12-240101-00009", model_code="MX12")
    vetoed = dispatch(demo, other, "hq-supervisor")
    assert vetoed.status_code == 409
    assert "P-1" in {v["clause"] for v in vetoed.json()["error"]["vetoes"]}
