"""What bench/throughput.py prints: progress lines (stderr), the table, the ratios, and
each system's median round when it measured several."""
from __future__ import annotations

import sys
import time


ROWS = [
    ("flowdeck-1", "Flowdeck, 1 worker process x {t} threads"),
    ("flowdeck-code", "Flowdeck code workflow, 1 worker process x {t} threads"),
    ("flowdeck-half", "Flowdeck, 1 process at half that peak ({rate:.0f}/s offered)"),
    ("flowdeck-2", "Flowdeck, 2 worker processes x {t} threads"),
    ("flowdeck-backlog-1", "Flowdeck, a queued backlog drained by 1 process"),
    ("flowdeck-backlog-2", "Flowdeck, a queued backlog drained by 2 processes"),
    ("dramatiq-plain", "raw Dramatiq, 4 no-op actors"),
    ("dramatiq-pg", "raw Dramatiq + 3 psycopg row writes per step"),
    ("dbos", "DBOS, 4 steps, queue polled every 10 ms"),
    ("temporal", "Temporal dev server, 4 activities"),
]
HEADERS = ("system", "workflows/s", "step->step p50", "step->step p99", "step cycle p50", "step cycle p99",
           "single run p50", "PG stmts/step")


def _ms(value) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def table(results: dict, args) -> list[str]:
    rows = []
    for key, label in ROWS:
        if key not in results:
            continue
        r = results[key]
        label = label.format(t=args.threads, rate=r.get("rate", 0))
        if "na" in r:
            rows.append((label, f"n/a ({r['na']})", "", "", "", "", "", ""))
            continue
        rows.append((label, f"{r['workflows_per_s']:.1f}", _ms(r.get("gap_p50_ms")), _ms(r.get("gap_p99_ms")),
                     _ms(r.get("cycle_p50_ms")), _ms(r.get("cycle_p99_ms")), _ms(r.get("single_p50_ms")),
                     f"{r['statements_per_step']:.1f}" if r.get("statements_per_step") is not None else "-"))
    widths = [max(len(str(row[i])) for row in rows + [HEADERS]) for i in range(len(HEADERS))]
    line = lambda row: "| " + " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                         for i, (c, w) in enumerate(zip(row, widths))) + " |"
    return [line(HEADERS), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]


def ratios(results: dict) -> str:
    base = results.get("flowdeck-1", {}).get("workflows_per_s")

    def ratio(key):
        other = results.get(key, {}).get("workflows_per_s")
        return f"{base / other:.2f}" if base and other else "n/a"
    code = results.get("flowdeck-code", {}).get("workflows_per_s")
    dbos = results.get("dbos", {}).get("workflows_per_s")
    return f"flowdeck/dbos={ratio('dbos')} flowdeck/dramatiq_pg={ratio('dramatiq-pg')} " \
           f"flowdeck/temporal={ratio('temporal')} " \
           f"flowdeck_code/dbos={f'{code / dbos:.2f}' if code and dbos else 'n/a'}"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median_rounds(rounds: list[dict]) -> dict:
    """Each system's median round by workflows/s (the lower middle for an even count)."""
    merged: dict = {}
    for key in dict.fromkeys(k for r in rounds for k in r):
        measured = sorted((r[key] for r in rounds if key in r and "na" not in r[key]),
                          key=lambda row: row["workflows_per_s"])
        merged[key] = measured[(len(measured) - 1) // 2] if measured else next(r[key] for r in rounds if key in r)
    return merged
