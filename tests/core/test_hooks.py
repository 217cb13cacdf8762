"""Every hook of ``core/hookspecs.py``, exercised through a small plugin: one test named
``test_hook_<name>`` per hook (``test_hook_docs.py`` checks that none is missing).

Hooks that core reads at startup (``register_*``, ``menu_items``, ``dashboard_widgets``,
``startup``) need a plugin that is *discovered*: the ``install`` fixture makes an in-memory
plugin module and an entry point for it, so ``create_app`` finds it exactly like an installed
package. Hooks that core calls per request or per operation can also be tried by registering a
plugin object on one app's plugin manager (``pm.register(obj, name=...)``).
"""

from __future__ import annotations

import importlib.machinery
import sys
import threading
import types
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from starlette.responses import PlainTextResponse, Response

from core import plugins as plugin_host
from core.cli import cli
from core.entities import JobRun, KnownPermission, Region, Role, Unit
from core.errors import DomainError
from core.hooktypes import (
    AUTHENTICATED,
    BodyCode,
    ChargeDraft,
    Coverage,
    HoldKind,
    Job,
    MenuItem,
    Panel,
    Permission,
    Pricing,
    RoleSpec,
    RouteSpec,
    TimelineEntry,
    Veto,
    Widget,
)
from core.jobs import run_jobs
from core.manifest import Manifest, hookimpl
from core.plugins import ENTRY_POINT_GROUP, PluginError
from core.security.roles import sync_roles
from core.services.holds import active_holds, place_hold
from core.web.templating import render
from tests.core.desk_helpers import BODY_CODE, bearer, inspect, move, new_case
from tests.support import Harness

Install = Callable[..., types.ModuleType]


@pytest.fixture
def install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Install]:
    """``install(name, depends=(), files={path: text}, hook_name=function, ...)`` makes a
    plugin module ``hooktest_<name>`` with a ``MANIFEST`` and those hook implementations, in a
    package folder of its own (``files`` go there: ``templates/...``, ``static/...``), and an
    entry point for it next to the real ones."""
    real = list(plugin_host.entry_points(group=ENTRY_POINT_GROUP))
    extra: list[EntryPoint] = []
    monkeypatch.setattr(plugin_host, "entry_points",
                        lambda group: [*real, *extra] if group == ENTRY_POINT_GROUP else [])

    def add(name: str, depends: tuple[str, ...] = (), files: dict[str, str] | None = None,
            **hooks: Callable[..., Any]) -> types.ModuleType:
        package = tmp_path / "plugins" / name
        package.mkdir(parents=True)
        for relative, content in (files or {}).items():
            (package / relative).parent.mkdir(parents=True, exist_ok=True)
            (package / relative).write_text(content, encoding="utf-8")
        module = types.ModuleType(f"hooktest_{name}")
        module.__file__ = str(package / "__init__.py")
        module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)
        module.MANIFEST = Manifest(name, "1.0", depends=depends)  # type: ignore[attr-defined]
        for hook_name, function in hooks.items():
            if not hasattr(function, "aftersales_impl"):
                function = hookimpl(function)
            setattr(module, hook_name, function)
        monkeypatch.setitem(sys.modules, module.__name__, module)
        extra.append(EntryPoint(name=name, value=module.__name__, group=ENTRY_POINT_GROUP))
        return module

    yield add


def synced(h: Harness) -> Harness:
    """What ``db upgrade`` and the app's start do: built-in roles and new permissions."""
    with h.session() as session:
        sync_roles(session, h.app.state.registry)
        session.commit()
    return h


def startup_error(make_app: Callable[..., Harness], plugins: list[str]) -> str:
    """The message of the ``PluginError`` that stops an app with these plugins."""
    with pytest.raises(PluginError) as caught:
        make_app(plugins=plugins)
    return str(caught.value)


def text_of(message: str) -> Callable[[Any], Response]:
    return lambda request: PlainTextResponse(f"{message} {request.state.user.login}")


# --- register (startup) ---------------------------------------------------------------


def test_hook_register_permissions(install: Install, make_app: Callable[..., Harness]) -> None:
    install("perms",
            register_permissions=lambda: [Permission("perms.secret", "See the secret",
                                                     default_roles=("technician",))],
            register_routes=lambda: [RouteSpec("perms.secret", "/perms/secret",
                                               text_of("secret for"), "perms.secret")])
    h = synced(make_app(plugins=["perms"]))
    assert h.app.state.registry.permissions["perms.secret"].label == "See the secret"
    with h.session() as session:
        assert session.get(KnownPermission, "perms.secret") is not None
        granted = {r.id for r in session.scalars(select(Role)) if "perms.secret" in
                   r.permission_ids}
    assert granted == {"admin", "technician"}  # default_roles, and admin gets everything new
    assert h.client("hq-tech").get("/perms/secret").text == "secret for hq-tech"
    assert h.client("hq-admin").get("/perms/secret").status_code == 200
    assert h.client("hq-clerk").get("/perms/secret").status_code == 403


def test_duplicate_permission_names_both_owners(install: Install,
                                                make_app: Callable[..., Harness]) -> None:
    install("first", register_permissions=lambda: [Permission("shared.x", "X")])
    install("second", register_permissions=lambda: [Permission("shared.x", "X again")])
    install("thief", register_permissions=lambda: [Permission("admin.users", "Mine")])
    message = startup_error(make_app, ["first", "second"])
    assert "duplicate permission id 'shared.x': registered by 'first' and by 'second'" in message
    message = startup_error(make_app, ["thief"])
    assert "'admin.users': registered by 'core' and by 'thief'" in message
    install("reserved", register_permissions=lambda: [Permission("public", "Anybody")])
    with pytest.raises(PluginError, match="'public' is reserved"):
        make_app(plugins=["reserved"])


def test_hook_register_roles(install: Install, make_app: Callable[..., Harness]) -> None:
    install("roles",
            register_permissions=lambda: [Permission("roles.audit_export", "Export audit")],
            register_roles=lambda: [RoleSpec("auditor", "Auditor",
                                             permissions=("roles.audit_export",))])
    h = synced(make_app(plugins=["roles"]))
    assert h.app.state.registry.roles["auditor"].label == "Auditor"
    with h.session() as session:
        role = session.get(Role, "auditor")
        assert role is not None and role.builtin
        assert "roles.audit_export" in role.permission_ids
    synced(h)  # idempotent
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(Role)
                              .where(Role.id == "auditor")) == 1


def test_new_role_gets_permissions_that_already_exist(install: Install,
                                                      make_app: Callable[..., Harness]) -> None:
    install("lateroles",
            register_roles=lambda: [RoleSpec("auditor", "Auditor", permissions=("audit.view",))])
    h = synced(make_app(plugins=["lateroles"]))  # audit.view is known since core's first start
    with h.session() as session:
        role = session.get(Role, "auditor")
        assert role is not None and "audit.view" in role.permission_ids


def test_role_errors_stop_startup(install: Install, make_app: Callable[..., Harness]) -> None:
    install("badrole", register_roles=lambda: [RoleSpec("odd", "Odd", permissions=("nope",))])
    with pytest.raises(PluginError, match="role 'odd' lists unknown permission 'nope'"):
        make_app(plugins=["badrole"])
    install("duprole", register_roles=lambda: [RoleSpec("technician", "Tech")])
    with pytest.raises(PluginError, match="duplicate role id 'technician': registered by "
                                          "'core' and by 'duprole'"):
        make_app(plugins=["duprole"])


def test_hook_register_routes(install: Install, make_app: Callable[..., Harness]) -> None:
    install("routes", register_routes=lambda: [
        RouteSpec("routes.hello", "/routes/hello", text_of("hello"), AUTHENTICATED),
        RouteSpec("routes.audit", "/routes/audit", text_of("audit for"), "audit.view"),
        RouteSpec("routes.post", "/routes/post", text_of("posted by"), AUTHENTICATED,
                  methods=("POST",)),
    ])
    h = make_app(plugins=["routes"])
    assert h.app.state.registry.route_owner["routes.hello"] == "routes"
    assert h.app.state.registry.route_owner["core.login"] == "core"
    clerk = h.client("hq-clerk")
    assert clerk.get("/routes/hello").text == "hello hq-clerk"
    assert clerk.get("/routes/audit").status_code == 403  # the route's permission is checked
    assert h.client("hq-manager").get("/routes/audit").text == "audit for hq-manager"
    anonymous = h.client().get("/routes/hello", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert clerk.post("/routes/post").status_code == 403  # CSRF is checked for every route
    assert clerk.form("/routes/post").text == "posted by hq-clerk"


def test_route_errors_name_both_owners(install: Install,
                                       make_app: Callable[..., Harness]) -> None:
    install("one", register_routes=lambda: [
        RouteSpec("shared.page", "/one", text_of("one"), AUTHENTICATED)])
    install("two", register_routes=lambda: [
        RouteSpec("shared.page", "/two", text_of("two"), AUTHENTICATED)])
    message = startup_error(make_app, ["one", "two"])
    assert "duplicate route id 'shared.page': registered by 'one' and by 'two'" in message
    install("samepath", register_routes=lambda: [
        RouteSpec("samepath.login", "/login", text_of("x"), AUTHENTICATED)])
    with pytest.raises(PluginError, match=r"duplicate route path \('GET', '/login'\): "
                                          "registered by 'core' and by 'samepath'"):
        make_app(plugins=["samepath"])
    install("noperm", register_routes=lambda: [
        RouteSpec("noperm.page", "/noperm", text_of("x"), "nobody.has_this")])
    message = startup_error(make_app, ["noperm"])
    assert "needs permission 'nobody.has_this', which no enabled plugin registers" in message


def test_hook_register_jobs(install: Install, make_app: Callable[..., Harness]) -> None:
    runs: list[str] = []
    nested: list[list[tuple[str, str]]] = []

    def count(session: Any, settings: Any, now: datetime) -> str:
        assert now.tzinfo is not None
        runs.append(now.isoformat())
        if len(runs) == 1:
            # another machine ticks while this run holds the claim: it must skip the job
            nested.append(run_jobs(app))
        return f"counted {len(runs)}"

    install("jobs", register_jobs=lambda: [Job("jobs.count", "Count runs", count)])
    h = make_app(plugins=["jobs"])
    app = h.app
    app.state.registry.jobs.pop("core.turnaround")  # only this plugin's job here
    assert run_jobs(app) == [("jobs.count", "counted 1")]
    assert nested == [[("jobs.count", "skipped: running elsewhere")]]
    assert len(runs) == 1
    with h.session() as session:
        row = session.get(JobRun, "jobs.count")
        assert row is not None and row.last_summary == "counted 1"
        assert row.last_started_at is not None and row.last_finished_at is not None
        assert row.last_finished_at >= row.last_started_at
    assert run_jobs(app) == [("jobs.count", "counted 2")]  # finished: free to run again


def test_jobs_claimed_by_concurrent_ticks_run_once(install: Install,
                                                   make_app: Callable[..., Harness],
                                                   backend: str) -> None:
    started = threading.Event()
    release = threading.Event()
    runs: list[int] = []

    def slow(session: Any, settings: Any, now: datetime) -> str:
        runs.append(1)
        started.set()
        assert release.wait(10)
        return "done"

    install("slowjob", register_jobs=lambda: [Job("slowjob.run", "Slow", slow)])
    h = make_app(plugins=["slowjob"])
    h.app.state.registry.jobs.pop("core.turnaround")  # only this plugin's job here
    results: list[list[tuple[str, str]]] = []
    first = threading.Thread(target=lambda: results.append(run_jobs(h.app)))
    first.start()
    assert started.wait(10)
    try:
        second = run_jobs(h.app)
    finally:
        release.set()
        first.join(10)
    assert second == [("slowjob.run", "skipped: running elsewhere")]
    assert results == [[("slowjob.run", "done")]]
    assert runs == [1]


def test_job_id_is_unique(install: Install, make_app: Callable[..., Harness]) -> None:
    install("joba", register_jobs=lambda: [Job("tick.same", "A", lambda *a: "a")])
    install("jobb", register_jobs=lambda: [Job("tick.same", "B", lambda *a: "b")])
    message = startup_error(make_app, ["joba", "jobb"])
    assert "duplicate job id 'tick.same': registered by 'joba' and by 'jobb'" in message


def test_hook_register_cli(install: Install, make_app: Callable[..., Harness],
                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    @click.command("hello-plugin")
    @click.argument("who")
    def hello(who: str) -> None:
        """Say hello (added by a plugin)."""
        click.echo(f"hello {who} from a plugin")

    def register_cli(cli: click.Group) -> None:
        cli.add_command(hello)

    install("clix", register_cli=register_cli)
    h = make_app(plugins=["clix"])
    # the group adds plugin commands once per process: start from a clean group
    monkeypatch.setattr(cli, "commands", dict(cli.commands))
    monkeypatch.setattr(cli, "_plugins_added", False, raising=False)
    env = {"AFTERSALES_DATABASE_URL": h.url, "AFTERSALES_VAR_DIR": str(tmp_path),
           "AFTERSALES_PLUGINS": "clix"}
    result = CliRunner().invoke(cli, ["hello-plugin", "Ada"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == "hello Ada from a plugin\n"


# --- page -------------------------------------------------------------------------------


def test_hook_menu_items(install: Install, make_app: Callable[..., Harness]) -> None:
    install("menus", menu_items=lambda: [
        MenuItem("menus.audit", "Audit trail", "/menus/audit", "audit.view", order=15),
        MenuItem("menus.help", "Help", "/menus/help", AUTHENTICATED, order=1),
    ])
    h = make_app(plugins=["menus"])
    ids = [item.id for item in h.app.state.registry.menu]
    assert ids[:4] == ["core.dashboard", "menus.help", "core.desk.intake", "menus.audit"]
    manager = h.client("hq-manager").get("/").text  # sorted by order, not registration
    positions = [manager.index(f'data-menu="{i}"') for i in ("core.dashboard", "menus.help",
                                                              "menus.audit", "core.desk.cases")]
    assert positions == sorted(positions)
    tech = h.client("hq-tech").get("/").text  # only items the user has permission for
    assert 'data-menu="menus.help"' in tech and 'data-menu="menus.audit"' not in tech


def test_duplicate_menu_id_names_both_owners(install: Install,
                                             make_app: Callable[..., Harness]) -> None:
    install("menudup", menu_items=lambda: [MenuItem("core.dashboard", "Home", "/", AUTHENTICATED)])
    message = startup_error(make_app, ["menudup"])
    assert "duplicate menu id 'core.dashboard': registered by 'core' and by 'menudup'" in message


def test_hook_dashboard_widgets(install: Install, make_app: Callable[..., Harness]) -> None:
    install("widgets",
            dashboard_widgets=lambda: [
                Widget("widgets.first", "First of all", "/widgets-plugin/first", AUTHENTICATED,
                       order=-1),
                Widget("widgets.audit", "Audit", "/widgets-plugin/audit", "audit.view")],
            register_routes=lambda: [RouteSpec("widgets.first", "/widgets-plugin/first",
                                               text_of("widget for"), AUTHENTICATED)])
    h = make_app(plugins=["widgets"])
    page = h.client("hq-clerk").get("/").text
    assert 'hx-get="/widgets-plugin/first"' in page
    assert page.index('id="widget-widgets-first"') < page.index('id="widget-core-welcome"')
    assert "/widgets-plugin/audit" not in page  # hq-clerk lacks audit.view
    assert "/widgets-plugin/audit" in h.client("hq-manager").get("/").text
    assert h.client("hq-clerk").get("/widgets-plugin/first").text == "widget for hq-clerk"
    install("widgetdup", dashboard_widgets=lambda: [
        Widget("core.welcome", "Again", "/", AUTHENTICATED)])
    message = startup_error(make_app, ["widgetdup"])
    assert ("duplicate dashboard widget id 'core.welcome': registered by 'core' and by "
            "'widgetdup'") in message


class PanelPlugin:
    def __init__(self, panel_id: str, order: int, permission: str = "case.view") -> None:
        self.panel_id, self.order, self.permission = panel_id, order, permission
        self.seen: list[tuple[str, Any]] = []

    @hookimpl
    def detail_panels(self, entity: str, obj: Any, request: Any) -> list[Panel]:
        self.seen.append((entity, obj))
        if entity != "unit" or not isinstance(obj, Unit):
            return []
        return [Panel(self.panel_id, f"Panel {self.panel_id}", f"/p/{self.panel_id}/"
                      f"{obj.body_code}", self.permission, order=self.order)]


def test_hook_detail_panels(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    response = h.client().post("/api/v1/units", headers=bearer(h, "hq-clerk"),
                               json={"body_code": BODY_CODE, "model_code": "PA2400"})
    assert response.status_code == 201, response.text
    late = PanelPlugin("late", order=50)
    early = PanelPlugin("early", order=5)
    secret = PanelPlugin("secret", order=1, permission="audit.view")
    h.app.state.pm.register(late, name="late")  # registered first, shown second
    h.app.state.pm.register(early, name="early")
    h.app.state.pm.register(secret, name="secret")
    page = h.client("hq-clerk").get(f"/desk/units/{BODY_CODE}").text
    assert f'hx-get="/p/early/{BODY_CODE}"' in page and f'hx-get="/p/late/{BODY_CODE}"' in page
    assert page.index('id="panel-early"') < page.index('id="panel-late"')
    assert "panel-secret" not in page  # the panel's permission is checked
    entity, unit = late.seen[-1]
    assert entity == "unit" and unit.body_code == BODY_CODE
    assert "panel-secret" in h.client("hq-manager").get(f"/desk/units/{BODY_CODE}").text


def test_hook_extra_template_vars(install: Install, make_app: Callable[..., Harness]) -> None:
    calls: list[str] = []

    def extra_template_vars(request: Any, template_name: str) -> dict[str, Any]:
        calls.append(template_name)
        user = getattr(request.state, "user", None)
        return {"motto": f"Sound checked for {user.login if user else 'nobody'}"}

    page = ('{% extends "layout.html" %}{% block content %}'
            '<p id="motto">{{ motto }}</p><p id="own">{{ own }}</p>{% endblock %}')
    install("vars", extra_template_vars=extra_template_vars,
            files={"templates/vars/page.html": page},
            register_routes=lambda: [RouteSpec(
                "vars.page", "/vars", lambda request: render(request, "vars/page.html",
                                                             {"own": "the view's own"}),
                AUTHENTICATED)])
    h = make_app(plugins=["vars"])
    html = h.client("hq-clerk").get("/vars").text
    assert '<p id="motto">Sound checked for hq-clerk</p>' in html
    assert '<p id="own">the view&#39;s own</p>' in html
    assert calls[-1] == "vars/page.html"
    h.client("hq-clerk").get("/")
    assert calls[-1] == "dashboard.html"  # asked for every template, core's too


def test_plugin_templates_come_before_core_templates(install: Install,
                                                    make_app: Callable[..., Harness]) -> None:
    install("skin", files={"templates/widgets/welcome.html": "<p>Welcome, from a plugin</p>"})
    h = make_app(plugins=["skin"])
    assert h.client("hq-clerk").get("/widgets/welcome").text == \
        "<p>Welcome, from a plugin</p>"
    assert "from a plugin" not in make_app(plugins=[]).client("hq-clerk").get(
        "/widgets/welcome").text


def test_plugin_static_folder_is_served_under_its_name(install: Install,
                                                      make_app: Callable[..., Harness]) -> None:
    install("assets", files={"static/app.js": "console.log('assets');\n"})
    h = make_app(plugins=["assets"])
    response = h.client().get("/static/assets/app.js")
    assert response.status_code == 200 and "assets" in response.text


# --- domain ---------------------------------------------------------------------------


class Objector:
    def __init__(self, clause: str, to: str = "inspected") -> None:
        self.clause, self.to = clause, to
        self.payloads: list[dict[str, Any]] = []

    @hookimpl
    def validate_transition(self, session: Any, case: Any, to: str, actor: Any,
                            payload: dict[str, Any]) -> list[Veto]:
        self.payloads.append(payload)
        if to != self.to:
            return []
        return [Veto(self.clause, f"{actor.login} may not do this yet.")]


class Silent:
    """Takes only some of the hook's arguments, as pluggy allows."""

    @hookimpl
    def validate_transition(self, case: Any, to: str) -> list[Veto]:
        return []


def test_hook_validate_transition(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    tech = bearer(h, "hq-tech")
    cid = new_case(h, bearer(h, "hq-clerk"))["id"]
    objector = Objector("HT-1")
    h.app.state.pm.register(objector, name="objector")
    # every veto is shown together, core's (W-3: no class yet) and the plugins'
    refused = move(h, tech, cid, "inspected", fault_found="Hum")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "vetoed"
    assert error["vetoes"] == [
        {"clause": "W-3", "message": "Inspection needs a coverage class A, B or C.",
         "plugin": "core"},
        {"clause": "HT-1", "message": "hq-tech may not do this yet.", "plugin": "objector"}]
    assert objector.payloads[-1]["fault_found"] == "Hum"
    # one veto is enough: nothing moved
    response = move(h, tech, cid, "inspected", fault_found="Hum", coverage_class="B")
    assert response.status_code == 409
    assert [v["clause"] for v in response.json()["error"]["vetoes"]] == ["HT-1"]
    assert h.client().get(f"/api/v1/cases/{cid}", headers=tech).json()["state"] == "registered"
    h.app.state.pm.unregister(objector)
    assert move(h, tech, cid, "inspected", fault_found="Hum",
                coverage_class="B").status_code == 200


def test_validate_transition_may_take_only_the_arguments_it_needs(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    tech = bearer(h, "hq-tech")
    cid = new_case(h, bearer(h, "hq-clerk"))["id"]
    h.app.state.pm.register(Silent(), name="silent")
    h.app.state.pm.register(Objector("HT-5", to="cancelled"), name="objector")
    moved = move(h, tech, cid, "inspected", fault_found="Hum", coverage_class="B")
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "inspected"


def test_wrappers_and_tracing_see_each_plugins_veto_call(
        make_app: Callable[..., Harness]) -> None:
    """issue 12 item 5: vetoes are collected per plugin (to name whose veto is whose) yet every
    call still goes through pluggy, so a hook wrapper and pluggy's tracing see each one."""
    h = make_app(plugins=[])
    pm = h.app.state.pm
    seen: list[str] = []
    traced: list[str] = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def validate_transition(self, to: str) -> Any:
            seen.append(to)
            return (yield)

    pm.register(Wrapper(), name="wrapper")
    pm.register(Objector("HT-9"), name="objector")
    undo = pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: traced.append(name) if name == "validate_transition"
        else None, lambda *args: None)
    try:
        refused = move(h, bearer(h, "hq-tech"), new_case(h, bearer(h, "hq-clerk"))["id"],
                       "inspected", fault_found="Hum", coverage_class="B")
    finally:
        undo()
    assert refused.status_code == 409
    assert [v["plugin"] for v in refused.json()["error"]["vetoes"]] == ["objector"]
    answering = [i for i in pm.hook.validate_transition.get_hookimpls() if not i.wrapper]
    assert seen == ["inspected"] * len(answering)  # once per answering implementation
    assert len(traced) == len(answering)


class Recorder:
    def __init__(self, fail_on: str = "") -> None:
        self.fail_on = fail_on
        self.moves: list[tuple[str, str, str, str]] = []

    @hookimpl
    def after_transition(self, session: Any, case: Any, from_state: str, actor: Any,
                         payload: dict[str, Any]) -> None:
        if case.state == self.fail_on:
            raise DomainError("The plugin could not record this.", field="note")
        self.moves.append((from_state, case.state, actor.login, payload.get("note", "")))


def test_hook_after_transition(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    tech = bearer(h, "hq-tech")
    cid = new_case(h, bearer(h, "hq-clerk"))["id"]
    recorder = Recorder(fail_on="quoted")
    h.app.state.pm.register(recorder, name="recorder")
    assert move(h, tech, cid, "inspected", fault_found="Hum", coverage_class="B",
                note="bench test").status_code == 200
    assert recorder.moves == [("registered", "inspected", "hq-tech", "bench test")]
    # raising aborts the whole transition: same transaction
    failed = move(h, bearer(h, "hq-clerk"), cid, "quoted")
    assert failed.status_code == 422
    assert failed.json()["error"]["fields"] == {"note": "The plugin could not record this."}
    case = h.client().get(f"/api/v1/cases/{cid}", headers=tech).json()
    assert case["state"] == "inspected"
    assert [e["to"] for e in case["events"] if e["kind"] == "transition"] == ["inspected"]


class Proposer:
    @hookimpl
    def charge_lines(self, session: Any, case: Any) -> list[ChargeDraft]:
        return [ChargeDraft("part", "Fan module", 4200, source="proposer:fan"),
                ChargeDraft("shipping", "Courier back", 1500, source="proposer:courier")]


def test_hook_charge_lines(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    clerk = bearer(h, "hq-clerk")
    cid = new_case(h, clerk)["id"]
    inspect(h, bearer(h, "hq-tech"), cid, "C")
    h.app.state.pm.register(Proposer(), name="proposer")
    quoted = move(h, clerk, cid, "quoted")
    assert quoted.status_code == 200, quoted.text
    lines = [(c["kind"], c["description"], c["payable_cents"]) for c in quoted.json()["charges"]]
    assert lines == [("part", "Fan module", 4200), ("shipping", "Courier back", 1500)]
    # asked again (a re-quote), a proposal already on the quote is not added twice: each
    # is known by its source
    with h.session() as session:
        from core.services import quotes
        from core.services.cases import get_case

        case = get_case(session, cid)
        assert quotes.add_proposed_charges(session, h.app.state.pm, case, None) == []
        assert [c.source for c in quotes.active_charges(session, case)] == \
            ["proposer:fan", "proposer:courier"]


class Goodwill:
    """Waives labour; no opinion about anything else."""

    @hookimpl
    def price_charge(self, session: Any, case: Any, line: ChargeDraft) -> Pricing | None:
        if line.kind != "labour":
            return None
        return Pricing(waived=True, clause="HT-2", reason="Goodwill")


class Strict:
    """Charges parts; asked before Goodwill because registered after it."""

    @hookimpl
    def price_charge(self, session: Any, case: Any, line: ChargeDraft) -> Pricing | None:
        return Pricing(waived=False, clause="HT-3", reason="Parts are paid") \
            if line.kind == "part" else None


def test_hook_price_charge(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    clerk = bearer(h, "hq-clerk")
    cid = new_case(h, clerk)["id"]
    inspect(h, bearer(h, "hq-tech"), cid, "A")

    def add(kind: str, **extra: Any) -> dict[str, Any]:
        response = h.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
            "kind": kind, "description": kind, "unit_price_cents": 10000, **extra})
        assert response.status_code == 201, response.text
        return response.json()["charges"][-1] if "charges" in response.json() \
            else response.json()

    unpriced = add("labour")
    assert (unpriced["waived"], unpriced["payable_cents"]) == (False, 10000)  # no answer
    h.app.state.pm.register(Goodwill(), name="goodwill")
    h.app.state.pm.register(Strict(), name="strict")
    labour = add("labour")
    assert (labour["waived"], labour["clause"], labour["waive_reason"],
            labour["payable_cents"]) == (True, "HT-2", "Goodwill", 0)
    part = add("part")  # firstresult: Strict answers, Goodwill is not asked
    assert (part["waived"], part["clause"], part["payable_cents"]) == (False, "HT-3", 10000)
    other = add("other")  # nobody answers: payable
    assert (other["waived"], other["payable_cents"]) == (False, 10000)


class Moments:
    @hookimpl
    def unit_timeline(self, session: Any, unit: Any) -> list[TimelineEntry]:
        return [TimelineEntry(datetime(2024, 6, 1, 8, tzinfo=UTC), "moments.visit",
                              "Visited at the venue", "Cable replaced", source="moments"),
                TimelineEntry(datetime(2024, 3, 20, 8, tzinfo=UTC), "moments.shipped",
                              "Shipped to the dealer", source="moments")]


def test_hook_unit_timeline(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    created = h.client().post("/api/v1/units", headers=bearer(h, "hq-clerk"),
                              json={"body_code": BODY_CODE, "model_code": "PA2400"})
    assert created.status_code == 201
    h.app.state.pm.register(Moments(), name="moments")
    page = h.client("hq-clerk").get(f"/desk/units/{BODY_CODE}").text
    kinds = [part.split('"')[0] for part in page.split('data-kind="')[1:]]
    # merged with core's "made" (2024-03-15) in time order
    assert kinds == ["made", "moments.shipped", "moments.visit"]
    assert "Visited at the venue" in page and "Cable replaced" in page
    assert 'data-source="moments"' in page


# --- answers (firstresult) --------------------------------------------------------------


def _decoder(prefix: str, model: str) -> Callable[[str], BodyCode | None]:
    def decode_body_code(code: str) -> BodyCode | None:
        if not code.startswith(prefix):
            return None
        return BodyCode(code=code, model_code=model, factory_date=date(2024, 3, 1),
                        sequence=code.rsplit(".", 1)[-1], format=f"{prefix}YYYYMMDD.N")
    return decode_body_code


def test_hook_decode_body_code(install: Install, make_app: Callable[..., Harness]) -> None:
    install("lineage", decode_body_code=_decoder("SMP.", "BASE1"))
    install("newline", depends=("lineage",), decode_body_code=_decoder("SMP.", "PA2400"))
    h = make_app(plugins=["newline", "lineage"])
    hook = h.app.state.pm.hook.decode_body_code
    owners = [impl.plugin_name for impl in hook.get_hookimpls()]  # called last to first
    assert owners == ["core:core.builtin.shell", "lineage", "newline"]
    # the plugin loaded last (it depends on the other) answers first; None passes it on
    assert hook(code="SMP.20240301.7").model_code == "PA2400"
    core_answer = hook(code="PA2400-240315-00042")  # core's format, asked last
    assert (core_answer.model_code, core_answer.factory_date) == ("PA2400", date(2024, 3, 15))
    assert hook(code="nothing anyone reads") is None
    # the desk uses it: a unit registered by the plugin's format gets its factory date
    created = h.client().post("/api/v1/units", headers=bearer(h, "hq-clerk"),
                              json={"body_code": "smp.20240301.7"})  # normalised by core
    assert created.status_code == 201, created.text
    assert (created.json()["body_code"], created.json()["factory_date"]) == \
        ("SMP.20240301.7", "2024-03-01")
    unreadable = h.client().post("/api/v1/units", headers=bearer(h, "hq-clerk"),
                                 json={"body_code": "hello", "model_code": "PA2400"})
    assert unreadable.status_code == 422
    assert "MODEL-YYMMDD-SEQ" in unreadable.json()["error"]["fields"]["body_code"]


class Assessor:
    def __init__(self) -> None:
        self.asked: list[int] = []
        self.instances: list[tuple[Any, Any]] = []

    @hookimpl
    def assess_coverage(self, session: Any, case: Any) -> Coverage | None:
        self.asked.append(case.id)
        # the session knows its instance (docs/decisions.md): settings and plugin manager
        self.instances.append((session.info["settings"], session.info["pm"]))
        if case.own_product:
            return Coverage("A", ("HT-4",), "In warranty by test rule",
                            warranty_end=date(2026, 1, 1), months=24)
        return None


def test_hook_assess_coverage(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    clerk, tech = bearer(h, "hq-clerk"), bearer(h, "hq-tech")
    ours = new_case(h, clerk)["id"]
    theirs = new_case(h, clerk, body_code="", own_product=False, model_code="OTHER-AMP")["id"]
    assessor = Assessor()
    h.app.state.pm.register(assessor, name="assessor")
    # an answer is taken without the inspector choosing a class (W-3 is satisfied)
    assessed = move(h, tech, ours, "inspected", fault_found="Hum")
    assert assessed.status_code == 200, assessed.text
    body = assessed.json()
    assert (body["coverage_class"], body["coverage_reason"]) == \
        ("A", "In warranty by test rule")
    # None means "not mine": without any answer the inspector picks the class
    vetoed = move(h, tech, theirs, "inspected", fault_found="Hum")
    assert [v["clause"] for v in vetoed.json()["error"]["vetoes"]] == ["W-3"]
    manual = move(h, tech, theirs, "inspected", fault_found="Hum", coverage_class="C")
    assert manual.json()["coverage_class"] == "C"
    assert assessor.asked == [ours, theirs, theirs]
    assert set(map(id, assessor.instances[0])) == {id(h.app.state.settings), id(h.app.state.pm)}


# --- lifecycle --------------------------------------------------------------------------


def test_hook_seed_demo(install: Install, make_app: Callable[..., Harness],
                        tmp_path: Path) -> None:
    seen: list[int] = []

    def seed_demo(session: Any, settings: Any, scale: int) -> None:
        # core's demo data is there already: core's implementation is tryfirst
        seen.append(session.scalar(select(func.count()).select_from(Unit)))
        if session.scalars(select(Region).where(Region.code == "DEMOX")).first() is None:
            session.add(Region(code="DEMOX", name=f"Demo region (scale {scale})"))

    install("demox", seed_demo=seed_demo)
    h = make_app(plugins=["demox"])
    env = {"AFTERSALES_DATABASE_URL": h.url, "AFTERSALES_VAR_DIR": str(tmp_path),
           "AFTERSALES_PLUGINS": "demox", "AFTERSALES_SECURITY__ARGON2_TIME_COST": "1",
           "AFTERSALES_SECURITY__ARGON2_MEMORY_COST_KIB": "8",
           "AFTERSALES_SECURITY__ARGON2_PARALLELISM": "1"}
    runner = CliRunner()
    for _ in range(2):  # idempotent
        result = runner.invoke(cli, ["demo"], env=env)
        assert result.exit_code == 0, result.output
    with h.session() as session:
        names = list(session.scalars(select(Region.name).where(Region.code == "DEMOX")))
    assert names == ["Demo region (scale 0)"]
    assert len(seen) == 2 and seen[0] > 0


def test_hook_startup(install: Install, make_app: Callable[..., Harness]) -> None:
    seen: list[dict[str, Any]] = []

    def startup(app: Any) -> None:
        seen.append({"app": app, "routes": {getattr(r, "path", "") for r in app.routes},
                     "registry": app.state.registry, "pm": app.state.pm})

    install("boot", startup=startup, register_routes=lambda: [
        RouteSpec("boot.page", "/boot", text_of("booted"), AUTHENTICATED)])
    h = make_app(plugins=["boot"])
    assert len(seen) == 1  # once per app
    assert seen[0]["app"] is h.app and seen[0]["pm"] is h.app.state.pm
    assert "/boot" in seen[0]["routes"]  # after routes are registered
    assert "boot.page" in seen[0]["registry"].route_owner


def test_hook_register_hold_kinds(install: Install, make_app: Callable[..., Harness]) -> None:
    install("holdy", register_hold_kinds=lambda: [
        HoldKind("holdy.waiting_for_loaner", "Waiting for a loaner", clause="E-1")])
    h = make_app(plugins=["holdy"])
    assert h.app.state.registry.holds["holdy.waiting_for_loaner"].clause == "E-1"
    assert "waiting_for_parts" in h.app.state.registry.holds  # core's own
    case_id = int(new_case(h, bearer(h, "east-clerk"))["id"])
    with h.session() as session:
        place_hold(session, case_id, "holdy.waiting_for_loaner", "Tour next week", None)
        session.commit()
        assert [x.kind for x in active_holds(session, case_id)] == ["holdy.waiting_for_loaner"]


def test_a_hold_kind_declared_twice_stops_startup(install: Install,
                                                  make_app: Callable[..., Harness]) -> None:
    install("dupe", register_hold_kinds=lambda: [HoldKind("waiting_for_parts", "Again")])
    with pytest.raises(PluginError, match="duplicate hold kind 'waiting_for_parts'"):
        make_app(plugins=["dupe"])


def test_hook_part_price(install: Install, make_app: Callable[..., Harness]) -> None:
    prices = {("PA2400", "Power cord"): 3500}
    install("pricelist", part_price=lambda session, model_code, item:
            prices.get((model_code, item)))
    h = make_app(plugins=["pricelist"])
    with h.session() as session:
        ask = h.app.state.pm.hook.part_price
        assert ask(session=session, model_code="PA2400", item="Power cord") == 3500
        assert ask(session=session, model_code="PA2400", item="Rack ears") is None


def test_hook_register_import_kinds(install: Install, make_app: Callable[..., Harness]
                                    ) -> None:
    """A plugin's kind of CSV goes through core's import page and ``core.import`` job: the
    form offers it to whoever holds its permission, the batches are the plugin's, its row
    errors are on the progress page, and its roll-back is the plugin's."""
    import re

    from core.hooktypes import ImportBatch, ImportKind, ImportRow
    from core.services.queue import run_due

    seen: list[list[int]] = []

    def batch(session: Any, rows: list[ImportRow], context: Any) -> ImportBatch:
        seen.append([r.line for r in rows])
        outcome = ImportBatch()
        for row in rows:
            if not row.values["code"].strip():
                outcome.errors.append((row.line, "code", "A code is required."))
            else:
                outcome.inserted += 1
        assert context.import_id and context.stamp is not None
        return outcome

    install("csvkind", register_import_kinds=lambda: [ImportKind(
        "csvkind_things", "Things", ("code", "qty"), batch, "unit.import",
        required=("code",), help="code is required.")])
    h = make_app(plugins=["csvkind"])
    assert "csvkind_things" in h.app.state.registry.import_kinds
    client = h.client("hq-manager")
    page = client.get("/desk/import?kind=csvkind_things")
    assert 'value="csvkind_things" checked' in page.text and "code,qty" in page.text
    text = "code,qty\n" + "".join(f"T{n},1\n" for n in range(1, 6)) + ",2\n"
    sent = client.form("/desk/import", {"kind": "csvkind_things"},
                       files={"file": ("things.csv", text.encode(), "text/csv")},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text
    url = sent.headers["location"]
    assert [o.kind for o in run_due(h.app)] == ["core.import"]
    fragment = client.get(f"{url}/progress").text
    assert re.search(r'data-state="done"', fragment), fragment
    assert 'data-count="inserted">5<' in fragment and 'data-count="failed">1<' in fragment
    assert "<td>7</td><td>code</td><td>A code is required.</td>" in fragment
    assert seen == [[2, 3, 4, 5, 6, 7]]
    assert "Things" in client.get(url).text
    assert client.form(f"{url}/roll-back").status_code == 409  # done: nothing to roll back


def test_an_import_kind_named_like_core_or_needing_an_unknown_permission_stops_startup(
        install: Install, make_app: Callable[..., Harness]) -> None:
    from core.hooktypes import ImportKind

    install("dupekind", register_import_kinds=lambda: [
        ImportKind("units", "Units again", ("a",), lambda *a: None, "unit.import")])
    assert "duplicate import kind 'units'" in startup_error(make_app, ["dupekind"])
    install("permkind", register_import_kinds=lambda: [
        ImportKind("permkind_x", "X", ("a",), lambda *a: None, "nobody.has")])
    assert "unknown permission 'nobody.has'" in startup_error(make_app, ["permkind"])
