"""Assemble corpus/annotations/ from the annotators' batch folders (a one-off, kept as the record of
how the corpus was made; see README.md).

Each batch folder holds texts.jsonl (what the annotator was given) and annotations.jsonl (what they
wrote). The first annotation of each PMID (its primary batch in plan.json) goes to
gutbrainie.jsonl, the second annotation of a double-annotated PMID to gutbrainie_second.jsonl.
Taxa get their NCBI taxid where the name is exactly one taxon's name in miner/pipelines/taxa/names.tsv.gz
(scientific, current or synonym; case ignored), as the gold files do.
Usage: python corpus/assemble.py /work/annot
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent


def taxid_index() -> dict[str, set[int]]:
    index: dict[str, set[int]] = {}
    with gzip.open(HERE.parent / "miner" / "pipelines" / "taxa" / "names.tsv.gz", "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["kind"] in ("scientific", "current", "synonym"):
                index.setdefault(row["name"].lower(), set()).add(int(row["taxid"]))
    return index


def main(folder: str) -> None:
    root = Path(folder)
    plan = json.loads((root / "plan.json").read_text())
    primary = {pmid: batch for batch, pmids in plan["primary"].items() for pmid in pmids}
    index = taxid_index()
    first, second = {}, {}
    for batch in sorted(plan["primary"]):
        for line in (root / batch / "annotations.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for relation in record["relations"]:
                ids = index.get(relation["taxon"].replace("[", "").replace("]", "").lower(), set())
                relation["taxid"] = next(iter(ids)) if len(ids) == 1 else None
            record["annotator"] = batch
            (first if primary[record["pmid"]] == batch else second)[record["pmid"]] = record
    out = HERE / "annotations"
    for name, records in (("gutbrainie.jsonl", first), ("gutbrainie_second.jsonl", second)):
        with open(out / name, "w", encoding="utf-8") as handle:
            for pmid in sorted(records):
                handle.write(json.dumps(records[pmid], ensure_ascii=False) + "\n")
    print(
        f"{len(first)} abstracts, {sum(len(r['relations']) for r in first.values())} relations; "
        f"{len(second)} double-annotated"
    )


if __name__ == "__main__":
    main(sys.argv[1])
