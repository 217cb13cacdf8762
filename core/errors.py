"""One error type for users (DESIGN.md conventions).

A ``DomainError`` carries the field it is about and a message; the web layer shows it on the
form, the API answers it as ``{"error": {"code", "message", "fields"}}`` with its status.
Anything else raised while handling a request is a bug: logged with a request id, a 500.

Messages are constant templates marked with ``N_`` and their parameters are kept apart
(``DomainError(N_("Unknown model %(model)s."), params={"model": code})``), so a page can show
them in the user's language (:meth:`DomainError.localized`) while ``str(error)``,
``.message``, ``.fields`` and the API's JSON stay English. A parameter that is itself a
message (a field's label, say) is wrapped in :class:`Term` and translated too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

Params = Mapping[str, object]
#: A message: a template and its parameters, or text already formatted.
Text = str | tuple[str, Params | None]


class Term(str):
    """A parameter value that is itself a message to translate (a label, a state's title)."""

    __slots__ = ()


class Message(NamedTuple):
    """A parameter value that is itself a message with parameters: a veto that says *why*
    in a reason of its own (``Message(N_("certificate %(number)s expired"), {...})``),
    rendered, and translated with the rest, when the outer message is."""

    template: str
    params: Params | None = None


def render(template: str, params: Params | None = None,
           gettext: Callable[[str], str] | None = None) -> str:
    """``template % params``, translated first when ``gettext`` is given. A translation that
    is missing or does not format falls back to the English text; a template that does not
    format (text given already formatted) is shown as it is."""
    try:
        english = _format(template, params)
    except (KeyError, ValueError, TypeError, IndexError):
        english = template
    if gettext is None or not template:
        return english
    try:
        return _format(gettext(template), params, gettext)
    except (KeyError, ValueError, TypeError, IndexError):
        return english


def localize(text: Text, gettext: Callable[[str], str] | None = None) -> str:
    """A message given as text or as ``(template, params)``, translated by ``gettext``."""
    template, params = _split(text)
    return render(template, params, gettext)


def message_to_json(params: Params | None) -> dict[str, Any]:
    """Parameters stored as JSON (a case event's note, say): a nested :class:`Message`
    becomes ``{"$message": template, "params": {...}}`` and a :class:`Term`
    ``{"$term": text}``, so :func:`message_from_json` gives back what it was and the note is
    translated when it is read, in the reader's language."""
    stored: dict[str, Any] = {}
    for name, value in (params or {}).items():
        if isinstance(value, Message):
            stored[name] = {"$message": value.template,
                            "params": message_to_json(value.params)}
        elif isinstance(value, Term):
            stored[name] = {"$term": str(value)}
        elif value is None or isinstance(value, str | int | float | bool):
            stored[name] = value
        else:
            stored[name] = str(value)
    return stored


def message_from_json(stored: Mapping[str, Any] | None) -> dict[str, object]:
    """The inverse of :func:`message_to_json`."""
    params: dict[str, object] = {}
    for name, value in (stored or {}).items():
        if isinstance(value, dict) and "$message" in value:
            params[name] = Message(str(value["$message"]),
                                   message_from_json(value.get("params")))
        elif isinstance(value, dict) and "$term" in value:
            params[name] = Term(str(value["$term"]))
        else:
            params[name] = value
    return params


def _format(template: str, params: Params | None,
            gettext: Callable[[str], str] | None = None) -> str:
    if not params:
        return template
    return template % {name: _value(value, gettext) for name, value in params.items()}


def _value(value: object, gettext: Callable[[str], str] | None) -> object:
    if isinstance(value, Message):
        return render(value.template, value.params, gettext)
    if gettext and isinstance(value, Term) and value:
        return gettext(value)
    return value


def _split(text: Text) -> tuple[str, Params | None]:
    if isinstance(text, tuple):
        template, params = text
        return template, params
    return text, None


class DomainError(Exception):
    """A user mistake or a refused operation, explained."""

    status_code = 422
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        params: Params | None = None,
        field: str | None = None,
        fields: Mapping[str, Text] | None = None,
        code: str | None = None,
        status_code: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.template = message
        self.params: dict[str, object] = dict(params or {})
        self.message = render(message, self.params)
        super().__init__(self.message)
        #: English text of each field's message, by the formatted text: its template.
        self._sources: dict[str, tuple[str, Params | None]] = {
            self.message: (message, self.params)}
        self.fields: dict[str, str] = {}
        for name, text in (fields or {}).items():
            template, values = _split(text)
            english = render(template, values)
            self._sources.setdefault(english, (template, values))
            self.fields[name] = english
        if field:
            self.fields.setdefault(field, self.message)
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code
        self.extra = dict(extra or {})

    @classmethod
    def for_fields(cls, fields: Mapping[str, Text], **kwargs: Any) -> DomainError:
        """An error whose message is its first field's."""
        message, params = _split(next(iter(fields.values())))
        return cls(message, params=params, fields=fields, **kwargs)

    def localized(self, gettext: Callable[[str], str]) -> tuple[str, dict[str, str]]:
        """The message and the fields' messages in the language of ``gettext``.

        Fields are looked up by their English text, so a view may rename a field's key
        (``error.fields["amount"] = error.fields.pop("amount_cents")``) or set a field to a
        constant marked with ``N_``; either is translated.
        """
        def one(text: str) -> str:
            template, params = self._sources.get(text, (text, None))
            return render(template, params, gettext)

        return one(self.message), {name: one(text) for name, text in self.fields.items()}

    def as_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields,
                          **self.extra}}


class NotFound(DomainError):
    """The record does not exist *or* is outside the user's region: the same answer."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
