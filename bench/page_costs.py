"""Per-request cost of the hot pages on the crash reproduction's database (issue 11).

``python -m bench.page_costs [--db PATH] [--requests N]`` (build the database first with
``python -m bench.crash_repro --seconds 1``). Sequential requests through the ASGI app as
``hq-manager``; for each page it prints CPU milliseconds per request (the whole process, so
the figure does not depend on what else the machine runs), wall p50/p95 and the number of
SQL statements one request runs. Run it on two checkouts to compare them.

``--profile NAME`` also profiles that page's route bodies with cProfile *inside the worker
thread* (routes run in threads, where a profiler started in the main thread sees nothing)
and prints the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from pathlib import Path

from sqlalchemy import event, select
from starlette.testclient import TestClient

from bench.crash_repro import settings_for, sign_in
from core.app import create_app
from core.entities import ServiceCase, Unit
from core.services.users import create_token
from core.web import routing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_costs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("/tmp/aftersales-crash/bench.db"))
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--profile", metavar="PAGE", default="",
                        help="profile this page's route bodies (e.g. 'case detail (API)')")
    args = parser.parse_args(argv)
    app = create_app(settings_for(args.db))
    state = app.state
    with state.sessionmaker.begin() as session:
        token, _row = create_token(session, "hq-manager", "page_costs")
        codes = list(session.scalars(select(Unit.body_code).order_by(Unit.id)
                                     .limit(args.requests)))
        case_id = session.scalar(select(ServiceCase.id).order_by(ServiceCase.id.desc()))
    api = {"Authorization": f"Bearer {token}"}
    statements: list[str] = []
    event.listen(state.engine, "before_cursor_execute",
                 lambda _c, _k, statement, *_a: statements.append(statement))
    pages = [("case list", ["/desk/cases"], None),
             ("case list, open", ["/desk/cases?state=open"], None),
             ("case detail", [f"/desk/cases/{case_id}"], None),
             ("healthz", ["/healthz"], None),
             ("lookup (API)", [f"/api/v1/units/{code}" for code in codes], api),
             ("case detail (API)", [f"/api/v1/cases/{case_id}"], api),
             ("case list (API)", ["/api/v1/cases"], api)]
    profiler = cProfile.Profile()
    plain_run = routing._run

    def profiled_run(*args: object) -> object:
        return profiler.runcall(plain_run, *args)
    with TestClient(app) as client:
        sign_in(client)
        print(f"{'page':<18} {'cpu ms/req':>10} {'p50 ms':>8} {'p95 ms':>8} {'statements':>10}")
        for name, urls, headers in pages:
            client.get(urls[0], headers=headers)
            statements.clear()
            client.get(urls[-1], headers=headers)
            count = len(statements)
            if name == args.profile:
                routing._run = profiled_run  # type: ignore[assignment]
            seconds = []
            cpu = time.process_time()
            for n in range(args.requests):
                start = time.perf_counter()
                response = client.get(urls[n % len(urls)], headers=headers)
                seconds.append(time.perf_counter() - start)
                assert response.status_code == 200, (urls[n % len(urls)], response.status_code)
            cpu_ms = (time.process_time() - cpu) / args.requests * 1000
            p95 = statistics.quantiles(seconds, n=20)[18] * 1000
            print(f"{name:<18} {cpu_ms:>10.1f} {statistics.median(seconds) * 1000:>8.1f} "
                  f"{p95:>8.1f} {count:>10}", flush=True)
            routing._run = plain_run  # type: ignore[assignment]
    if args.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
