"""Warranty's words: the labels of request kinds and outcomes, and a policy reason (a message
id with parameters) rendered in a language or kept in the database.

Why here and not in ``policy.py``: the rules stay pure (no catalogue, no files), while a page,
the API or a migration that needs a reason as text asks this module, which knows the
warranty catalogue. Pages with a request use their own ``gettext`` (every enabled plugin's
catalogue, core's first) through ``localize``; this module is for places without one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from core.plugin_api import N_, Message, message_from_json, message_to_json, render_message
from core.plugin_api import translations as _translations

LOCALE_DIR = Path(__file__).parent / "locale"

#: What the customer asks for, as people read it.
KINDS: dict[str, str] = {"return": N_("Return"), "exchange": N_("Exchange"),
                         "repair": N_("Repair")}
#: Decision outcomes as people read them (not their keys, issue 18).
OUTCOMES: dict[str, str] = {
    "refused": N_("Refused"), "repair": N_("Repair only"),
    "return_or_exchange": N_("Return or exchange"),
    "exchange_or_depreciated_return": N_("Exchange, or return with depreciation"),
}
#: Product lines ("the same type" of R-8), as the training plugin names them.
LINES: dict[str, str] = {"amplifier": N_("Amplifiers"), "mixer": N_("Mixers"),
                         "microphone": N_("Microphones"), "other": N_("Other products")}
#: A recorded request on the unit's timeline.
REQUEST_TITLES: dict[str, str] = {"return": N_("Return request"),
                                  "exchange": N_("Exchange request"),
                                  "repair": N_("Repair request")}
#: Words core's pages look up in the catalogues (issue 18): the case history's "What" column
#: (``event:<kind>``), the audit page's record types, actions and fields (``audit:<key>``), the
#: plugin's badge on the unit's timeline (``plugin:warranty``).
LABELS = (
    N_("event:warranty_request"), N_("event:class_override"),
    N_("audit:warranty_request"), N_("audit:coverage_override"), N_("audit:coverage_source"),
    N_("audit:outcome"), N_("plugin:warranty"),
)
#: The history line of a recorded request (kind and outcome translated, clauses as they are).
REQUEST_EVENT = N_("%(kind)s requested: %(outcome)s (%(clauses)s)")


def gettext_in(locale: str) -> Callable[[str], str]:
    """Core's catalogue, then warranty's, for ``locale`` (English: the ids themselves)."""
    return _translations(locale, (LOCALE_DIR,)).gettext


def text_in(message: Message, locale: str = "en") -> str:
    """``message`` rendered in ``locale``."""
    gettext = None if locale == "en" else gettext_in(locale)
    return render_message(message.template, message.params, gettext)


def english(message: Message) -> str:
    """``message`` in English: what core keeps where it stores text (a case's coverage
    reason) and what an English reader sees."""
    return text_in(message, "en")


def stored(message: Message) -> tuple[str, dict[str, Any]]:
    """``(message id, parameters as JSON)`` to keep a reason in the database."""
    return message.template, message_to_json(message.params)


def loaded(template: str, params: Mapping[str, Any] | None) -> Message:
    """A reason kept by :func:`stored`; a plain note (no parameters) is shown as it is."""
    return Message(template, message_from_json(params) if params else None)
