"""Bulk import of units and customers from CSV (issue 5).

The file is read line by line with the ``csv`` module, never loaded whole. Every row is
validated completely -- every column, the body code through the plugins' ``decode_body_code``,
duplicates within the file and against the database -- and a row with any problem is not
written at all: invalid rows are reported as ``(line, column, reason)`` and the valid rows
are kept. Valid rows are inserted in batches with one executemany per batch
(``session.execute(insert(Unit), rows)``); the existing body codes are checked with one
``SELECT ... WHERE body_code IN (...)`` per batch.

Region scope: customers belong to a region. A regional importer (``session.info['region_id']``
set) imports only into their own region; an empty ``region_code`` means the importer's
region, another region's code is a row error. The bulk insert bypasses the ORM's flush-time
check, so this module enforces the scope itself.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, bodycode
from core.db import utcnow
from core.entities import Customer, ProductModel, Region, Unit
from core.errors import DomainError
from core.i18n import N_
from core.security.scope import SCOPE_KEY
from core.services.bulk_insert import in_values, insert_rows

BATCH_SIZE = 5_000
UNIT_COLUMNS = ("body_code", "model_code", "own_product", "oem", "customer_phone", "sold_on")
UNIT_REQUIRED = ("body_code",)
CUSTOMER_COLUMNS = ("name", "company", "address", "phone", "email", "region_code")
CUSTOMER_REQUIRED = ("name", "address", "phone")
KINDS = ("units", "customers")
TRUE = frozenset({"1", "true", "yes", "y", "on", "t", "是"})
FALSE = frozenset({"", "0", "false", "no", "n", "off", "f", "否"})
LIMITS = {"name": 160, "company": 160, "address": 400, "phone": 40, "email": 160,
          "model_code": 120, "body_code": 64}

#: ``progress(rows_processed, bytes_read, total_bytes_or_None)``, called once per batch.
Progress = Callable[[int, int, int | None], None]
#: ``on_batch(result, last_line, new_errors)``: called once per batch, in the batch's
#: transaction, just before it commits (``commit=True``): the import job keeps its
#: checkpoint, its counters, the batch's errors and an audit entry with the rows (issue 13).
OnBatch = Callable[["ImportResult", int, "list[RowError]"], None]


@dataclass(frozen=True)
class RowError:
    """One problem: the file's line (the header is line 1), the column and why."""

    line: int
    column: str
    reason: str


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    inserted: int = 0
    #: Rows refused because their key (body code; region, name and phone) is already in the
    #: file or the database. They are also listed in ``errors``.
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    bytes_read: int = 0

    @property
    def failed_rows(self) -> int:
        """Rows not imported (a problem with the first line counts as one)."""
        return len({e.line for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "rows": self.rows, "inserted": self.inserted,
                "duplicates": self.duplicates, "failed_rows": self.failed_rows,
                "errors": len(self.errors)}


class _Source:
    """Lines of text from a binary or text file object, counting bytes and remembering the
    lines that are not valid text in the encoding (reported on their rows)."""

    def __init__(self, stream: IO[Any], encoding: str) -> None:
        self.stream = stream
        self.encoding = encoding
        self.bytes_read = 0
        self.bad_lines: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        number = 0
        if isinstance(self.stream, io.TextIOBase):
            for line in self.stream:
                number += 1
                self.bytes_read += len(line)
                yield line.lstrip("\ufeff") if number == 1 else line
            return
        rest = _no_bom(self.encoding)  # once, not per line
        for raw in iter(self.stream.readline, b""):
            number += 1
            self.bytes_read += len(raw)
            try:
                yield raw.decode(self.encoding if number == 1 else rest)
            except UnicodeDecodeError:
                self.bad_lines.add(number)
                yield raw.decode(rest, errors="replace")


def _no_bom(encoding: str) -> str:
    return "utf-8" if encoding.lower().replace("_", "-") == "utf-8-sig" else encoding


def stream_size(stream: IO[Any]) -> int | None:
    """The size of a file object in bytes, when it can be known without reading it."""
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return int(end) - int(here)
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _text(row: dict[str, str], column: str, errors: list[tuple[str, str]],
          required: bool = False) -> str:
    value = row.get(column)
    value = value.strip() if value else ""
    if not value:
        if required:
            errors.append((column, f"{column} is required."))
        return value
    limit = LIMITS.get(column, 400)
    if len(value) > limit:
        errors.append((column, f"At most {limit} characters."))
    return value


def _flag(row: dict[str, str], column: str, default: bool,
          errors: list[tuple[str, str]]) -> bool:
    value = row.get(column)
    if not value:
        return default
    value = value.strip().lower()
    if value == "":
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    errors.append((column, f"{value!r} is not true or false (use 1/0, true/false, yes/no)."))
    return default


def _day(row: dict[str, str], column: str, errors: list[tuple[str, str]]) -> date | None:
    value = row.get(column)
    value = value.strip() if value else ""
    if not value:
        return None
    if len(value) == 10 and value[4] in "-/" and value[7] == value[4] \
            and (value[:4] + value[5:7] + value[8:]).isdigit():
        try:  # the common YYYY-MM-DD without splitting (issue 11: a row's checks add up)
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            pass
    else:
        parts = value.replace("/", "-").split("-")
        if len(parts) == 3 and len(parts[0]) == 4 and all(p.isdigit() for p in parts):
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass
    errors.append((column, f"{value!r} is not a date; use YYYY-MM-DD."))
    return None


class _Reader:
    """The shared part of both imports: header check, batches, errors, progress."""

    def __init__(self, kind: str, stream: IO[Any], columns: tuple[str, ...],
                 required: tuple[str, ...], *, size: int | None, progress: Progress | None,
                 encoding: str, skip_through: int = 0, on_batch: OnBatch | None = None
                 ) -> None:
        self.result = ImportResult(kind)
        self.source = _Source(stream, encoding)
        self.columns = columns
        self.required = required
        self.size = size if size is not None else stream_size(stream)
        self.progress = progress
        #: a resumed import: lines up to here were handled (and committed) by an earlier run
        self.skip_through = skip_through
        self.on_batch = on_batch
        self.last_line = skip_through
        self._errors_handed = 0

    def error(self, line: int, column: str, reason: str) -> None:
        self.result.errors.append(RowError(line, column, reason))

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """``(line, row)`` for each data row; header problems end the import early."""
        reader = csv.reader(self.source)
        try:
            header = next(reader, None)
            if header is None:
                self.error(1, "", "The file is empty; the first line must name the columns.")
                return
            names = [h.strip().lower() for h in header]
            unknown = [h for h in names if h and h not in self.columns]
            missing = [c for c in self.required if c not in names]
            for name in unknown:
                self.error(1, name, "Unknown column; the columns are: "
                           + ", ".join(self.columns) + ".")
            for name in missing:
                self.error(1, name, "This column is missing from the first line.")
            named = [h for h in names if h]
            twice = len(set(named)) != len(named)
            if twice:
                self.error(1, "", "A column is named twice in the first line.")
            if unknown or missing or twice:
                return
            width = len(names)
            end = reader.line_num
            for cells in reader:
                start, end = end + 1, reader.line_num
                if end <= self.skip_through:
                    continue  # handled by the run that was interrupted
                self.last_line = end
                if not cells or not "".join(cells).strip():
                    continue  # blank lines are not rows
                self.result.rows += 1
                if self.source.bad_lines and any(n in self.source.bad_lines
                                                 for n in range(start, end + 1)):
                    self.error(end, "", f"This line is not {_no_bom(self.source.encoding).upper()} "
                               "text; save the file as CSV UTF-8.")
                    continue
                if len(cells) != width:
                    self.error(end, "", f"This line has {len(cells)} fields; the first "
                               f"line names {width}.")
                    continue
                yield end, dict(zip(names, cells, strict=True))
        except csv.Error as exc:
            self.error(reader.line_num, "", f"Not readable as CSV: {exc}.")

    def end_batch(self, session: Session, commit: bool, inserted_any: bool) -> None:
        """Hand the batch to ``on_batch`` and commit it (rows, errors and checkpoint at once),
        then report progress."""
        if self.on_batch is not None:
            fresh = self.result.errors[self._errors_handed:]
            self._errors_handed = len(self.result.errors)
            self.result.bytes_read = self.source.bytes_read
            self.on_batch(self.result, self.last_line, fresh)
        if commit and (inserted_any or self.on_batch is not None):
            session.commit()
        self.report()

    def report(self) -> None:
        self.result.bytes_read = self.source.bytes_read
        if self.progress is not None:
            self.progress(self.result.rows, self.source.bytes_read, self.size)


def _scope(session: Session) -> int | None:
    value = session.info.get(SCOPE_KEY)
    return value if isinstance(value, int) else None


def _record(session: Session, result: ImportResult, entity: str, name: str,
            region_id: int | None) -> None:
    if result.inserted:
        audit.record(session, entity, (name or "-")[-64:], "import",
                     after={**result.as_dict(), "file": name}, region_id=region_id)


# --- units ------------------------------------------------------------------------------


@dataclass
class _UnitRow:
    line: int
    values: dict[str, Any]
    phone: str
    problems: list[tuple[str, str]]
    duplicate: bool = False


def import_units(
    session: Session, pm: pluggy.PluginManager, stream: IO[Any], *,
    size: int | None = None, progress: Progress | None = None, batch_size: int = BATCH_SIZE,
    commit: bool = False, today: date | None = None, encoding: str = "utf-8-sig",
    name: str = "", created_at: datetime | None = None, skip_through: int = 0,
    on_batch: OnBatch | None = None,
) -> ImportResult:
    """Import units from CSV with the columns ``body_code, model_code, own_product, oem,
    customer_phone, sold_on`` (only ``body_code`` is required).

    ``commit=True`` commits after each batch, so a long import never holds the database's
    write lock for long; otherwise the caller commits.
    """
    reader = _Reader("units", stream, UNIT_COLUMNS, UNIT_REQUIRED, size=size,
                     progress=progress, encoding=encoding, skip_through=skip_through,
                     on_batch=on_batch)
    today = today or date.today()
    models: dict[str, tuple[int, str, bool] | None] = {}
    seen: dict[str, int] = {}
    pending: list[_UnitRow] = []
    created = created_at or utcnow()

    def model(code: str) -> tuple[int, str, bool] | None:
        key = code.strip().upper()
        if key not in models:
            found = session.execute(select(ProductModel.id, ProductModel.code, ProductModel.oem)
                                    .where(ProductModel.code == key)).first()
            models[key] = (found[0], found[1], bool(found[2])) if found else None
        return models[key]

    decode = bodycode.decoder(pm)
    days: dict[str, tuple[date | None, tuple[str, str] | None]] = {}
    flags: dict[tuple[str, bool], tuple[bool, tuple[str, str] | None]] = {}

    def day(value: str) -> tuple[date | None, tuple[str, str] | None]:
        """A sold-on date and its problem, remembered: a file repeats its dates."""
        if value not in days:
            found: list[tuple[str, str]] = []
            days[value] = (_day({"sold_on": value}, "sold_on", found), found[0] if found
                           else None)
        return days[value]

    def flag(column: str, value: str, default: bool) -> tuple[bool, tuple[str, str] | None]:
        key = (value, default)
        if key not in flags:
            found: list[tuple[str, str]] = []
            flags[key] = (_flag({column: value}, column, default, found),
                          found[0] if found else None)
        answer, problem = flags[key]
        # the message names the column; the same value in the other column says so there
        return answer, (None if problem is None else (column, problem[1]))

    for line, row in reader.rows():
        problems: list[tuple[str, str]] = []
        code = _text(row, "body_code", problems, required=True).upper()
        model_code = _text(row, "model_code", problems)
        own, problem = flag("own_product", row.get("own_product") or "", True)
        if problem:
            problems.append(problem)
        oem, problem = flag("oem", row.get("oem") or "", False)
        if problem:
            problems.append(problem)
        phone = _text(row, "customer_phone", problems)
        sold_on, problem = day(row.get("sold_on") or "")
        if problem:
            problems.append(problem)
        values: dict[str, Any] = {"body_code": code, "model_id": None, "model_text": "",
                                  "factory_date": None, "own_product": own, "oem": oem,
                                  "sold_to_id": None, "sold_on": sold_on, "created_at": created}
        if code and own:
            try:
                decoded = decode(code)
            except DomainError as exc:
                problems.append(("body_code", exc.message))
            else:
                values["factory_date"] = decoded.factory_date
                found = model(model_code or decoded.model_code)
                if found is None:
                    problems.append(("model_code", f"Unknown model "
                                     f"{(model_code or decoded.model_code).upper()!r}."))
                elif found[1] != decoded.model_code:
                    problems.append(("model_code", f"The body code says model "
                                     f"{decoded.model_code}, not {found[1]}."))
                else:
                    values["model_id"] = found[0]
                    values["oem"] = oem or found[2]
                if sold_on is not None and sold_on < decoded.factory_date:
                    problems.append(("sold_on", f"Sold on {sold_on.isoformat()}, before it "
                                     f"was made ({decoded.factory_date.isoformat()})."))
        elif code:
            found = model(model_code) if model_code else None
            if found is not None:
                values["model_id"] = found[0]
            else:
                values["model_text"] = model_code
        if sold_on is not None and sold_on > today:
            problems.append(("sold_on", f"{sold_on.isoformat()} is in the future."))
        duplicate = code in seen
        if duplicate:
            problems.append(("body_code", f"Duplicate body code {code}: already on line "
                             f"{seen[code]} of this file."))
            reader.result.duplicates += 1
        elif code:
            seen[code] = line
        pending.append(_UnitRow(line, values, phone, problems, duplicate))
        if len(pending) >= batch_size:
            _flush_units(session, reader, pending, commit)
            pending = []
    _flush_units(session, reader, pending, commit)
    if on_batch is None:  # the import job audits each batch itself
        _record(session, reader.result, "unit_import", name, None)
    return reader.result


def _flush_units(session: Session, reader: _Reader, pending: list[_UnitRow],
                 commit: bool) -> None:
    """The batch's checks against the database, then one insert of its valid rows."""
    result = reader.result
    codes = [r.values["body_code"] for r in pending if r.values["body_code"]]
    dialect = session.get_bind().dialect.name
    existing = set(session.scalars(select(Unit.body_code).where(
        in_values(Unit.body_code, codes, dialect)))) if codes else set()
    phones = {r.phone for r in pending if r.phone}
    owners: dict[str, list[int]] = {}
    if phones:
        query = select(Customer.id, Customer.phone).where(
            in_values(Customer.phone, phones, dialect))
        region = _scope(session)
        if region is not None:
            query = query.where(Customer.region_id == region)
        for customer_id, phone in session.execute(query):
            owners.setdefault(phone, []).append(customer_id)
    rows = []
    for r in pending:
        code = r.values["body_code"]
        if code in existing and not r.duplicate:  # a repeat in the file says so already
            r.problems.append(("body_code", f"A unit with body code {code} already exists."))
            result.duplicates += 1
        if r.phone:
            found = owners.get(r.phone, [])
            if not found:
                r.problems.append(("customer_phone", f"No customer with phone {r.phone!r}; "
                                   "import the customers first."))
            elif len(found) > 1:
                r.problems.append(("customer_phone", f"{len(found)} customers have the phone "
                                   f"{r.phone!r}; set the owner on the unit's page."))
            else:
                r.values["sold_to_id"] = found[0]
        if r.problems:
            for column, reason in r.problems:
                reader.error(r.line, column, reason)
        else:
            rows.append(r.values)
    if rows:
        insert_rows(session, Unit.__table__, rows)
        result.inserted += len(rows)
    reader.end_batch(session, commit, bool(rows))


# --- customers --------------------------------------------------------------------------


@dataclass
class _CustomerRow:
    line: int
    values: dict[str, Any]
    problems: list[tuple[str, str]]
    duplicate: bool = False


def import_customers(
    session: Session, stream: IO[Any], *, default_region_id: int | None = None,
    size: int | None = None, progress: Progress | None = None, batch_size: int = BATCH_SIZE,
    commit: bool = False, encoding: str = "utf-8-sig", name: str = "",
    created_at: datetime | None = None, skip_through: int = 0,
    on_batch: OnBatch | None = None,
) -> ImportResult:
    """Import customers from CSV with the columns ``name, company, address, phone, email,
    region_code``. An empty ``region_code`` means ``default_region_id`` (the importer's
    region); a regional importer cannot name another region. The same name and phone in a
    region is the same customer, so such a row is a duplicate."""
    reader = _Reader("customers", stream, CUSTOMER_COLUMNS, CUSTOMER_REQUIRED, size=size,
                     progress=progress, encoding=encoding, skip_through=skip_through,
                     on_batch=on_batch)
    scope = _scope(session)
    if scope is not None:
        default_region_id = scope
    regions = {code.upper(): rid for rid, code in session.execute(select(Region.id,
                                                                         Region.code))}
    seen: dict[tuple[int, str, str], int] = {}
    pending: list[_CustomerRow] = []
    created = created_at or utcnow()
    for line, row in reader.rows():
        problems: list[tuple[str, str]] = []
        values: dict[str, Any] = {
            "name": _text(row, "name", problems, required=True),
            "company": _text(row, "company", problems),
            "address": _text(row, "address", problems, required=True),
            "phone": _text(row, "phone", problems, required=True),
            "email": _text(row, "email", problems),
            "created_at": created,
        }
        if values["email"] and "@" not in values["email"]:
            problems.append(("email", f"{values['email']!r} is not an email address."))
        region_code = (row.get("region_code") or "").strip().upper()
        region_id: int | None = default_region_id
        if region_code:
            region_id = regions.get(region_code)
            if region_id is None:
                problems.append(("region_code", f"Unknown region {region_code!r}; the regions "
                                 f"are {', '.join(sorted(regions))}."))
            elif scope is not None and region_id != scope:
                problems.append(("region_code", f"You can import customers only into your own "
                                 f"region, not {region_code}."))
                region_id = None
        elif region_id is None:
            problems.append(("region_code", "region_code is required (the region the "
                             "customer belongs to)."))
        values["region_id"] = region_id
        duplicate = False
        if region_id is not None and values["name"] and values["phone"]:
            key = (region_id, values["name"], values["phone"])
            duplicate = key in seen
            if duplicate:
                problems.append(("name", f"Duplicate customer: the same name and phone are "
                                 f"already on line {seen[key]} of this file."))
                reader.result.duplicates += 1
            else:
                seen[key] = line
        pending.append(_CustomerRow(line, values, problems, duplicate))
        if len(pending) >= batch_size:
            _flush_customers(session, reader, pending, commit)
            pending = []
    _flush_customers(session, reader, pending, commit)
    if on_batch is None:  # the import job audits each batch itself
        _record(session, reader.result, "customer_import", name, scope)
    return reader.result


def _flush_customers(session: Session, reader: _Reader, pending: list[_CustomerRow],
                     commit: bool) -> None:
    phones = {r.values["phone"] for r in pending if r.values["phone"]}
    existing: set[tuple[int, str, str]] = set()
    if phones:
        query = select(Customer.region_id, Customer.name, Customer.phone).where(
            in_values(Customer.phone, phones, session.get_bind().dialect.name))
        existing = {tuple(row) for row in session.execute(query)}  # type: ignore[misc]
    rows = []
    for r in pending:
        v = r.values
        if (v["region_id"], v["name"], v["phone"]) in existing and not r.duplicate:
            r.problems.append(("name", f"{v['name']} with phone {v['phone']} is already a "
                               "customer of this region."))
            reader.result.duplicates += 1
        if r.problems:
            for column, reason in r.problems:
                reader.error(r.line, column, reason)
        else:
            rows.append(v)
    if rows:
        insert_rows(session, Customer.__table__, rows)
        reader.result.inserted += len(rows)
    reader.end_batch(session, commit, bool(rows))


# --- reports ----------------------------------------------------------------------------


def run_import(kind: str, session: Session, pm: pluggy.PluginManager, stream: IO[Any],
               **options: Any) -> ImportResult:
    """``import_units`` or ``import_customers`` by name (``default_region_id`` is ignored
    for units)."""
    if kind == "units":
        options.pop("default_region_id", None)
        return import_units(session, pm, stream, **options)
    if kind == "customers":
        return import_customers(session, stream, **options)
    raise DomainError(N_("Choose what to import: %(kinds)s."), params={"kinds": ", ".join(KINDS)},
                      field="kind")


ERROR_HEADER = ("line", "column", "reason")


def write_errors(errors: list[RowError], target: IO[str]) -> None:
    """The error report as CSV: ``line, column, reason``, in file order."""
    writer = csv.writer(target)
    writer.writerow(ERROR_HEADER)
    for error in sorted(errors, key=lambda e: e.line):
        writer.writerow((error.line, error.column, error.reason))
