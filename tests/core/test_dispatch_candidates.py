"""The dispatch form offers eligible technicians first and says why the others cannot go,
from a dry run of every plugin's ``validate_transition`` (P-1 with training, for example)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from core.entities import ServiceCase, User
from core.hooktypes import Veto
from core.manifest import hookimpl
from core.services import workflow
from tests.core.desk_helpers import bearer, inspect, new_case
from tests.support import Harness


class OnlyChen:
    """A stand-in for a certification plugin: only Chen Jie (hq-tech) may go."""

    @hookimpl
    def validate_transition(self, to, payload, session):  # type: ignore[no-untyped-def]
        if to != "dispatched":
            return []
        tech = session.get(User, payload.get("technician_id"))
        if tech is not None and tech.login != "hq-tech":
            return [Veto("P-1", f"{tech.display_name} is not certified.")]
        return []


def test_eligible_first_with_reasons_for_the_others(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    with h.session() as session:  # a second technician at HQ
        second = session.scalars(select(User).where(User.login == "hq-warehouse")).one()
        from core.entities import Role

        second.roles.append(session.get(Role, "technician"))
        session.commit()
    h.app.state.pm.register(OnlyChen(), name="only-chen")
    cid = new_case(h, bearer(h, "hq-clerk"))["id"]
    inspect(h, bearer(h, "hq-tech"), cid, "A")
    with h.session() as session:
        case = session.get(ServiceCase, cid)
        candidates = workflow.dispatch_candidates(session, h.app.state.pm, case, None)
    assert [t.login for t, _ in candidates] == ["hq-tech", "hq-warehouse"]
    assert candidates[0][1] == [] and candidates[1][1][0].clause == "P-1"
    page = h.client("hq-supervisor").get(f"/desk/cases/{cid}").text
    assert page.index("(hq-tech)") < page.index("(hq-warehouse)")
    assert "Zhao Lei is not certified. (P-1)" in page
    assert "Zhao Lei: Zhao Lei" not in page  # issue 18: the name once
