"""Core's default body-code format (W-1, W-2): ``MODEL-YYMMDD-SEQ``.

``PA2400-240315-00042`` is model PA2400, made on 2024-03-15, unit 42 of that day. Product
lines with other formats answer ``decode_body_code`` first; this one is asked last.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

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
