"""`make bench` (harvest part): `miner harvest` pulls a year with more than 9,999 records from an
E-utilities-compatible server on loopback (tests/eutils_server.py) that injects faults into 5% of
the requests, at NCBI's rate without an API key (3 requests/s).

It runs the real command in a subprocess against a fresh SQLite database, then checks that every
PMID of the year is stored exactly once, and prints records, requests, retries, time and the
request rate. `--full` serves records with their abstracts (extraction then dominates the time);
by default titles only, so the figure is about the harvester itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from eutils_server import EutilsServer, corpus  # noqa: E402


def run(records: int, fault_rate: float, full: bool) -> dict:
    year = corpus(records, date(2025, 1, 1), date(2025, 12, 31), seed=2025)
    with (
        tempfile.TemporaryDirectory() as folder,
        EutilsServer(year, fault_rate=fault_rate, seed=99, light=not full) as server,
    ):
        database = Path(folder) / "harvest.db"
        env = {
            **os.environ,
            "MINER_DATABASE_URL": f"sqlite:///{database}",
            "MINER_PUBMED_BASE_URL": server.base_url,
            "MINER_PUBMED_EMAIL": "bench@example.org",
        }
        env.pop("MINER_PUBMED_API_KEY", None)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "miner", "harvest", "--since", "2025-01-01", "--until", "2025-12-31"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(
                f"harvest failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
            )
        with sqlite3.connect(database) as connection:
            stored = connection.execute("SELECT count(*), count(DISTINCT pmid) FROM article").fetchone()
            stored_pmids = {row[0] for row in connection.execute("SELECT pmid FROM article")}
        faults = sum(1 for _, _, _ in server.log) - int(re.search(r"(\d+) requests", done.stdout).group(1))
        line = done.stdout.strip().splitlines()[-1]
        requests = int(re.search(r"(\d+) requests", line).group(1))
        retries = int(re.search(r"(\d+) retries", line).group(1))
        searches = sum(1 for _, endpoint, _ in server.log if endpoint == "esearch.fcgi")
        return {
            "records": records,
            "abstracts": full,
            "complete": stored_pmids == {r.pmid for r in year},
            "duplicates": stored[0] - stored[1],
            "requests": requests,
            "retries": retries,
            "searches": searches,
            "server_saw": len(server.log),
            "unaccounted": faults,
            "seconds": round(seconds, 1),
            "requests_per_s": round(requests / seconds, 2),
            "max_in_any_second": server.requests_in_any_second(),
            "summary": line,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=12_000)
    parser.add_argument("--faults", type=float, default=0.05)
    parser.add_argument("--full", action="store_true", help="serve abstracts too (extraction dominates)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = run(args.records, args.faults, args.full)
    print(
        f"harvest  {figures['records']} records ({'with' if figures['abstracts'] else 'without'} abstracts), "
        f"{args.faults:.0%} faults: "
        f"complete={figures['complete']}, duplicates={figures['duplicates']}; {figures['requests']} requests "
        f"({figures['searches']} searches), {figures['retries']} retries, {figures['seconds']} s, "
        f"{figures['requests_per_s']} requests/s (at most {figures['max_in_any_second']} in any second)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not figures["complete"] or figures["duplicates"]:
        raise SystemExit("harvest incomplete or duplicated")


if __name__ == "__main__":
    main()
