"""Small helpers that turn raw input (form fields or JSON values) into typed values, collecting
every problem at once so a form shows all its errors together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import DomainError, Term, render
from core.i18n import N_


class Problems:
    """Field errors, collected. A message is a template marked with ``N_`` and its
    parameters (``problems.add("qty", N_("Must be at least %(minimum)s."), minimum=1)``);
    ``fields`` has them in English, the raised ``DomainError`` can translate them."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.templates: dict[str, tuple[str, dict[str, object]]] = {}

    def add(self, field: str, message: str, /, **params: object) -> None:
        if field not in self.fields:
            self.fields[field] = render(message, params)
            self.templates[field] = (message, params)

    def extend(self, other: Problems, prefix: str = "") -> None:
        """Another collection's problems, their fields named ``<prefix><field>``."""
        for name, text in other.fields.items():
            message, params = other.templates.get(name, (text, {}))
            self.add(prefix + name, message, **params)

    def add_error(self, field: str, error: DomainError) -> None:
        """A ``DomainError`` raised by a helper, as this field's problem."""
        self.add(field, error.template, **error.params)

    def raise_if_any(self) -> None:
        if self.fields:
            fields = {name: self.templates.get(name, (text, None))
                      for name, text in self.fields.items()}
            first, params = next(iter(fields.values()))
            raise DomainError(first, params=params, fields=fields)

    def text(self, data: dict[str, Any], field: str, *, required: bool = True,
             max_length: int = 400, label: str | None = None) -> str:
        value = data.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, N_("%(label)s must be text."), label=Term(label or field))
            return ""
        value = value.strip()
        if required and not value:
            self.add(field, N_("%(label)s is required."),
                     label=Term(label or field.replace("_", " ").capitalize()))
        elif len(value) > max_length:
            self.add(field, N_("At most %(count)s characters."), count=max_length)
        return value

    def choice(self, data: dict[str, Any], field: str, choices: tuple[str, ...],
               *, required: bool = True) -> str:
        value = data.get(field)
        if (value is None or value == "") and not required:
            return ""
        if value not in choices:
            self.add(field, N_("Choose one of: %(choices)s."), choices=", ".join(choices))
            return ""
        return str(value)

    def day(self, data: dict[str, Any], field: str, *, required: bool = False) -> date | None:
        value = data.get(field)
        if value in (None, ""):
            if required:
                self.add(field, N_("A date is required (YYYY-MM-DD)."))
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.add(field, N_("%(value)r is not a date; use YYYY-MM-DD."), value=value)
            return None

    def boolean(self, data: dict[str, Any], field: str, default: bool) -> bool:
        value = data.get(field, default)
        if isinstance(value, bool):
            return value
        if value in ("on", "true", "1", "yes"):
            return True
        if value in ("", "off", "false", "0", "no", None):
            return False if value is not None else default
        self.add(field, N_("Must be true or false."))
        return default

    def integer(self, data: dict[str, Any], field: str, *, required: bool = True,
                minimum: int | None = None) -> int | None:
        value = data.get(field)
        if value in (None, ""):
            if required:
                self.add(field, N_("A whole number is required."))
            return None
        if isinstance(value, bool):
            self.add(field, N_("Must be a whole number."))
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.add(field, N_("%(value)r is not a whole number."), value=value)
            return None
        if minimum is not None and number < minimum:
            self.add(field, N_("Must be at least %(minimum)s."), minimum=minimum)
        return number

    def cents(self, data: dict[str, Any], field: str, *, allow_zero: bool = False) -> int | None:
        """Money: JSON integers are cents; form text like "12.50" is yuan."""
        value = data.get(field)
        if isinstance(value, bool) or value in (None, ""):
            self.add(field, N_("An amount is required."))
            return None
        if isinstance(value, int):
            cents = value
        else:
            try:
                amount = Decimal(str(value).strip().replace(",", ""))
            except InvalidOperation:
                self.add(field, N_("%(value)r is not an amount."), value=value)
                return None
            if amount != amount.quantize(Decimal("0.01")):
                self.add(field, N_("At most two decimal places."))
                return None
            cents = int(amount * 100)
        if cents < 0 or (cents == 0 and not allow_zero):
            self.add(field, N_("The amount must be more than zero."))
            return None
        return cents
