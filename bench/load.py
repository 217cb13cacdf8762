"""The load generator of ``make bench``: run as its own process, so the client's CPU is never
the server's.

``python -m bench.load URL PATHS_FILE --concurrency N --seconds S [--warmup S] [--token T]``
opens N keep-alive HTTP/1.1 connections and has each send GET requests back to back (the
next path of PATHS_FILE each time, one path per line) for S seconds after a warm-up, then
prints one JSON line: requests, errors, req/s and latency percentiles in milliseconds.

A minimal asyncio client instead of httpx/aiohttp: it costs a few microseconds per request,
so on a 2-core machine the client does not cap what the server can do (httpx's async
client needs about as much CPU per request as the bare app being measured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


class Connection:
    def __init__(self, host: str, port: int, headers: str) -> None:
        self.host, self.port, self.headers = host, port, headers
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """One GET on the kept-alive connection; returns the status code."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.headers}"
                          "\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, close = 0, False, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


async def run(url: str, paths: list[str], concurrency: int, seconds: float, warmup: float,
              token: str | None) -> dict[str, object]:
    parts = urlsplit(url)
    headers = f"Authorization: Bearer {token}\r\n" if token else ""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = [0]
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + seconds

    async def client(index: int) -> None:
        connection = Connection(parts.hostname or "127.0.0.1", parts.port or 80, headers)
        n = index * 7919
        while True:
            path = paths[n % len(paths)]
            n += 1
            began = time.perf_counter()
            if began >= stop:
                return
            try:
                status = await connection.get(path)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                connection.writer = None
                await asyncio.sleep(0.01)
                continue
            ended = time.perf_counter()
            if ended >= measure_from:  # answered in the window, however long it took
                latencies.append(ended - began)
                if status != 200:
                    errors[str(status)] = errors.get(str(status), 0) + 1
            counter[0] += 1

    await asyncio.gather(*(client(i) for i in range(concurrency)))
    elapsed = max(time.perf_counter() - measure_from, 1e-9)
    ordered = sorted(latencies)
    return {
        "requests": len(ordered), "errors": errors, "seconds": round(elapsed, 3),
        "rps": len(ordered) / elapsed,
        "p50": percentile(ordered, 0.50) * 1000, "p95": percentile(ordered, 0.95) * 1000,
        "p99": percentile(ordered, 0.99) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("paths_file")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--token")
    args = parser.parse_args(argv)
    with open(args.paths_file, encoding="utf-8") as stream:
        paths = [line.strip() for line in stream if line.strip()]
    result = asyncio.run(run(args.url, paths, args.concurrency, args.seconds, args.warmup,
                             args.token))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
