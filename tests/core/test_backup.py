"""Backup and restore (issue 13): a populated instance (cases, an attachment, delivered
messages, jobs) is backed up with ``aftersales backup`` and restored with ``aftersales
restore`` into an empty one; every table's count, a sample of rows, the attachment's bytes
and the session secret come back, and the restored instance serves the attachment."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

from core.backup import table_counts
from core.cli import cli
from core.entities import Attachment, AuditEvent, OutboxMessage, ServiceCase
from core.services.queue import run_due
from tests.core.test_attachments import open_case, upload
from tests.support import Databases, Harness


def env_for(h: Harness) -> dict[str, str]:
    return {"AFTERSALES_DATABASE_URL": h.url, "AFTERSALES_VAR_DIR": str(h.settings.var_dir),
            "AFTERSALES_PLUGINS": ",".join(h.settings.plugins) or ",",
            "AFTERSALES_SECURITY__ARGON2_TIME_COST": "1",
            "AFTERSALES_SECURITY__ARGON2_MEMORY_COST_KIB": "8",
            "AFTERSALES_SECURITY__ARGON2_PARALLELISM": "1"}


def sample(h: Harness) -> dict[str, list[tuple[object, ...]]]:
    with h.session() as session:
        return {
            "cases": [(c.id, c.reference, c.contact_name, c.state) for c in
                      session.scalars(select(ServiceCase).order_by(ServiceCase.id))],
            "audit": [(e.id, e.entity, e.action, e.at) for e in
                      session.scalars(select(AuditEvent).order_by(AuditEvent.id))],
            "messages": [(m.id, m.state, m.subject) for m in
                         session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))],
            "attachments": [(a.token, a.sha256) for a in session.scalars(select(Attachment))],
        }


def test_backup_then_restore_into_an_empty_instance(
        make_app: Callable[..., Harness], databases: Databases, backend: str,
        tmp_path: Path) -> None:
    source = make_app(plugins=["warranty"])
    case_ids = [open_case(source, n=n) for n in (1, 2, 3)]
    clerk = source.client("hq-clerk")
    photo = io.BytesIO()
    Image.new("RGB", (400, 300), "green").save(photo, "PNG")
    upload(clerk, f"/desk/cases/{case_ids[0]}/attachments",
           ("damage.png", photo.getvalue(), "image/png"))
    run_due(source.app)
    before = sample(source)
    assert before["cases"] and before["attachments"]
    counts = table_counts(source.app.state.engine)

    archive = tmp_path / "nightly.tar.gz"
    runner = CliRunner()
    made = runner.invoke(cli, ["backup", str(archive)], env=env_for(source))
    assert made.exit_code == 0, made.output
    assert "backup written to" in made.output
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert "manifest.json" in names
    assert ("database.sqlite" if backend == "sqlite" else "database.pgdump") in names
    assert "var/session-secret" in names
    assert any(name.startswith("var/attachments/") for name in names)
    again = runner.invoke(cli, ["backup", str(archive)], env=env_for(source))
    assert again.exit_code == 1 and "exists already" in again.output

    target = make_app(plugins=["warranty"], url=databases.empty(backend))
    restored = runner.invoke(cli, ["restore", str(archive)], env=env_for(target))
    assert restored.exit_code == 0, restored.output
    assert "row counts match" in restored.output
    assert table_counts(target.app.state.engine) == counts
    assert sample(target) == before
    secret = (source.settings.var_dir / "session-secret").read_bytes()
    assert (target.settings.var_dir / "session-secret").read_bytes() == secret
    token = before["attachments"][0][0]
    served = target.client("hq-clerk").get(f"/attachments/{token}")
    assert served.status_code == 200 and served.content == photo.getvalue()

    now = table_counts(target.app.state.engine)  # the sign-in above added rows
    refused = runner.invoke(cli, ["restore", str(archive)], env=env_for(target))
    assert refused.exit_code == 1 and "not empty" in refused.output
    assert table_counts(target.app.state.engine) == now


def test_restore_refuses_what_is_not_a_backup(make_app: Callable[..., Harness],
                                              databases: Databases, tmp_path: Path) -> None:
    target = make_app(plugins=[], url=databases.empty("sqlite"), backend="sqlite")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar file")
    answer = CliRunner().invoke(cli, ["restore", str(junk)], env=env_for(target))
    assert answer.exit_code == 1 and "not an aftersales backup" in answer.output
    missing = CliRunner().invoke(cli, ["restore", str(tmp_path / "none.tar.gz")],
                                 env=env_for(target))
    assert missing.exit_code == 1 and "not found" in missing.output
