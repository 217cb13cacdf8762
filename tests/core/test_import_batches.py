"""Issue 11: the unit import checks a batch column by column and remembers verdicts by value
(a flag, a date, a model, a body code's ``MODEL-YYMMDD``); the rows it refuses and why are
still exactly those of checking each row alone, and no verdict leaks from one row to another
that differs."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from core import bodycode
from core.entities import Unit
from core.errors import DomainError
from core.hooktypes import BodyCode
from core.manifest import hookimpl
from core.services.bulk_import import ImportResult, import_units
from tests.support import Harness

HEADER = "body_code,model_code,own_product,oem,customer_phone,sold_on\n"
TODAY = date(2026, 11, 25)


def units(h: Harness, text: str | bytes, **options: object) -> ImportResult:
    data = text.encode() if isinstance(text, str) else text
    with h.session() as session:
        result = import_units(session, h.app.state.pm, io.BytesIO(data), today=TODAY,
                              **options)  # type: ignore[arg-type]
        session.commit()
    return result


def problems(result: ImportResult) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for error in result.errors:
        found.setdefault(error.line, []).append((error.column, error.reason))
    return found


def stored(h: Harness) -> dict[str, Unit]:
    with h.session() as session:
        return {u.body_code: u for u in session.scalars(select(Unit))}


CODES = [
    "PA2400-240315-00042", " pa2400-240315-00043 ", "PA2400-240315-42", "PA2400-240315-123456789",
    "PA2400-240315-0004X", "PA2400-240315-٠٠٠٤٢", "PA2400-240230-00001", "PA2400-240230-1",
    "PA2400240315-00042", "P-240315-00042", "PA-2400-240315-00042", "A-240315-00042",
    "ABCDEFGHIJKLMNOPQRSTU-240315-00042", "PA2400-2403150-00042", "PA2400-24031-00042",
    "PA2400-240315-", "-240315-00042", "PA2400", "", "SMP.20240301.7", "SMP.20240230.1",
    "pa2400-240315-00042\n", "PA2400-٢٤٠٣١٥-00042",
]


class Sample:
    """A plugin format ahead of core's (as ``tests/sample_plugin`` reads it)."""

    @hookimpl
    def decode_body_code(self, code: str) -> BodyCode | None:
        if not code.startswith("SMP."):
            return None
        digits = code.split(".")[1]
        try:
            made = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            raise DomainError(f"No day {digits}.", field="body_code") from None
        return BodyCode(code=code, model_code="PA2400", factory_date=made, sequence="7")


def _one_by_one(pm: object, codes: list[str]) -> list[tuple[object, str]]:
    answers: list[tuple[object, str]] = []
    for code in codes:
        try:
            read = bodycode.decode(pm, code)
        except DomainError as exc:
            answers.append((None, exc.message))
        else:
            answers.append(((read.model_code, read.factory_date), ""))
    return answers


@pytest.mark.parametrize("plugin", [False, True])
def test_the_batch_decoder_answers_what_decode_answers(make_app: Callable[..., Harness],
                                                       plugin: bool) -> None:
    h = make_app(plugins=[])
    pm = h.app.state.pm
    if plugin:
        pm.register(Sample(), name="sample-format")
    decode_many = bodycode.batch_decoder(pm)
    for _twice in range(2):  # the second time from what it remembered
        parts, errors = decode_many(CODES)
        batch = [(part, errors[i].message if i in errors else "")
                 for i, part in enumerate(parts)]
        assert batch == _one_by_one(pm, CODES)
    assert parts[0] == ("PA2400", date(2024, 3, 15)) and parts[1] == parts[0]
    assert "does not exist" in errors[6].message  # a day that does not exist
    assert "MODEL-YYMMDD-SEQ" in errors[7].message  # ... and a short sequence: malformed
    assert (parts[19] is not None) is plugin


def test_a_remembered_verdict_does_not_leak_to_a_row_that_differs(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    rows = [
        "PA2400-240315-00001,,1,0,,2024-03-20",       # 2 valid
        "PA2400-240315-0002,,1,0,,2024-03-20",        # 3 valid (a 4-digit sequence)
        "PA2400-240315-02,,1,0,,2024-03-20",          # 4 same MODEL-YYMMDD, sequence too short
        "PA2400-240316-00003,,1,0,,2024-03-15",       # 5 same sold-on, made after it
        "PA2400-240314-00004,,1,0,,2024-03-15",       # 6 same sold-on, made before: valid
        "PA2400-240315-00005,MX12,1,0,,",             # 7 the model cell disagrees
        "MX12-240315-00006,MX12,1,0,,",               # 8 the same cell agrees: valid
        "PA2400-240315-00007,,maybe,0,,",             # 9 a flag that is not one
        "PA2400-240315-00008,, yes ,0,,",             # 10 valid: " yes " is yes
        "PA2400-240315-00009,,maybe ,0,,",            # 11 another text, its own message
        "PA2400-240315-00010,,1,0,, 2024-13-01",      # 12 not a date
        "PA2400-240315-00011,,1,0,,2024-13-01 ",      # 13 the same, written otherwise
        "PA2400-240315-00012,,1,0,,2099-01-01",       # 14 in the future
        "PA2400-240315-00013,,0,0,,2099-01-01",       # 15 not ours, in the future
        "OLD-1,Yamaha P7000,0,0,,",                   # 16 not ours: the model as text
        "OLD-2,pa2400,0,0,,",                         # 17 not ours, a known model
        "PA2400-240315-00001,,1,0,,",                 # 18 repeats line 2
        "pa2400-240315-00014,,1,0,,",                 # 19 valid
    ]
    result = units(h, HEADER + "\n".join(rows) + "\n", batch_size=3)
    found = problems(result)
    assert set(found) == {4, 5, 7, 9, 11, 12, 13, 14, 15, 18}
    assert "MODEL-YYMMDD-SEQ" in found[4][0][1]
    assert found[5] == [("sold_on", "Sold on 2024-03-15, before it was made (2024-03-16).")]
    assert found[7] == [("model_code", "The body code says model PA2400, not MX12.")]
    assert found[9] == [("own_product", "'maybe' is not true or false (use 1/0, true/false, "
                                        "yes/no).")]
    assert found[11] == found[9]
    assert found[12] == found[13] == [("sold_on", "'2024-13-01' is not a date; use "
                                                  "YYYY-MM-DD.")]
    assert found[14] == found[15] == [("sold_on", "2099-01-01 is in the future.")]
    assert found[18] == [("body_code", "Duplicate body code PA2400-240315-00001: already on "
                                       "line 2 of this file.")]
    assert result.inserted == 8 and result.duplicates == 1
    units_by_code = stored(h)
    assert units_by_code["PA2400-240315-0002"].factory_date == date(2024, 3, 15)
    assert units_by_code["MX12-240315-00006"].model.code == "MX12"  # type: ignore[union-attr]
    assert units_by_code["PA2400-240315-00008"].own_product
    assert units_by_code["OLD-1"].model is None
    assert units_by_code["OLD-1"].model_text == "Yamaha P7000"
    assert units_by_code["OLD-2"].model.code == "PA2400"  # type: ignore[union-attr]
    assert not units_by_code["OLD-2"].own_product


def test_a_row_reports_its_problems_in_column_order(make_app: Callable[..., Harness]) -> None:
    h = make_app()
    row = "pa2400-240316-00001," + "M" * 121 + ",maybe,perhaps," + "9" * 401 + ",2024-03-15"
    result = units(h, HEADER + row + "\nPA2400-240316-00001,,1,0,,2099-01-01\n")
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "model_code"), (2, "own_product"), (2, "oem"), (2, "customer_phone"),
        (2, "model_code"), (2, "sold_on"), (2, "customer_phone"), (3, "sold_on"),
        (3, "body_code")]
    assert result.errors[0].reason == "At most 120 characters."
    assert result.errors[3].reason == "At most 400 characters."
    assert result.errors[4].reason == f"Unknown model {'M' * 121!r}."
    assert result.errors[6].reason.startswith("No customer with phone")
    assert result.errors[-1].reason.endswith("already on line 2 of this file.")


def test_lines_not_in_the_encoding_are_found_among_many(make_app: Callable[..., Harness]
                                                        ) -> None:
    h = make_app(plugins=[])
    lines = [f"WM100-240601-{n:05d},,1,0,,\n".encode() for n in range(1, 6001)]
    lines[3000] = b"WM100-240601-\xff3001,,1,0,,\n"  # line 3002 of the file
    lines[5998] = b"WM100-240601-05999,\xe4\xb8,1,0,,\n"  # line 6000: a cut character
    data = ("\ufeff" + HEADER).encode() + b"".join(lines)
    calls: list[tuple[int, int, int | None]] = []
    result = units(h, data, batch_size=2000, progress=lambda *a: calls.append(a))
    assert [(e.line, e.column) for e in result.errors] == [(3002, ""), (6000, "")]
    assert all("not UTF-8 text" in e.reason for e in result.errors)
    assert result.rows == 6000 and result.inserted == 5998
    assert calls[-1][1] == calls[-1][2] == len(data)
    assert [c[0] for c in calls] == [2000, 4001, 6000]  # rows read, the bad one too
    # read as text (the job's stored file) the same rows are imported
    again = make_app(plugins=[])
    with again.session() as session:
        text = data.decode("utf-8", errors="replace")
        result = import_units(session, again.app.state.pm, io.StringIO(text), today=TODAY)
        session.commit()
    assert result.inserted == 5998 and len(result.errors) == 2


def test_an_oem_model_makes_its_units_oem_in_a_whole_batch(make_app: Callable[..., Harness]
                                                           ) -> None:
    h = make_app()
    text = HEADER + "MX8OEM-240315-00001,,1,0,,\nPA2400-240315-00001,,1,0,,\n" \
        "PA2400-240315-00002,,1,1,,\n"
    assert units(h, text).inserted == 3
    by_code = stored(h)
    assert by_code["MX8OEM-240315-00001"].oem  # the model's
    assert not by_code["PA2400-240315-00001"].oem
    assert by_code["PA2400-240315-00002"].oem  # the file's
