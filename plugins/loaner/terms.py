"""Loaner terms per product model (issue 14 item 3): the deposit suggested when a unit of the
model goes out, and the price list of its accessories and parts, charged at check-in when an
item comes back missing or damaged.

Pricing order at check-in (``price_item``): the model's loaner price list (what the pool
keeper set for exactly this loaner kit), then the parts catalogue through the ``part_price``
hook (when a parts plugin answers; never an import), then the plugin's flat setting.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.plugin_api import (
    N_,
    Conflict,
    DomainError,
    Message,
    Problems,
    User,
    audit,
    lock_row,
    model_by_code,
    plugin_settings,
    utcnow,
)
from plugins.loaner.models import LoanerTerms

#: The largest amount a deposit or a price may be, in cents (ten million yuan): below the
#: 32-bit integer columns of PostgreSQL, so a huge number is a form error, never a 500.
MAX_CENTS = 1_000_000_000
#: At most this many lines on one model's price list.
MAX_ITEMS = 100
ITEM_LENGTH = 80
#: The charge for damage to the unit itself (not an accessory).
UNIT_DAMAGE = "Unit damage"


def terms_for(session: Session, model_code: str) -> LoanerTerms | None:
    return session.scalars(select(LoanerTerms).where(
        LoanerTerms.model_code == (model_code or "").strip().upper())).first()


def all_terms(session: Session) -> list[LoanerTerms]:
    return list(session.scalars(select(LoanerTerms).order_by(LoanerTerms.model_code)))


def default_deposit(session: Session, model_code: str) -> int:
    """The deposit suggested for a unit of ``model_code``: its terms, else the setting."""
    found = terms_for(session, model_code)
    if found is not None:
        return found.deposit_cents
    return int(plugin_settings(session, "loaner").default_deposit_cents)


def price_item(session: Session, model_code: str, item: str) -> int:
    """A missing or damaged item's price in cents (see the module's pricing order)."""
    found = terms_for(session, model_code)
    listed = found.price_of(item) if found is not None else None
    if listed is not None:
        return listed
    answer = session.info["pm"].hook.part_price(session=session, model_code=model_code,
                                                item=item)
    if answer is not None:
        return int(answer)
    settings = plugin_settings(session, "loaner")
    return int(settings.damage_price_cents if item == UNIT_DAMAGE
               else settings.accessory_price_cents)


def _amount(problems: Problems, data: dict[str, Any], field: str) -> int:
    cents = problems.cents(data, field, allow_zero=True)
    if cents is not None and cents > MAX_CENTS:
        problems.add(field, N_("At most %(amount)s."), amount=f"{MAX_CENTS / 100:.2f}")
        return 0
    return cents or 0


def parse_prices(problems: Problems, raw: object) -> dict[str, int]:
    """The price list as JSON (``{"Rack ears": 8000}``: integers are cents, text is yuan) or
    as the form's text, one ``item = price`` (yuan) a line. Every bad line is reported."""
    pairs: list[tuple[str, object]] = []
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        pairs = [(str(name), value) for name, value in raw.items()]
    elif isinstance(raw, str):
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.rpartition("=")
            if not sep or not name.strip():
                problems.add("prices", N_("Line %(line)s: write item = price."), line=number)
                return {}
            pairs.append((name, value.strip()))
    else:
        problems.add("prices", N_("The price list is a list of items with their prices."))
        return {}
    if len(pairs) > MAX_ITEMS:
        problems.add("prices", N_("At most %(count)s items."), count=MAX_ITEMS)
        return {}
    prices: dict[str, int] = {}
    for name, value in pairs:
        item = " ".join(name.split())
        if not item or len(item) > ITEM_LENGTH:
            problems.add("prices", N_("An item's name is 1 to %(count)s characters."),
                         count=ITEM_LENGTH)
            return {}
        if item.lower() in (known.lower() for known in prices):
            problems.add("prices", N_("%(item)s is listed twice."), item=item)
            return {}
        checked = Problems()
        cents = _amount(checked, {"price": value}, "price")
        if checked.fields:
            message, params = checked.templates["price"]
            problems.add("prices", N_("%(item)s: %(problem)s"), item=item,
                         problem=Message(message, params))
            return {}
        prices[item] = cents
    return prices


def save_terms(session: Session, actor: User | None, data: dict[str, Any]) -> LoanerTerms:
    """Set a model's deposit and price list (create or replace), audited with before and
    after. Two people saving the same model at once: the row lock orders them; two creating
    it at once: the unique model code lets one in and the other gets a clear 409."""
    problems = Problems()
    code = problems.text(data, "model_code", max_length=32, label=N_("Model"))
    deposit = _amount(problems, data, "deposit_cents") if data.get("deposit_cents") not in (
        None, "") else 0
    prices = parse_prices(problems, data.get("prices"))
    model = model_by_code(session, code) if code else None
    if code and model is None:
        problems.add("model_code", N_("No product model %(code)s."), code=code.upper())
    problems.raise_if_any()
    assert model is not None
    found = terms_for(session, model.code)
    if found is None:
        terms = LoanerTerms(model_code=model.code, deposit_cents=deposit, prices=prices,
                            updated_by_id=actor.id if actor else None, updated_at=utcnow())
        try:
            with session.begin_nested():
                session.add(terms)
                session.flush()
        except IntegrityError:
            raise Conflict(N_("Someone saved the terms of %(code)s a moment ago: open them "
                              "again."), params={"code": model.code}, code="duplicate",
                           field="model_code") from None
        audit.record(session, "loaner_terms", terms.id, "create", after={
            "model": model.code, "deposit_cents": deposit, "prices": prices})
        return terms
    terms = lock_row(session, LoanerTerms, found.id)
    if terms is None:  # pragma: no cover - a row is never deleted
        raise DomainError(N_("No such terms."), status_code=404, code="not_found")
    before = {"deposit_cents": terms.deposit_cents, "prices": dict(terms.prices or {})}
    terms.deposit_cents = deposit
    terms.prices = prices
    terms.updated_by_id = actor.id if actor else None
    terms.updated_at = utcnow()
    audit.record(session, "loaner_terms", terms.id, "update", before=before, after={
        "model": model.code, "deposit_cents": deposit, "prices": prices})
    return terms


def terms_json(terms: LoanerTerms) -> dict[str, Any]:
    return {"model_code": terms.model_code, "deposit_cents": terms.deposit_cents,
            "prices": dict(terms.prices or {}), "updated_at": terms.updated_at}


def prices_text(terms: LoanerTerms | None) -> str:
    """The price list as the form shows it: ``item = 12.50`` a line."""
    if terms is None:
        return ""
    return "\n".join(f"{name} = {cents / 100:.2f}" for name, cents in (terms.prices or {}).items())
