"""Write the abstracts of the corpus annotations as JSON Lines, from the GutBrainIE article files.

The corpus keeps annotations only; its texts are GutBrainIE's copies of the PubMed records
(../shared/data/third_party/gutbrainie2025/articles/*.json, {pmid: {title, abstract, ...}}).
Usage: python corpus/texts.py ARTICLES_DIR ANNOTATIONS.jsonl... > texts.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(folder: str, annotations: list[str]) -> None:
    wanted = {
        json.loads(line)["pmid"]
        for path in annotations
        for line in Path(path).read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    found = {}
    for path in sorted(Path(folder).glob("*.json")):
        for pmid, article in json.loads(path.read_text(encoding="utf-8")).items():
            if pmid in wanted and pmid not in found:
                found[pmid] = {
                    "pmid": pmid,
                    "title": article.get("title") or "",
                    "abstract": article.get("abstract") or "",
                }
    missing = sorted(wanted - set(found))
    if missing:
        sys.exit(f"no GutBrainIE text for {len(missing)} annotated PMIDs (first: {missing[0]})")
    for pmid in sorted(found):
        sys.stdout.write(json.dumps(found[pmid], ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
