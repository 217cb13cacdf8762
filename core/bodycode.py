"""Core's default body-code format (W-1, W-2): ``MODEL-YYMMDD-SEQ``.

``PA2400-240315-00042`` is model PA2400, made on 2024-03-15, unit 42 of that day. Product
lines with other formats answer ``decode_body_code`` first; this one is asked last.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from core.errors import DomainError
from core.hooktypes import BodyCode
from core.i18n import N_

FORMAT = "MODEL-YYMMDD-SEQ"
EXAMPLE = "PA2400-240315-00042"
_PATTERN = re.compile(r"^(?P<model>[A-Z0-9]{2,20})-(?P<date>\d{6})-(?P<seq>\d{3,8})$")


def normalise(code: str) -> str:
    return code.strip().upper()


@lru_cache(maxsize=8192)
def _made(digits: str) -> date | None:
    """The factory date of ``YYMMDD`` (None: no such day); an import's codes share a few
    thousand days, so each is worked out once."""
    try:
        return date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:]))
    except ValueError:
        return None


def decode_default(code: str) -> BodyCode | None:
    """The unit's model and factory date, or None if the code is not in this format.

    A code in the format whose date does not exist (``PA2400-240230-00001``) is an error,
    not "not mine": no other format would claim it either.
    """
    key = normalise(code)
    match = _PATTERN.match(key)
    if match is None:
        return None
    digits = match["date"]
    made = _made(digits)
    if made is None:
        raise DomainError(
            N_("The body code %(code)r carries the date %(date)s, which does not exist "
               "(format %(format)s, e.g. %(example)s)."),
            params={"code": code, "date": digits, "format": FORMAT, "example": EXAMPLE},
            field="body_code",
        )
    return BodyCode(code=key, model_code=match["model"], factory_date=made,
                    sequence=match["seq"], format=FORMAT)


def malformed(code: str) -> DomainError:
    return DomainError(
        N_("%(code)r is not a body code this system can read: the format is %(format)s, "
           "for example %(example)s."),
        params={"code": code, "format": FORMAT, "example": EXAMPLE},
        field="body_code",
    )


def decode(pm: object, code: str) -> BodyCode:
    """Ask every plugin, then core; raise a field error if nobody can read the code."""
    result = pm.hook.decode_body_code(code=normalise(code))  # type: ignore[attr-defined]
    if result is None:
        raise malformed(code)
    return result


def decoder(pm: object) -> Callable[[str], BodyCode]:
    """:func:`decode` for many codes (an import): the plugins' implementations are looked
    up once and called in pluggy's order (last registered first, first answer wins), without
    pluggy's per-call machinery, which cost about as much as the rest of a row's checks
    (issue 11). With a hook wrapper registered it is :func:`decode` itself."""
    caller = pm.hook.decode_body_code  # type: ignore[attr-defined]
    impls = list(reversed(caller.get_hookimpls()))
    if any(getattr(i, "hookwrapper", False) or getattr(i, "wrapper", False) for i in impls):
        return lambda code: decode(pm, code)
    functions = [(i.function, "code" in i.argnames) for i in impls]

    def decode_one(code: str) -> BodyCode:
        key = normalise(code)
        for function, takes_code in functions:
            result = function(code=key) if takes_code else function()
            if result is not None:
                return result  # type: ignore[no-any-return]
        raise malformed(code)

    return decode_one


#: ``(model_code, factory_date)`` of a code, or None where ``errors`` says why not.
Parts = tuple[str, date]
#: the answer of a :func:`batch_decoder`: parts by position, and the errors by position
Decoded = tuple[list[Parts | None], dict[int, DomainError]]
_MODEL = re.compile(r"[A-Z0-9]{2,20}")  # _PATTERN's model part (with fullmatch)
_HEADS_KEPT = 65_536
_F = TypeVar("_F", bound=Callable[..., Any])


def reads_default_format(function: _F) -> _F:
    """Mark a ``decode_body_code`` implementation that answers exactly
    ``decode_default(code)``: :func:`batch_decoder` then reads the format itself, working out
    each ``MODEL-YYMMDD`` once (core's own implementation carries the mark)."""
    function.reads_default_format = True  # type: ignore[attr-defined]
    return function


def batch_decoder(pm: object) -> Callable[[Sequence[str]], Decoded]:
    """:func:`decode` for a batch of codes (an import, issue 11): ``decode_many(codes)``
    answers each code's model and factory date, or the error :func:`decode` would raise.

    Plugins are asked as :func:`decoder` asks them (their implementations called directly,
    in pluggy's order, once per code). Core's own format is read without building a
    ``BodyCode``: the sequence is checked on every code and the ``MODEL-YYMMDD`` part -- its
    model and date -- is worked out once per distinct value and remembered (the codes of an
    import share a few thousand); a code not read that way goes to :func:`decode_default`,
    whose answer or error it gets. With a hook wrapper registered every code goes through
    :func:`decode`."""
    caller = pm.hook.decode_body_code  # type: ignore[attr-defined]
    impls = list(reversed(caller.get_hookimpls()))
    if any(getattr(i, "hookwrapper", False) or getattr(i, "wrapper", False) for i in impls):
        return _each(lambda code: decode(pm, code))
    if not impls or not getattr(impls[-1].function, "reads_default_format", False):
        return _each(decoder(pm))  # core's format is not the last one asked
    functions = [(i.function, "code" in i.argnames) for i in impls[:-1]]
    heads: dict[str, Parts | None] = {}

    def decode_many(codes: Sequence[str]) -> Decoded:
        keys = [code.strip().upper() for code in codes]
        parts: list[Parts | None] = [None] * len(keys)
        errors: dict[int, DomainError] = {}
        mine: list[int] | range = range(len(keys))  # the codes no plugin answered
        if functions:
            mine = []
            for index, key in enumerate(keys):
                try:
                    answer = _ask(functions, key)
                except DomainError as exc:
                    errors[index] = exc
                    continue
                if answer is None:
                    mine.append(index)
                else:
                    parts[index] = (answer.model_code, answer.factory_date)
        texts = keys if not functions else [keys[index] for index in mine]
        # MODEL-YYMMDD and SEQ, as strings (no tuple per code for the garbage collector)
        dashes = [text.rfind("-") for text in texts]
        firsts = [text[:dash] if dash >= 0 else ""
                  for text, dash in zip(texts, dashes, strict=True)]
        sequences = [text[dash + 1:] for text, dash in zip(texts, dashes, strict=True)]
        if len(heads) > _HEADS_KEPT:
            heads.clear()
        for head in set(firsts).difference(heads):
            heads[head] = _head(head)
        # the sequence checked on every code, MODEL-YYMMDD looked up
        answers = [heads[head] if 3 <= len(sequence) <= 8 and sequence.isdecimal() else None
                   for head, sequence in zip(firsts, sequences, strict=True)]
        if functions:
            unread = []
            for index, answer in zip(mine, answers, strict=True):
                if answer is None:
                    unread.append(index)
                else:
                    parts[index] = answer
        else:
            parts = answers
            unread = [index for index, answer in enumerate(answers) if answer is None]
        for index in unread:
            try:  # not read: the answer or the error is decode_default's own
                read = decode_default(keys[index])
            except DomainError as exc:
                errors[index] = exc
                continue
            if read is None:
                errors[index] = malformed(codes[index])
            else:
                parts[index] = (read.model_code, read.factory_date)
        return parts, errors

    return decode_many


def _ask(functions: list[tuple[Callable[..., BodyCode | None], bool]], key: str
         ) -> BodyCode | None:
    for function, takes_code in functions:
        result = function(code=key) if takes_code else function()
        if result is not None:
            return result
    return None


def _head(head: str) -> Parts | None:
    """``MODEL-YYMMDD`` (what ``_PATTERN`` asks before the sequence): its model and date, or
    None when it is not in the format or the day does not exist."""
    model, _dash, digits = head.partition("-")
    if len(digits) != 6 or not digits.isdecimal() or not _model(model):
        return None
    made = _made(digits)
    return None if made is None else (model, made)


@lru_cache(maxsize=1024)
def _model(text: str) -> bool:
    return _MODEL.fullmatch(text) is not None


def _each(decode_one: Callable[[str], BodyCode]) -> Callable[[Sequence[str]], Decoded]:
    def decode_many(codes: Sequence[str]) -> Decoded:
        parts: list[Parts | None] = []
        errors: dict[int, DomainError] = {}
        for index, code in enumerate(codes):
            try:
                answer = decode_one(code)
            except DomainError as exc:
                errors[index] = exc
                parts.append(None)
            else:
                parts.append((answer.model_code, answer.factory_date))
        return parts, errors

    return decode_many
