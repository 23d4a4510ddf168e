"""`make bench`: speed and memory of the main stages, measured on the bundled sample corpus.

- parse: records/s reading the sample repeated 50× (PubMed XML, gzip);
- extract: abstracts/s of the pipeline on one core (pipeline load time reported apart);
- ingest: articles/s of the whole job into a fresh SQLite database (and PostgreSQL when
  MINER_BENCH_DATABASE_URL or MINER_TEST_DATABASE_URL names one);
- peak resident memory of this process.
Each timing is the best of `--repeat` runs. Prints a table; `--json FILE` also writes the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from miner import records  # noqa: E402
from miner.extract import Extractor  # noqa: E402
from miner.ingest import ingest  # noqa: E402
from miner.parse import read_pubmed, read_records  # noqa: E402
from miner.store import Database  # noqa: E402

SAMPLE = ROOT / "miner" / "samples" / "gutbrain-sample.xml.gz"


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_parse(repeat: int) -> dict:
    body = gzip.decompress(SAMPLE.read_bytes()).decode()
    start, end = body.index("<PubmedArticle>"), body.rindex("</PubmedArticleSet>")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.xml.gz"
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(body[:start] + body[start:end] * 50 + "</PubmedArticleSet>\n")
        count = sum(1 for item in read_pubmed(path) if isinstance(item, records.Article))
        seconds = best_of(repeat, lambda: sum(1 for _ in read_pubmed(path)))
    return {"records": count, "seconds": round(seconds, 3), "records_per_s": round(count / seconds)}


def bench_extract(repeat: int) -> dict:
    articles = [item for item in read_records(str(SAMPLE)) if isinstance(item, records.Article)]
    extractor = Extractor(ROOT / "miner" / "pipelines" / "miner.cfg")
    load_start = time.perf_counter()
    _ = extractor.nlp  # load the pipeline (timed separately as pipeline_load_s)
    load = time.perf_counter() - load_start
    found = []
    seconds = best_of(repeat, lambda: found.append(sum(len(r) for _, r in extractor.extract(articles))))
    return {
        "abstracts": len(articles),
        "relations": found[-1],
        "pipeline_load_s": round(load, 2),
        "seconds": round(seconds, 3),
        "abstracts_per_s": round(len(articles) / seconds, 1),
        "ms_per_abstract": round(1000 * seconds / len(articles), 2),
    }


def bench_ingest(url: str, label: str) -> dict:
    extractor = Extractor(ROOT / "miner" / "pipelines" / "miner.cfg")
    _ = extractor.nlp  # load the pipeline before timing
    database = Database.open(url)
    start = time.perf_counter()
    first = ingest(database, extractor, [str(SAMPLE)])
    fresh = time.perf_counter() - start
    start = time.perf_counter()
    ingest(database, extractor, [str(SAMPLE)])
    again = time.perf_counter() - start
    database.dispose()
    return {
        "database": label,
        "articles": first.new,
        "relations": first.relations,
        "fresh_s": round(fresh, 2),
        "articles_per_s": round(first.new / fresh, 1),
        "rerun_unchanged_s": round(again, 2),
    }


def postgres_url() -> str | None:
    base = os.environ.get("MINER_BENCH_DATABASE_URL") or os.environ.get("MINER_TEST_DATABASE_URL")
    if not base:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"miner_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return (
        make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    )


def drop_schema(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = make_url(url).query["options"].split("=", 1)[1]
    base = make_url(url).difference_update_query(["options"])
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures: dict = {"parse": bench_parse(args.repeat), "extract": bench_extract(args.repeat), "ingest": []}
    with tempfile.TemporaryDirectory() as folder:
        figures["ingest"].append(bench_ingest(f"sqlite:///{folder}/bench.db", "sqlite"))
    pg = postgres_url()
    if pg:
        try:
            figures["ingest"].append(bench_ingest(pg, "postgresql"))
        finally:
            drop_schema(pg)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    p, e = figures["parse"], figures["extract"]
    print(f"parse    {p['records']:>7} records       {p['records_per_s']:>8} records/s")
    print(
        f"extract  {e['abstracts']:>7} abstracts     {e['abstracts_per_s']:>8} abstracts/s  "
        f"({e['ms_per_abstract']} ms each, one core; pipeline load {e['pipeline_load_s']} s)"
    )
    for row in figures["ingest"]:
        print(
            f"ingest   {row['articles']:>7} articles      {row['articles_per_s']:>8} articles/s   "
            f"into {row['database']} ({row['relations']} relations; unchanged re-run {row['rerun_unchanged_s']} s)"
        )
    print(f"peak resident memory {figures['peak_rss_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
