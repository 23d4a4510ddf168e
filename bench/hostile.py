"""`make bench` (part): hostile input, time and memory. Each case runs in a child process of its
own, so its peak resident memory is its own:

- a JSON Lines line of 60 MB (under the 64 MiB line cap): read and decoded whole, linear in its
  length, then skipped at the record boundary (over 2,000,000 characters);
- a JSON Lines line of 300 MB (over the cap): skipped without being held;
- an article of 1.8 million characters (spaCy refuses > 1,000,000 at once): extracted in pieces;
- `<i>` nested 2,000 deep: flattened without recursion.
Prints a table; `--json FILE` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FINDING = "Faecalibacterium was decreased in patients with major depressive disorder compared with healthy controls. "


def jsonl_line(megabytes: int) -> dict:
    from miner.parse import read_jsonl

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "line.jsonl"
        with path.open("w") as handle:
            handle.write('{"pmid": "1", "title": "t", "abstract": "')
            chunk = "x" * (1 << 20)
            for _ in range(megabytes):
                handle.write(chunk)
            handle.write('"}\n{"pmid": "2", "title": "after", "abstract": "a"}\n')
        start = time.perf_counter()
        items = list(read_jsonl(str(path)))
        seconds = time.perf_counter() - start
    kinds = [type(item).__name__ for item in items]
    return {"seconds": round(seconds, 2), "items": kinds}


def long_article() -> dict:
    from miner import records
    from miner.extract import Extractor

    text = ("The weather was mild and the samples were collected in spring. " * 28_000) + FINDING
    article = records.Article(pmid="1", title="Gut microbiota in depression", sections=(records.Section(text),))
    extractor = Extractor(ROOT / "miner" / "pipelines" / "miner.cfg")
    _ = extractor.nlp  # load the pipeline before timing
    start = time.perf_counter()
    [(_, relations)] = list(extractor.extract([article]))
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 2),
        "characters": len(text),
        "relations": len(relations) if isinstance(relations, list) else relations.reason,
    }


def deep_italics() -> dict:
    import io

    from miner.parse import read_pubmed

    depth = 2_000
    nested = "<i>" * depth + "Blautia" + "</i>" * depth
    record = (
        f"<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>t</ArticleTitle><Abstract>"
        f"<AbstractText>{nested} rose.</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>"
    )
    data = f"<PubmedArticleSet>{record * 100}</PubmedArticleSet>".encode()
    start = time.perf_counter()
    items = list(read_pubmed(io.BytesIO(data)))
    return {"seconds": round(time.perf_counter() - start, 3), "records": len(items)}


CASES = {
    "JSON Lines line of 60 MB (read; over 2 M chars: skipped)": lambda: jsonl_line(60),
    "JSON Lines line of 300 MB (over the cap: skipped)": lambda: jsonl_line(300),
    "article of 1.8 M characters (extracted in pieces)": long_article,
    "100 records with <i> nested 2,000 deep (parsed)": deep_italics,
}


def child(name: str) -> None:
    figures = CASES[name]()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    results = {}
    for name in CASES:
        done = subprocess.run(
            [sys.executable, __file__, "--child", name], capture_output=True, text=True, env=os.environ
        )
        if done.returncode != 0:
            sys.exit(f"{name}: {done.stderr.strip().splitlines()[-1]}")
        results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{name:<58} {json.dumps(results[name])}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
