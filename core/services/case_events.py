"""Recording what happened to a case, in words every reader can have in their language.

A note is a message id with parameters (``Message(N_("Requisition %(number)s is late"),
{...})``), stored as the template in ``case_event.note`` and the parameters in
``case_event.data["note_params"]``; :meth:`CaseEvent.note_text` formats it in the reader's
language when the history is shown (issue 18 item 1). A plain string is stored as it is: a
fixed sentence marked with ``N_`` (translated when shown) or a person's own words.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.entities import CaseEvent, User
from core.errors import Message, message_to_json

#: Longest note kept; a person's words beyond it are cut rather than refused.
NOTE_LIMIT = 400


def record_case_event(session: Session, case_id: int, actor: User | None, kind: str,
                      note: str | Message = "", data: dict[str, Any] | None = None, *,
                      from_state: str = "", to_state: str = "") -> CaseEvent:
    """Add one event to a case's history. The caller holds the case's lock when the event
    records a change decided under it (DESIGN.md, one writer per case)."""
    stored = dict(data or {})
    if isinstance(note, Message):
        text = note.template
        stored["note_params"] = message_to_json(note.params)
    else:
        text = note
    event = CaseEvent(case_id=case_id, user_id=actor.id if actor else None, kind=kind,
                      note=text[:NOTE_LIMIT], data=stored, from_state=from_state,
                      to_state=to_state)
    session.add(event)
    return event
