"""Small helpers that turn raw input (form fields or JSON values) into typed values, collecting
every problem at once so a form shows all its errors together."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import DomainError


class Problems:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))
            raise DomainError(first, fields=dict(self.fields))

    def text(self, data: dict[str, Any], field: str, *, required: bool = True,
             max_length: int = 400, label: str | None = None) -> str:
        value = data.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, f"{label or field} must be text.")
            return ""
        value = value.strip()
        if required and not value:
            self.add(field, f"{label or field.replace('_', ' ').capitalize()} is required.")
        elif len(value) > max_length:
            self.add(field, f"At most {max_length} characters.")
        return value

    def choice(self, data: dict[str, Any], field: str, choices: tuple[str, ...],
               *, required: bool = True) -> str:
        value = data.get(field)
        if (value is None or value == "") and not required:
            return ""
        if value not in choices:
            self.add(field, f"Choose one of: {', '.join(choices)}.")
            return ""
        return str(value)

    def day(self, data: dict[str, Any], field: str, *, required: bool = False) -> date | None:
        value = data.get(field)
        if value in (None, ""):
            if required:
                self.add(field, "A date is required (YYYY-MM-DD).")
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.add(field, f"{value!r} is not a date; use YYYY-MM-DD.")
            return None

    def boolean(self, data: dict[str, Any], field: str, default: bool) -> bool:
        value = data.get(field, default)
        if isinstance(value, bool):
            return value
        if value in ("on", "true", "1", "yes"):
            return True
        if value in ("", "off", "false", "0", "no", None):
            return False if value is not None else default
        self.add(field, "Must be true or false.")
        return default

    def integer(self, data: dict[str, Any], field: str, *, required: bool = True,
                minimum: int | None = None) -> int | None:
        value = data.get(field)
        if value in (None, ""):
            if required:
                self.add(field, "A whole number is required.")
            return None
        if isinstance(value, bool):
            self.add(field, "Must be a whole number.")
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.add(field, f"{value!r} is not a whole number.")
            return None
        if minimum is not None and number < minimum:
            self.add(field, f"Must be at least {minimum}.")
        return number

    def cents(self, data: dict[str, Any], field: str, *, allow_zero: bool = False) -> int | None:
        """Money: JSON integers are cents; form text like "12.50" is yuan."""
        value = data.get(field)
        if isinstance(value, bool) or value in (None, ""):
            self.add(field, "An amount is required.")
            return None
        if isinstance(value, int):
            cents = value
        else:
            try:
                amount = Decimal(str(value).strip().replace(",", ""))
            except InvalidOperation:
                self.add(field, f"{value!r} is not an amount.")
                return None
            if amount != amount.quantize(Decimal("0.01")):
                self.add(field, "At most two decimal places.")
                return None
            cents = int(amount * 100)
        if cents < 0 or (cents == 0 and not allow_zero):
            self.add(field, "The amount must be more than zero.")
            return None
        return cents
