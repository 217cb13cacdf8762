"""The board of open cases (issue 18, item 6): one column per open state with its count, how
many are on hold, and the first cases of each column with their holds.

A column shows at most ``per_column`` cases (the oldest first, by id: the index
``ix_service_case_region_state_id`` serves it), so a column of 10,000 cases costs what a
column of 20 does; the rest is one link away in the case list with the same filters. The
statements are a fixed number whatever the rows: one count by state, one count of held cases
by state, one limited query per column and one for the shown cases' holds. Region scope is
the session's (``core.security.scope``), as for every list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.entities import CaseHold, ServiceCase
from core.entities.cases import OPEN_STATES
from core.services.cases import filtered_cases
from core.services.holds import hold_kinds

PER_COLUMN = 20
FILTERS = ("service_point", "technician", "hold")
#: ``hold=any``: only cases on some hold; ``hold=none``: only cases on none; else a kind.
HOLD_ANY, HOLD_NONE = "any", "none"


@dataclass(frozen=True)
class Column:
    state: str
    count: int
    on_hold: int
    cases: list[ServiceCase]
    list_url: str

    @property
    def more(self) -> int:
        return max(self.count - len(self.cases), 0)


@dataclass(frozen=True)
class Board:
    columns: list[Column]
    filters: dict[str, str]
    #: case id -> labels (message ids) of its open holds
    holds: dict[int, list[CaseHold]] = field(default_factory=dict)
    hold_labels: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(c.count for c in self.columns)


def board(session: Session, params: dict[str, str], per_column: int = PER_COLUMN) -> Board:
    """The board for the service point and technician filters in ``params`` (codes and
    logins, as in the case list); unknown filter values simply match nothing."""
    base, used = filtered_cases({k: params[k] for k in FILTERS if params.get(k)
                                 and k != "hold"})
    hold = params.get("hold", "")
    if hold:
        held_ids = select(CaseHold.case_id).where(CaseHold.released_at.is_(None))
        if hold == HOLD_NONE:
            base = base.where(ServiceCase.id.not_in(held_ids))
        else:
            if hold != HOLD_ANY:
                held_ids = held_ids.where(CaseHold.kind == hold)
            base = base.where(ServiceCase.id.in_(held_ids))
    open_only = base.where(ServiceCase.state.in_(OPEN_STATES))
    counts = dict(session.execute(
        open_only.with_only_columns(ServiceCase.state, func.count(ServiceCase.id))
        .group_by(ServiceCase.state)).all())
    held = dict(session.execute(
        open_only.with_only_columns(ServiceCase.state,
                                    func.count(func.distinct(ServiceCase.id)))
        .join(CaseHold, CaseHold.case_id == ServiceCase.id)
        .where(CaseHold.released_at.is_(None))
        .group_by(ServiceCase.state)).all())
    columns = []
    for state in OPEN_STATES:
        count = int(counts.get(state, 0))
        cases = list(session.scalars(
            base.where(ServiceCase.state == state).order_by(ServiceCase.id)
            .limit(per_column))) if count else []
        columns.append(Column(state, count, int(held.get(state, 0)), cases,
                              "/desk/cases?" + urlencode({**used, "state": state,
                                                          "sort": "oldest"})))
    if hold:  # the case list has no hold filter: its links carry the others
        used = {**used, "hold": hold}
    shown = [c.id for column in columns for c in column.cases]
    holds: dict[int, list[CaseHold]] = {}
    if shown:
        for hold in session.scalars(select(CaseHold).where(
                CaseHold.case_id.in_(shown), CaseHold.released_at.is_(None))
                .order_by(CaseHold.id)):
            holds.setdefault(hold.case_id, []).append(hold)
    labels = {kind.id: kind.label for kind in hold_kinds(session).values()}
    return Board(columns, used, holds, labels)
