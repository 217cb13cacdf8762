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

import codecs
import csv
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import IO, Any, cast

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, bodycode
from core.db import utcnow
from core.entities import Customer, ProductModel, Region, Unit
from core.errors import DomainError
from core.i18n import N_
from core.security.scope import SCOPE_KEY
from core.services.bulk_insert import in_values, insert_columns, insert_rows

BATCH_SIZE = 5_000
#: units commit every 20,000 rows (issue 11): on SQLite a commit rewrites the unit table's
#: index pages it touched, so 5,000-row batches cost an import of 100,000 units more time in
#: commits than its checks; a batch of units holds SQLite's write lock for a fraction of a
#: second. Customers and plugins' kinds keep ``BATCH_SIZE``.
UNIT_BATCH_SIZE = 20_000
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
        if codecs.lookup(rest).name not in _LINE_SAFE:
            for raw in iter(self.stream.readline, b""):
                number += 1
                yield self._decode(raw, number, rest)
            return
        first = self.stream.readline()
        if not first:
            return
        number = 1
        yield self._decode(first, number, rest)
        # the other lines by the chunk (issue 11): one decode, split in C; a chunk that is
        # not all text is read line by line, so the bad lines are known by their numbers
        for chunk in iter(lambda: self.stream.readlines(_CHUNK), []):
            try:
                lines = io.StringIO(b"".join(chunk).decode(rest)).readlines()
            except UnicodeDecodeError:
                lines = []
            if len(lines) != len(chunk):
                for raw in chunk:
                    number += 1
                    yield self._decode(raw, number, rest)
                continue
            number += len(lines)
            self.bytes_read += sum(map(len, chunk))  # the chunk's, as its first line is read
            yield from lines

    def _decode(self, raw: bytes, number: int, rest: str) -> str:
        self.bytes_read += len(raw)
        try:
            return raw.decode(self.encoding if number == 1 else rest)
        except UnicodeDecodeError:
            self.bad_lines.add(number)
            return raw.decode(rest, errors="replace")


#: encodings in which a byte 10 is always a line's end, never part of a character: a chunk
#: of lines decodes to the same lines as each line alone
_LINE_SAFE = frozenset({"utf-8", "ascii", "iso8859-1", "cp1252", "gbk", "gb18030", "big5"})
_CHUNK = 1 << 16


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
        #: the first line's column names, once :meth:`batches` has read it
        self.names: list[str] = []

    def error(self, line: int, column: str, reason: str) -> None:
        self.result.errors.append(RowError(line, column, reason))

    def _header(self, reader: Any) -> list[str] | None:
        """The first line's column names (lower case), or None after reporting why the file
        cannot be imported."""
        header = next(reader, None)
        if header is None:
            self.error(1, "", "The file is empty; the first line must name the columns.")
            return None
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
            return None
        return names

    def _refused(self, cells: list[str], start: int, end: int, width: int) -> bool:
        """Report a line that is not text in the encoding or has the wrong number of
        fields."""
        if self.source.bad_lines and any(n in self.source.bad_lines
                                         for n in range(start, end + 1)):
            self.error(end, "", f"This line is not {_no_bom(self.source.encoding).upper()} "
                       "text; save the file as CSV UTF-8.")
            return True
        if len(cells) != width:
            self.error(end, "", f"This line has {len(cells)} fields; the first "
                       f"line names {width}.")
            return True
        return False

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """``(line, row)`` for each data row; header problems end the import early."""
        reader = csv.reader(self.source)
        try:
            names = self._header(reader)
            if names is None:
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
                if self._refused(cells, start, end, width):
                    continue
                yield end, dict(zip(names, cells, strict=True))
        except csv.Error as exc:
            self.error(reader.line_num, "", f"Not readable as CSV: {exc}.")

    def batches(self, size: int) -> Iterator[tuple[list[int], list[list[str]]]]:
        """The data rows as ``(lines, columns)`` of up to ``size`` rows, ``columns`` the
        cells column by column in the order of ``self.names``; the last batch (maybe empty)
        comes after the end of the file or a problem with the first line. What :meth:`rows`
        reads, without a dict per row (issue 11). A row's list is let go as soon as its
        cells are in the columns: thousands of rows held until the batch ends made Python's
        cyclic garbage collector walk the whole process several times per import."""
        reader = csv.reader(self.source)
        lines: list[int] = []
        width = 0
        columns: list[list[str]] = []
        append = list.append
        result = self.result
        counted = result.rows  # kept here and handed over before each batch goes out
        last = self.last_line
        try:
            names = self._header(reader)
            if names is not None:
                self.names = names
                width = len(names)
                columns = [[] for _name in names]
                skip = self.skip_through
                bad_lines = self.source.bad_lines  # the set itself: it fills as lines come
                end = reader.line_num
                for cells in reader:
                    start, end = end + 1, reader.line_num
                    if end <= skip:
                        continue  # handled by the run that was interrupted
                    last = end
                    if not cells or not (cells[0].strip() or "".join(cells).strip()):
                        continue  # blank lines are not rows
                    counted += 1
                    if (bad_lines or len(cells) != width) \
                            and self._refused(cells, start, end, width):
                        continue
                    lines.append(end)
                    any(map(append, columns, cells))  # each cell to its column (None: all)
                    if len(lines) >= size:
                        result.rows, self.last_line = counted, last
                        yield lines, columns
                        lines, columns = [], [[] for _name in range(width)]
        except csv.Error as exc:
            self.error(reader.line_num, "", f"Not readable as CSV: {exc}.")
        result.rows, self.last_line = counted, last
        yield lines, columns

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


_UNSEEN: Any = object()
_KEPT = 65_536  # distinct values a cache keeps before it starts again


def import_units(
    session: Session, pm: pluggy.PluginManager, stream: IO[Any], *,
    size: int | None = None, progress: Progress | None = None,
    batch_size: int = UNIT_BATCH_SIZE,
    commit: bool = False, today: date | None = None, encoding: str = "utf-8-sig",
    name: str = "", created_at: datetime | None = None, skip_through: int = 0,
    on_batch: OnBatch | None = None,
) -> ImportResult:
    """Import units from CSV with the columns ``body_code, model_code, own_product, oem,
    customer_phone, sold_on`` (only ``body_code`` is required).

    ``commit=True`` commits after each batch, so a long import never holds the database's
    write lock for long; otherwise the caller commits.

    A batch is checked column by column (issue 11): a value's verdict -- a flag, a date, a
    model, a ``MODEL-YYMMDD`` of a body code -- is worked out once per distinct value and
    remembered, the rows go to the database as columns, and no object is built per row.
    Each row's problems are the same, in the same order, as when it was checked alone.
    """
    reader = _Reader("units", stream, UNIT_COLUMNS, UNIT_REQUIRED, size=size,
                     progress=progress, encoding=encoding, skip_through=skip_through,
                     on_batch=on_batch)
    checker = _UnitChecker(session, pm, today or date.today(), created_at or utcnow())
    for lines, columns in reader.batches(batch_size):
        _flush_units(session, reader, checker.check(reader, lines, columns), commit)
    if on_batch is None:  # the import job audits each batch itself
        _record(session, reader.result, "unit_import", name, None)
    return reader.result


@dataclass
class _UnitBatch:
    """A batch's rows as columns, with the problems of the rows that have any."""

    lines: list[int]
    codes: list[str]
    phones: list[str]
    #: rows (by position) repeating a body code earlier in the file
    repeats: set[int]
    problems: dict[int, list[tuple[str, str]]]
    #: the table's columns, a value for every row (rows with problems are not inserted)
    columns: dict[str, list[Any]]


class _UnitChecker:
    """The checks of one import's unit rows, with what it has worked out so far: the
    verdict on each distinct cell (a flag, a date), each model, each pair of a model cell
    and a body code's model. A verdict depends only on the value it is remembered by."""

    def __init__(self, session: Session, pm: pluggy.PluginManager, today: date,
                 created: datetime) -> None:
        self.session = session
        self.today = today
        self.created = created
        self.decode = bodycode.batch_decoder(pm)
        #: body code -> its line, for repeats within the file
        self.seen: dict[str, int] = {}
        self.models: dict[str, tuple[int, str, bool] | None] = {}
        #: cell text -> (value, problem), per flag column
        self.flags: dict[str, dict[str, tuple[bool, str | None]]] = {
            "own_product": {}, "oem": {}}
        #: cell text -> (date, why it is not a date, why it cannot be: in the future)
        self.days: dict[str, tuple[date | None, str | None, str | None]] = {}
        #: the body code's model -> model_code cell -> (model id, model's oem, problem)
        self.own_models: dict[str, dict[str, tuple[int | None, bool, str | None]]] = {}
        self.own_verdicts = 0
        #: model_code cell of a unit not ours -> the model's id
        self.foreign_models: dict[str, int | None] = {}

    def model(self, code: str) -> tuple[int, str, bool] | None:
        key = code.strip().upper()
        if key not in self.models:
            found = self.session.execute(
                select(ProductModel.id, ProductModel.code, ProductModel.oem)
                .where(ProductModel.code == key)).first()
            self.models[key] = (found[0], found[1], bool(found[2])) if found else None
        return self.models[key]

    def flag_column(self, column: str, cells: Sequence[str], default: bool,
                    problem: Callable[[int, str, str], None]) -> list[bool]:
        """A flag column's values; its problems reported row by row."""
        known = self.flags[column]
        if len(known) > _KEPT:
            known.clear()
        for cell in set(cells).difference(known):
            found: list[tuple[str, str]] = []
            known[cell] = (_flag({column: cell}, column, default, found),
                           found[0][1] if found else None)
        answers = list(map(known.__getitem__, cells))
        if any(answer[1] for answer in map(known.__getitem__, set(cells))):
            for row, answer in enumerate(answers):
                if answer[1]:
                    problem(row, column, answer[1])
        return [answer[0] for answer in answers]

    def day_column(self, cells: Sequence[str], problem: Callable[[int, str, str], None]
                   ) -> tuple[list[date | None], dict[int, str]]:
        """The sold-on dates; problems with the text reported, the future ones returned by
        row (reported after the body code's)."""
        known = self.days
        if len(known) > _KEPT:
            known.clear()
        today = self.today
        for cell in set(cells).difference(known):
            found: list[tuple[str, str]] = []
            sold_on = _day({"sold_on": cell}, "sold_on", found)
            future = None
            if sold_on is not None and sold_on > today:
                future = f"{sold_on.isoformat()} is in the future."
            known[cell] = (sold_on, found[0][1] if found else None, future)
        answers = list(map(known.__getitem__, cells))
        futures: dict[int, str] = {}
        if any(answer[1] or answer[2] for answer in map(known.__getitem__, set(cells))):
            for row, answer in enumerate(answers):
                if answer[1]:
                    problem(row, "sold_on", answer[1])
                elif answer[2]:
                    futures[row] = answer[2]
        return [answer[0] for answer in answers], futures

    def own_model(self, model_code: str, decoded: str) -> tuple[int | None, bool, str | None]:
        """The model of one of our units: its id and oem flag, or the problem."""
        found = self.model(model_code or decoded)
        if found is None:
            answer: tuple[int | None, bool, str | None] = (
                None, False, f"Unknown model {(model_code or decoded).upper()!r}.")
        elif found[1] != decoded:
            answer = (None, False, f"The body code says model {decoded}, not {found[1]}.")
        else:
            answer = (found[0], found[2], None)
        self.own_models.setdefault(decoded, {})[model_code] = answer
        self.own_verdicts += 1
        return answer

    def check(self, reader: _Reader, lines: list[int], cells: list[list[str]]
              ) -> _UnitBatch:
        """Every check of a batch that needs no query but the models', column by column: a
        row's problems are those ``_text``, ``_flag``, ``_day`` and the decoder give it
        alone, in the same order (each pass adds its column's problems in row order)."""
        names = reader.names
        count = len(lines)

        def column(name: str) -> Sequence[str]:
            return cells[names.index(name)] if name in names and cells else ("",) * count

        problems: dict[int, list[tuple[str, str]]] = {}

        def problem(row: int, column: str, reason: str) -> None:
            found = problems.get(row)
            if found is None:
                problems[row] = [(column, reason)]
            else:
                found.append((column, reason))

        # as _text: stripped, a column without a limit of its own (customer_phone) has 400
        code_limit, model_limit, phone_limit = (LIMITS.get("body_code", 400),
                                                LIMITS.get("model_code", 400),
                                                LIMITS.get("customer_phone", 400))
        codes = [value.strip() for value in column("body_code")]
        for row in [r for r, code in enumerate(codes) if not code or len(code) > code_limit]:
            problem(row, "body_code", f"At most {code_limit} characters." if codes[row]
                    else "body_code is required.")
        models = [value.strip() for value in column("model_code")]
        for row in [r for r, model in enumerate(models) if len(model) > model_limit]:
            problem(row, "model_code", f"At most {model_limit} characters.")
        owns = self.flag_column("own_product", column("own_product"), True, problem)
        oems = self.flag_column("oem", column("oem"), False, problem)
        phones = [value.strip() for value in column("customer_phone")]
        for row in [r for r, phone in enumerate(phones) if len(phone) > phone_limit]:
            problem(row, "customer_phone", f"At most {phone_limit} characters.")
        sold, futures = self.day_column(column("sold_on"), problem)
        codes = [code.upper() for code in codes]

        # what the body code of each of our units says
        every = all(owns) and all(codes)  # the usual file: our units only, each with a code
        ours = list(range(count)) if every else [row for row in range(count)
                                                  if owns[row] and codes[row]]
        parts, errors = self.decode(codes if every else [codes[row] for row in ours])
        model_ids: list[int | None] = [None] * count
        model_texts = [""] * count
        factory_dates: list[date | None] = [None] * count
        for position, error in errors.items():
            problem(ours[position], "body_code", error.message)
        if errors:
            ours = [row for position, row in enumerate(ours) if position not in errors]
            parts = [part for part in parts if part is not None]
        decoded = cast(list[bodycode.Parts], parts)
        # the model of each: one verdict per (model cell, the code's model)
        own_models = self.own_models
        if self.own_verdicts > _KEPT:
            own_models.clear()
            self.own_verdicts = 0
        whole = len(ours) == count  # every row ours and readable: whole columns
        model_cells = models if whole else [models[row] for row in ours]
        read_models = list(map(itemgetter(0), decoded))
        pairs = set(zip(model_cells, read_models, strict=True))
        for model_cell, model in pairs:
            if model_cell not in own_models.get(model, ()):
                self.own_model(model_cell, model)
        verdicts = [own_models[model][model_cell]
                    for model_cell, model in zip(model_cells, read_models, strict=True)]
        made = list(map(itemgetter(1), decoded))
        if whole and not any(own_models[model][cell][2] for cell, model in pairs):
            factory_dates = made
            model_ids = list(map(itemgetter(0), verdicts))
            if any(own_models[model][cell][1] for cell, model in pairs):  # an OEM model
                oems = [oem or verdict[1] for oem, verdict in zip(oems, verdicts, strict=True)]
        else:
            for row, made_on, (model_id, model_oem, reason) in zip(ours, made, verdicts,
                                                                   strict=True):
                factory_dates[row] = made_on
                if reason:
                    problem(row, "model_code", reason)
                else:
                    model_ids[row] = model_id
                    oems[row] = oems[row] or model_oem
        # sold before it was made
        early = [(row, sold_on, made_on) for row, made_on in zip(ours, made, strict=True)
                 if (sold_on := sold[row]) is not None and sold_on < made_on]
        for row, sold_on, made_on in early:
            problem(row, "sold_on", f"Sold on {sold_on.isoformat()}, before it was made "
                    f"({made_on.isoformat()}).")
        if len(ours) < count:  # not ours: the model if it is known, else its text
            foreign = self.foreign_models
            if len(foreign) > _KEPT:
                foreign.clear()
            for row in range(count):
                model_code = models[row]
                if owns[row] or not codes[row] or not model_code:
                    continue
                model_id = foreign.get(model_code, _UNSEEN)
                if model_id is _UNSEEN:
                    found = self.model(model_code)
                    model_id = foreign[model_code] = found[0] if found else None
                if model_id is None:
                    model_texts[row] = model_code
                else:
                    model_ids[row] = model_id

        for row, reason in futures.items():  # in row order
            problem(row, "sold_on", reason)
        # repeats within the file: the line a code was first seen on, this row's if new
        seen = self.seen
        firsts = list(map(seen.setdefault, codes, lines))
        seen.pop("", None)  # no code is not a repeat (it is a problem of its own)
        repeats: set[int] = set()
        for row in [r for r, first in enumerate(firsts) if first != lines[r] and codes[r]]:
            problem(row, "body_code", f"Duplicate body code {codes[row]}: already on line "
                    f"{firsts[row]} of this file.")
            repeats.add(row)
        reader.result.duplicates += len(repeats)
        columns: dict[str, list[Any]] = {
            "body_code": codes, "model_id": model_ids, "model_text": model_texts,
            "factory_date": factory_dates, "own_product": owns, "oem": oems,
            "sold_to_id": [None] * count, "sold_on": sold, "created_at": [self.created] * count}
        return _UnitBatch(lines, codes, phones, repeats, problems, columns)


def _flush_units(session: Session, reader: _Reader, batch: _UnitBatch, commit: bool) -> None:
    """The batch's checks against the database, then one insert of its valid rows."""
    result = reader.result
    codes = [code for code in batch.codes if code]
    dialect = session.get_bind().dialect.name
    existing = set(session.scalars(select(Unit.body_code).where(
        in_values(Unit.body_code, codes, dialect)))) if codes else set()
    phones = {phone for phone in batch.phones if phone}
    owners: dict[str, list[int]] = {}
    if phones:
        query = select(Customer.id, Customer.phone).where(
            in_values(Customer.phone, phones, dialect))
        region = _scope(session)
        if region is not None:
            query = query.where(Customer.region_id == region)
        for customer_id, phone in session.execute(query):
            owners.setdefault(phone, []).append(customer_id)
    problems = batch.problems
    if existing or phones:
        sold_to = batch.columns["sold_to_id"]
        for row, code in enumerate(batch.codes):
            found_problems: list[tuple[str, str]] = []
            if code in existing and row not in batch.repeats:  # a repeat says so already
                found_problems.append(("body_code",
                                       f"A unit with body code {code} already exists."))
                result.duplicates += 1
            phone = batch.phones[row]
            if phone:
                found = owners.get(phone, [])
                if not found:
                    found_problems.append(("customer_phone", f"No customer with phone "
                                           f"{phone!r}; import the customers first."))
                elif len(found) > 1:
                    found_problems.append(("customer_phone", f"{len(found)} customers have "
                                           f"the phone {phone!r}; set the owner on the "
                                           "unit's page."))
                else:
                    sold_to[row] = found[0]
            if found_problems:
                problems.setdefault(row, []).extend(found_problems)
    for row in sorted(problems):
        line = batch.lines[row]
        for column, reason in problems[row]:
            reader.error(line, column, reason)
    columns = batch.columns
    if problems:
        keep = [row for row in range(len(batch.codes)) if row not in problems]
        columns = {name: [values[row] for row in keep] for name, values in columns.items()}
    inserted = len(columns["body_code"])
    if inserted:
        insert_columns(session, Unit.__table__, columns)
        result.inserted += inserted
    reader.end_batch(session, commit, bool(inserted))


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
