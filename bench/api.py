"""`make bench-api` (part of `make bench`): latency of the researchers' API on a synthetic
database of 1,000,000 relations over real taxa and disorders (bench/synthetic.py), on SQLite and,
when MINER_BENCH_DATABASE_URL or MINER_TEST_DATABASE_URL names one, PostgreSQL.

Requests go over real HTTP to `miner serve` (uvicorn, its own process) on loopback, as a
researcher's would:
- taxon with descendants: /relations?taxon=<family, genus or phylum>&include_descendants=true, first page of 50
  and the page after it (cursor);
- one disorder: /relations?disorder=<group or MeSH id>, first page;
- one pair's consensus: /pairs?taxon=<taxid>&disorder=<MeSH id>;
- pairs of a disorder group by consensus with min_papers, and rolled up to a family, phylum or genus;
- the transdiagnostic matrix /profile and /shared over four to eight groups (kept per state of
  the data: their first, cold call is reported apart);
- a taxon by name (/taxa/{name}); claims and pairs filtered by study facts (design, country, participants);
- answers kept per state of the data (`miner.query.kept`: pairs, the matrix, a taxon) are timed
  warm, and their first, cold call is reported apart;
- the CSV export of a filter matching at least 100,000 rows: rows/s, streamed.
Reports p50 / p95 / max in ms per query kind (after a warm-up pass), the export throughput, and
the build time. `--reuse URL` skips the build. `--json FILE` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import build, sample_queries  # noqa: E402

TARGET_MS = 50
# answers kept per state of the data (miner.query.kept): their first, cold call is reported apart
KEPT = (
    "pairs by consensus, min_papers",
    "pairs rolled up",
    "profile (matrix)",
    "shared (k of n)",
    "taxon by name",
    "one pair's consensus",
)
TARGET_EXPORT = 50_000


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def timed(client: httpx.Client, path: str, params: dict) -> tuple[float, dict]:
    start = time.perf_counter()
    response = client.get(path, params=params)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"{path} {params}: HTTP {response.status_code} {response.text[:300]}")
    return elapsed, response.json()


def query_plan(samples: dict) -> dict[str, list[tuple[str, dict]]]:
    """The requests of each kind, from what exists in the database."""
    wide = [
        samples["family_with_many_descendants"],
        samples["genus_with_many_descendants"],
        samples["phylum_with_many_descendants"],
    ]
    common = samples["common_taxa"][:8]
    descend = [("/api/v1/relations", {"taxon": str(t["taxid"]), "include_descendants": "true"}) for t in wide + common]
    disorders = [("/api/v1/relations", {"disorder": d["group"]}) for d in samples["disorder_groups"][:8]]
    disorders += [("/api/v1/relations", {"disorder": m["mesh"]}) for m in samples["meshes"][:6]]
    pairs = [
        ("/api/v1/pairs", {"taxon": str(p["taxid"]), "disorder": p["mesh"]}) for p in samples["pairs"] if p["taxid"]
    ]
    groups = [g["group"] for g in samples["disorder_groups"]]
    four = ",".join(groups[:4])
    sorted_pairs = [
        ("/api/v1/pairs", {"disorder": g, "sort": sort, "min_papers": "3"})
        for g in groups[:4]
        for sort in ("-consensus", "consensus")
    ]
    rolled = [("/api/v1/pairs", {"disorder": g, "roll_up": rank}) for g in groups[:3] for rank in ("family", "phylum")]
    rolled += [
        ("/api/v1/pairs", {"taxon": str(t["taxid"]), "include_descendants": "true", "roll_up": "genus"})
        for t in wide[:2]
    ]
    profiles = [
        ("/api/v1/profile", {"disorders": four}),
        ("/api/v1/profile", {"disorders": four, "evidence": "all"}),
        ("/api/v1/profile", {"disorders": four, "roll_up": "family"}),
        ("/api/v1/profile", {"disorders": ",".join(groups[:8]), "sort": "papers"}),
        ("/api/v1/profile", {"disorders": four, "taxa": ",".join(str(t["taxid"]) for t in common)}),
    ]
    shared = [
        ("/api/v1/shared", {"disorders": four}),
        ("/api/v1/shared", {"disorders": four, "k": "2"}),
        ("/api/v1/shared", {"disorders": ",".join(groups[:6]), "k": "3", "roll_up": "genus"}),
    ]
    named = [(f"/api/v1/taxa/{t['name']}", {}) for t in common[:6]]
    study = [("/api/v1/relations", {"disorder": g, "design": "case-control", "country": "China"}) for g in groups[:3]]
    study += [
        ("/api/v1/relations", {"taxon": str(t["taxid"]), "design": "RCT", "min_sample_size": "100"}) for t in common[:3]
    ]
    study_pairs = [
        ("/api/v1/pairs", {"disorder": g, "design": "case-control,cohort", "min_sample_size": "100"})
        for g in groups[:3]
    ]
    return {
        "taxon with descendants": descend,
        "one disorder": disorders,
        "one pair's consensus": pairs,
        "pairs by consensus, min_papers": sorted_pairs,
        "pairs rolled up": rolled,
        "profile (matrix)": profiles,
        "shared (k of n)": shared,
        "taxon by name": named,
        "claims by study facts": study,
        "pairs by study facts": study_pairs,
    }


def run_queries(url: str, samples: dict, rounds: int) -> dict:
    results: dict[str, dict] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for kind, requests in query_plan(samples).items():
            first = [timed(client, path, params)[0] for path, params in requests]  # warm-up: caches, first-use loading
            if kind in KEPT:  # computed once per state of the data, then kept: the first call is the cold one
                results[kind + " (first call)"] = percentiles(first)
            times = []
            next_times = []
            for _ in range(rounds):
                for path, params in requests:
                    elapsed, body = timed(client, path, params)
                    times.append(elapsed)
                    if body.get("next_cursor"):
                        elapsed, _ = timed(client, path, {**params, "cursor": body["next_cursor"]})
                        next_times.append(elapsed)
            results[kind] = percentiles(times)
            if next_times:
                results[kind + " (next page)"] = percentiles(next_times)
    return results


def run_export(url: str, samples: dict) -> dict:
    """Stream the CSV of the largest disorder group (or the phylum with descendants) and count rows."""
    group = samples["disorder_groups"][0]
    phylum = samples["phylum_with_many_descendants"]
    params = (
        {"disorder": group["group"], "format": "csv"}
        if group["relations"] >= 100_000
        else {"taxon": str(phylum["taxid"]), "include_descendants": "true", "format": "csv"}
    )
    rows = 0
    start = time.perf_counter()
    with (
        httpx.Client(base_url=url, timeout=600) as client,
        client.stream("GET", "/api/v1/export/relations", params=params) as response,
    ):
        if response.status_code != 200:
            raise SystemExit(f"export: HTTP {response.status_code}")
        for _line in response.iter_lines():
            rows += 1
    elapsed = time.perf_counter() - start
    rows -= 1  # the header
    return {
        "filter": {k: v for k, v in params.items() if k != "format"},
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
    }


def bench(url: str, relations: int, rounds: int, reuse: bool) -> dict:
    figures: dict = {"backend": make_url(url).get_backend_name(), "relations": relations}
    if not reuse:
        built = build(url, relations, progress=lambda line: print("  " + line, file=sys.stderr))
        figures["build_seconds"] = built["seconds"]["total"]
        figures["size_mb"] = round(built["size_bytes"] / 1e6)
    samples = sample_queries(url)
    with served(url) as base:
        figures["queries"] = run_queries(base, samples, rounds)
        figures["export"] = run_export(base, samples)
    return figures


@contextmanager
def served(url: str) -> Iterator[str]:
    """`miner serve` on a free loopback port, in a process of its own."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "MINER_DATABASE_URL": url,
        "MINER_WEB_SECRET_KEY": secrets.token_urlsafe(32),
        "MINER_WEB_SECURE_COOKIES": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "miner.cli", "serve", "--port", str(port)], cwd=ROOT, env=env, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/favicon.ico", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.time() > deadline or process.poll() is not None:
                reason = process.stderr.read().decode()[-500:] if process.poll() is not None else "timeout"
                raise SystemExit(f"miner serve did not start: {reason}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def pg_schema_url(base: str) -> tuple[str, callable]:
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    ), drop


def report(figures: dict) -> None:
    print(
        f"\n{figures['backend']}: {figures['relations']:,} relations"
        + (
            f", built in {figures['build_seconds']:.0f} s, {figures['size_mb']} MB"
            if "build_seconds" in figures
            else ""
        )
    )
    print(f"  {'query':46} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, p in figures["queries"].items():
        flag = "" if p["p95_ms"] <= TARGET_MS else f"  (over the {TARGET_MS} ms target)"
        print(f"  {kind:46} {p['n']:>5} {p['p50_ms']:>8} {p['p95_ms']:>8} {p['max_ms']:>8}{flag}")
    e = figures["export"]
    flag = "" if e["rows_per_s"] >= TARGET_EXPORT else f"  (under the {TARGET_EXPORT:,} rows/s target)"
    print(f"  CSV export of {e['rows']:,} rows ({e['filter']}): {e['seconds']} s, {e['rows_per_s']:,} rows/s{flag}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--relations", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="passes over each query list")
    parser.add_argument(
        "--reuse", action="append", default=[], help="an already built database URL (skips the build; repeatable)"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    if args.reuse:
        for url in args.reuse:
            results.append(bench(url, args.relations, args.rounds, reuse=True))
            report(results[-1])
    else:
        with tempfile.TemporaryDirectory() as folder:
            results.append(
                bench(f"sqlite:///{Path(folder) / 'bench-api.db'}", args.relations, args.rounds, reuse=False)
            )
            report(results[-1])
        pg = os.environ.get("MINER_BENCH_DATABASE_URL") or os.environ.get("MINER_TEST_DATABASE_URL")
        if pg and not args.no_postgres:
            url, drop = pg_schema_url(pg)
            try:
                results.append(bench(url, args.relations, args.rounds, reuse=False))
                report(results[-1])
            finally:
                drop()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
