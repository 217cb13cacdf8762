"""HQ exports signed certifications; a regional instance imports them after trusting HQ's
public key, so a trimmed regional install honours HQ's training (P-1). A changed byte, a
missing signature or an unknown key refuses the whole file with a clear message."""

from __future__ import annotations

import stat
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.entities import Role, RolePermission
from plugins.training import exchange
from plugins.training.models import Certification
from tests.core.desk_helpers import bearer, inspect, move, new_case
from tests.plugins.training.helpers import certify, user_id
from tests.support import Harness


@pytest.fixture
def hq(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=["training"])
    for login in ("hq-tech", "east-tech", "sw-tech"):
        certify(h, login)
    return h


@pytest.fixture
def region(make_app: Callable[..., Harness], backend: str) -> Harness:
    """A regional instance (its own database) whose supervisors may run training."""
    h = make_app(plugins=["training"], region_code="EAST", instance_name="East office")
    with h.session() as session:
        role = session.get(Role, "supervisor")
        role.permissions.append(RolePermission(permission_id="training.manage"))
        session.commit()
    return h


def _export(h: Harness) -> bytes:
    response = h.client("hq-manager").get("/training/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="certifications-HQ-' in response.headers["content-disposition"]
    return response.content


def _trust(region: Harness, hq: Harness) -> None:
    key = hq.client("hq-manager").get("/training/public-key.txt").text.splitlines()[0]
    response = region.client("east-supervisor").form("/training/trusted-keys", {
        "name": "HQ Guangzhou", "public_key": key}, follow_redirects=False)
    assert response.status_code == 303, response.text


def _import(region: Harness, data: bytes) -> object:
    client = region.client("east-supervisor")
    return client.post("/training/import", data={"csrf_token": client.csrf()},
                       files={"file": ("certifications.csv", data, "text/csv")})


def _count(h: Harness) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count()).select_from(Certification)) or 0)


def _dispatch_east(region: Harness) -> object:
    clerk = bearer(region, "east-clerk")
    cid = new_case(region, clerk)["id"]
    inspect(region, bearer(region, "east-tech"), cid, "A")
    return move(region, bearer(region, "east-supervisor"), cid, "dispatched",
                technician_id=user_id(region, "east-tech"))


def test_export_is_signed_with_a_private_key_kept_0600(hq: Harness) -> None:
    data = _export(hq)
    text = data.decode("utf-8")
    assert text.startswith("# aftersales training certifications\n# issuer: HQ\n")
    assert text.splitlines()[-1].startswith("# signature: ed25519:")
    assert text.count("TC-HQ-") == 3 and "east-tech" in text
    key_file = hq.settings.var_dir / exchange.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    page = hq.client("hq-manager").get("/training/exchange").text
    assert exchange.public_key_text(hq.settings) in page
    assert exchange.pretty(exchange.own_fingerprint(hq.settings)) in page
    assert hq.client("hq-supervisor").get("/training/export.csv").status_code == 403


def test_regional_instance_imports_and_then_dispatches(hq: Harness, region: Harness) -> None:
    assert _dispatch_east(region).status_code == 409  # nobody certified here yet (P-1)
    _trust(region, hq)
    data = _export(hq)
    response = _import(region, data)
    assert response.status_code == 200, response.text
    assert "1 new, 0 updated, 0 unchanged, 2 skipped." in response.text
    assert "hq-tech" in response.text and "not in your region" in response.text
    with region.session() as session:
        [cert] = session.scalars(select(Certification))
        assert cert.imported and cert.issuer == "HQ" and cert.user.login == "east-tech"
        assert cert.number.startswith("TC-HQ-")
    assert _dispatch_east(region).status_code == 200
    again = _import(region, data)
    assert "0 new, 0 updated, 1 unchanged, 2 skipped." in again.text


def test_revocation_at_hq_travels_with_the_next_export(hq: Harness, region: Harness) -> None:
    _trust(region, hq)
    _import(region, _export(hq))
    with hq.session() as session:
        from plugins.training import services

        cert = session.scalars(select(Certification).where(
            Certification.user_id == user_id(hq, "east-tech"))).one()
        services.revoke(session, cert, None, "Failed the audit")
        session.commit()
    response = _import(region, _export(hq))
    assert "0 new, 1 updated" in response.text
    vetoed = _dispatch_east(region)
    assert vetoed.status_code == 409 and "Failed the audit" in vetoed.text


def test_a_tampered_file_is_refused_and_nothing_is_written(hq: Harness,
                                                           region: Harness) -> None:
    _trust(region, hq)
    data = _export(hq)
    with hq.session() as session:
        cert = session.scalars(select(Certification)).first()
        expires = cert.expires_on.isoformat()
    later = str(int(expires[:4]) + 10) + expires[4:]
    tampered = data.replace(expires.encode(), later.encode(), 1)
    assert tampered != data
    response = _import(region, tampered)
    assert response.status_code == 400
    assert "The signature does not match the contents" in response.text
    assert "tampered" in response.text and "nothing was imported" in response.text
    assert _count(region) == 0


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d[:d.rstrip(b"\n").rfind(b"\n") + 1], "has no signature line"),
    (lambda d: b"number,technician_login\n", "not a certification export"),
    (lambda d: b"", "The file is empty"),
    (lambda d: d.replace(b"# signature: ed25519:", b"# signature: ed25519:!!"),
     "signature line is damaged"),
])
def test_unsigned_or_damaged_files_are_refused(hq: Harness, region: Harness, change: object,
                                               message: str) -> None:
    _trust(region, hq)
    response = _import(region, change(_export(hq)))  # type: ignore[operator]
    assert response.status_code == 400
    assert message in response.text
    assert _count(region) == 0


def test_a_file_signed_by_an_untrusted_key_is_refused(hq: Harness, region: Harness) -> None:
    response = _import(region, _export(hq))
    assert response.status_code == 400
    assert "signed with a key this instance does not trust" in response.text
    assert exchange.pretty(exchange.own_fingerprint(hq.settings)) in response.text
    assert _count(region) == 0


def test_trusting_a_key_checks_it(hq: Harness, region: Harness) -> None:
    client = region.client("east-supervisor")
    bad = client.form("/training/trusted-keys", {"name": "HQ", "public_key": "hello"})
    assert bad.status_code == 400 and "one line of base64" in bad.text
    pem = exchange.public_key_pem(hq.settings)
    ok = client.form("/training/trusted-keys", {"name": "HQ", "public_key": pem},
                     follow_redirects=False)
    assert ok.status_code == 303
    twice = client.form("/training/trusted-keys", {"name": "HQ again", "public_key": pem})
    assert twice.status_code == 400 and "trusted already" in twice.text
    assert region.client("east-tech").form("/training/trusted-keys", {
        "name": "x", "public_key": pem}).status_code == 403


def test_hq_exports_one_regions_technicians_only(hq: Harness, region: Harness) -> None:
    response = hq.client("hq-manager").get("/training/export.csv?region=east")
    assert response.status_code == 200
    text = response.text
    assert "# region: EAST" in text and "east-tech" in text
    assert "hq-tech" not in text and "sw-tech" not in text
    assert 'filename="certifications-HQ-EAST-' in response.headers["content-disposition"]
    assert hq.client("hq-manager").get("/training/export.csv?region=MARS").status_code == 400
    _trust(region, hq)
    assert "1 new, 0 updated, 0 unchanged, 0 skipped." in _import(region,
                                                                   response.content).text
