"""``aftersales backup FILE`` and ``aftersales restore FILE`` (issue 13).

One ``.tar.gz`` holds everything an instance is:

- ``database.sqlite`` -- SQLite copied with its online backup API (``sqlite3.Connection.
  backup``), a consistent snapshot even while the server and the worker write; or
  ``database.pgdump`` -- PostgreSQL through ``pg_dump --format=custom`` (the client tools must
  be installed and match the server's major version; without them the command says so);
- ``var/`` -- ``var_dir``: signing keys, the session secret, attachments, logs (the SQLite
  database itself is left out when it lives there: it is in ``database.sqlite``);
- ``manifest.json`` -- aftersales' version, the backend, enabled plugins, each migration
  branch's revision and every table's row count, checked after a restore.

``restore`` goes only into an empty instance (a database without tables): it never merges
into or overwrites live data.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, func, inspect, select
from sqlalchemy.engine import Engine, make_url

from core import migrate
from core.db import make_engine, normalise_url, utcnow
from core.settings import Settings

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
FORMAT = 1


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Result:
    path: Path
    manifest: dict[str, Any]


def _backend(url: str) -> str:
    return make_url(normalise_url(url)).get_backend_name()


def _libpq_url(url: str) -> str:
    return make_url(normalise_url(url)).set(drivername="postgresql") \
        .render_as_string(hide_password=False)


def table_counts(engine: Engine) -> dict[str, int]:
    """Every table's row count (alembic's bookkeeping included), by name."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in sorted(metadata.tables.items())}


def _aftersales_version() -> str:
    try:
        return version("aftersales")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "unknown"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools of "
                          "the server's major version (Debian: apt-get install "
                          "postgresql-client), or back the database up with your own pg_dump "
                          "and this command's archive of var_dir (see docs/deploy.md)")
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[:800]}")


def _sqlite_path(url: str) -> Path:
    database = make_url(normalise_url(url)).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def backup(settings: Settings, engine: Engine, enabled: list[str], target: Path) -> Result:
    """Write the archive ``target`` (its folder must exist); returns it with its manifest."""
    backend = _backend(settings.database_url)
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    with tempfile.TemporaryDirectory(prefix="aftersales-backup-") as work:
        workdir = Path(work)
        skip: set[Path] = set()
        if backend == "sqlite":
            source_path = _sqlite_path(settings.database_url).resolve()
            skip = {source_path, Path(f"{source_path}-wal"), Path(f"{source_path}-shm"),
                    Path(f"{source_path}-journal")}
            db_file = workdir / SQLITE_FILE
            source = sqlite3.connect(str(source_path))
            dest = sqlite3.connect(str(db_file))
            try:
                source.backup(dest)  # the online backup API: a consistent snapshot
            finally:
                dest.close()
                source.close()
            snapshot = make_engine(f"sqlite:///{db_file}")
            counts = table_counts(snapshot)  # of the snapshot itself: exact
            snapshot.dispose()
        elif backend == "postgresql":
            # pg_dump takes its own snapshot; counts read beside it are exact when nothing
            # writes meanwhile (the nightly line runs when the office is closed)
            counts = table_counts(engine)
            db_file = workdir / PG_FILE
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                  f"--file={db_file}", f"--dbname={_libpq_url(settings.database_url)}"])
        else:
            raise BackupError(f"backing up a {backend} database is not supported")
        manifest = {
            "format": FORMAT, "aftersales": _aftersales_version(), "created_at":
            utcnow().isoformat(), "instance": settings.instance_name,
            "region_code": settings.region_code, "backend": backend, "plugins": enabled,
            "migrations": {s.branch: s.current for s in migrate.states(engine, enabled)},
            "counts": counts, "counts_exact": backend == "sqlite",
            "database_file": db_file.name,
        }
        var_dir = settings.var_dir.resolve()
        with tarfile.open(target, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(utcnow().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(db_file, arcname=db_file.name)
            if var_dir.is_dir():
                for path in sorted(var_dir.rglob("*")):
                    if path.resolve() in skip or path.resolve() == target or \
                            not (path.is_file() or path.is_dir()):
                        continue
                    archive.add(path, arcname=f"var/{path.relative_to(var_dir)}",
                                recursive=False)
    return Result(target, manifest)


def read_manifest(source: Path) -> dict[str, Any]:
    with tarfile.open(source, "r:gz") as archive:
        member = archive.extractfile(MANIFEST)
        if member is None:
            raise BackupError(f"{source} has no {MANIFEST}: not an aftersales backup")
        manifest: dict[str, Any] = json.loads(member.read().decode("utf-8"))
    return manifest


def _is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def restore(settings: Settings, source: Path) -> Result:
    """Restore the archive ``source`` into this (empty) instance, then check every table's
    row count against the manifest."""
    if not source.is_file():
        raise BackupError(f"{source} not found")
    try:
        manifest = read_manifest(source)
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{source} is not an aftersales backup ({exc})") from None
    backend = _backend(settings.database_url)
    if manifest.get("backend") != backend:
        raise BackupError(f"the backup is of a {manifest.get('backend')} database; this "
                          f"instance uses {backend}")
    engine = make_engine(settings.database_url)
    try:
        if not _is_empty(engine):
            raise BackupError("the database of this instance is not empty; restore only into "
                              "a new, empty database")
        with tempfile.TemporaryDirectory(prefix="aftersales-restore-") as work:
            workdir = Path(work)
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(workdir, filter="data")  # no absolute paths, no links out
            db_file = workdir / str(manifest["database_file"])
            if backend == "sqlite":
                engine.dispose()
                target = _sqlite_path(settings.database_url)
                target.parent.mkdir(parents=True, exist_ok=True)
                for suffix in ("-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
                source_db = sqlite3.connect(str(db_file))
                dest = sqlite3.connect(str(target))
                try:
                    source_db.backup(dest)
                finally:
                    dest.close()
                    source_db.close()
            else:
                _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                      f"--dbname={_libpq_url(settings.database_url)}", str(db_file)])
            var_source = workdir / "var"
            if var_source.is_dir():
                var_dir = settings.var_dir
                var_dir.mkdir(parents=True, exist_ok=True)
                shutil.copytree(var_source, var_dir, dirs_exist_ok=True)
                secret = var_dir / "session-secret"
                if secret.exists():
                    os.chmod(secret, 0o600)
        engine.dispose()
        counts = table_counts(engine)
    finally:
        engine.dispose()
    if counts != manifest["counts"] and manifest.get("counts_exact", True):
        differing = sorted(name for name in set(counts) | set(manifest["counts"])
                           if counts.get(name) != manifest["counts"].get(name))
        raise BackupError("restored, but the row counts differ from the backup's manifest "
                          "in: " + ", ".join(differing))
    return Result(source, manifest)
