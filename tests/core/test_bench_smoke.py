"""``make bench`` works end to end in its smallest mode (issue 11).

The harness serves the project and the bare app from real uvicorn processes on one SQLite
database, loads both from a separate client process and writes ``report.md`` with both
columns. A harness that lost one of the apps, or a request path that stopped answering 200 on
either, fails here before anyone runs the long benchmark.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_writes_a_report_with_both_apps(tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench.side_by_side", "--units", "300", "--seconds", "0.8",
         "--warmup", "0.2", "--reps", "1", "--concurrency", "1", "--backends", "sqlite",
         "--endpoints", "lookup,list_deep,healthz", "--depth", "2", "--no-extras",
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| path | c | project req/s | bare req/s | project / bare |" in report
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    summary = data["backends"][0]["summary"]
    for name in ("lookup", "list_deep", "healthz"):
        for app in ("project", "bare"):
            measured = summary[name][app]["1"]
            assert measured["requests"] > 0, (name, app)
            assert measured["errors"] == {}, (name, app, measured["errors"])
        row = re.search(rf"^\| {name} \| 1 \| ([\d,.]+) \| ([\d,.]+) \| (\d+) % \|", report,
                        re.MULTILINE)
        assert row, f"no row with both apps' req/s for {name}"
    statements = data["backends"][0]["statements"]
    assert statements["bare"]["lookup"] >= 2  # the token check and the unit
    assert (out / "ratio-sqlite.svg").read_text(encoding="utf-8").startswith("<svg")
    assert "proj/bare req/s" in done.stdout  # the short table
