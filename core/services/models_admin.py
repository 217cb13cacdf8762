"""Product models as HQ keeps them (issue 18): the English and the Chinese name, the product
line, the list price, a warranty override (W-2) and the OEM flag.

Models are global (every region sells the same catalogue), so only HQ edits them. A model's
code is part of every body code (W-1, ``MODEL-YYMMDD-SEQ``): it is chosen when the model is
added and never changes. Models are not deleted. Every change is audited (T-2).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.entities import ProductModel
from core.entities.catalogue import PRODUCT_LINES
from core.i18n import N_
from core.services.validation import Problems

MODEL_CODE = re.compile(r"^[A-Z0-9]{2,20}$")  # the model part of a body code (core.bodycode)
MODEL_FIELDS = ["code", "name", "name_zh", "product_line", "list_price_cents",
                "warranty_months", "oem"]
MAX_WARRANTY_MONTHS = 120


def _values(session: Session, model: ProductModel | None, data: dict[str, Any]
            ) -> dict[str, Any]:
    problems = Problems()
    values: dict[str, Any] = {}
    if model is None:
        code = str(data.get("code", "")).strip().upper()
        if not MODEL_CODE.match(code):
            problems.add("code", N_("Use 2-20 capital letters or digits, as in body codes."))
        elif session.scalar(select(ProductModel.id).where(ProductModel.code == code)):
            problems.add("code", N_("This code is already in use."))
        values["code"] = code
    values["name"] = problems.text(data, "name", max_length=160, label=N_("Name"))
    values["name_zh"] = problems.text(data, "name_zh", required=False, max_length=160,
                                      label=N_("Chinese name"))
    values["product_line"] = problems.choice(data, "product_line", PRODUCT_LINES)
    values["list_price_cents"] = problems.cents(data, "list_price", allow_zero=True)
    months = problems.integer(data, "warranty_months", required=False, minimum=1)
    if months is not None and months > MAX_WARRANTY_MONTHS:
        problems.add("warranty_months", N_("At most %(maximum)s months."),
                     maximum=MAX_WARRANTY_MONTHS)
    values["warranty_months"] = months
    values["oem"] = problems.boolean(data, "oem", False)
    problems.raise_if_any()
    return values


def create_model(session: Session, data: dict[str, Any]) -> ProductModel:
    model = ProductModel(**_values(session, None, data))
    session.add(model)
    session.flush()
    audit.record(session, "product_model", model.id, "create",
                 after=audit.changes(model, MODEL_FIELDS))
    return model


def update_model(session: Session, model: ProductModel, data: dict[str, Any]) -> ProductModel:
    values = _values(session, model, data)
    before = audit.changes(model, MODEL_FIELDS)
    for key, value in values.items():
        setattr(model, key, value)
    session.flush()
    after = audit.changes(model, MODEL_FIELDS)
    if after != before:
        audit.record(session, "product_model", model.id, "update", before=before, after=after)
    return model
