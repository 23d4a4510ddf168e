"""Score study facts against annotations made by GUIDELINES.md, or two annotation files against
each other.

    python corpus/study_facts/score.py GOLD.jsonl TEXTS.jsonl [PRED.jsonl]
    python corpus/study_facts/score.py A.jsonl --against B.jsonl

The first form scores PRED (or, without it, `miner.study_facts.study_facts` run on the title and
abstract of TEXTS, {"pmid", "title", "abstract"} lines, without publication types) on the PMIDs of
GOLD; a PMID GOLD has and PRED lacks counts as predicted empty. The second compares two annotation
files on the PMIDs both hold (A in the place of gold).
For the list fields: micro precision, recall and F1 over (pmid, value) pairs, and per design value;
for the numbers: the share of exact matches among the abstracts where either side gives one, with
the counts; in the agreement form also Cohen's kappa per design value (present or absent).
Imports: stdlib, `miner.study_facts` (only without PRED).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

LISTS = ("design", "host", "body_sites", "methods", "countries")
NUMBERS = ("sample_size", "cases", "controls")


def read_jsonl(path: str) -> dict[str, dict]:
    """pmid → record of a JSON Lines file (blank lines skipped; a later line for a PMID wins)."""
    found = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}: line {number} is not JSON ({exc.msg})")
            found[str(record["pmid"])] = record
    return found


def predict(texts: dict[str, dict]) -> dict[str, dict]:
    from miner.study_facts import study_facts

    return {pmid: study_facts(t.get("title") or "", t.get("abstract") or "").to_json() for pmid, t in texts.items()}


def values(record: dict | None, field: str) -> set[str]:
    """The field's values, compared without case and surrounding spaces."""
    return {str(value).strip().casefold() for value in (record or {}).get(field) or () if str(value).strip()}


def number(record: dict | None, field: str) -> int | None:
    value = (record or {}).get(field)
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def prf(
    gold: dict[str, dict], pred: dict[str, dict], pmids: list[str], field: str, only: str | None = None
) -> tuple[int, int, int]:
    """True positives, false positives, false negatives over (pmid, value) pairs (of one value with `only`)."""
    tp = fp = fn = 0
    for pmid in pmids:
        wanted, got = values(gold.get(pmid), field), values(pred.get(pmid), field)
        if only is not None:
            wanted, got = wanted & {only}, got & {only}
        tp, fp, fn = tp + len(wanted & got), fp + len(got - wanted), fn + len(wanted - got)
    return tp, fp, fn


def ratios(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def number_agreement(gold: dict[str, dict], pred: dict[str, dict], pmids: list[str], field: str) -> dict[str, int]:
    """Counts over the abstracts where either side gives the number: exact matches among them,
    and how many each side (and both) give."""
    pairs = [(number(gold.get(p), field), number(pred.get(p), field)) for p in pmids]
    either = [(g, p) for g, p in pairs if g is not None or p is not None]
    return {
        "scored": len(either),
        "exact": sum(g == p for g, p in either),
        "gold": sum(g is not None for g, _ in either),
        "predicted": sum(p is not None for _, p in either),
        "both": sum(g is not None and p is not None for g, p in either),
    }


def kappa(a: list[bool], b: list[bool]) -> float | None:
    """Cohen's kappa of two raters' yes/no labels; None when chance agreement is total."""
    n = len(a)
    if not n:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def report(gold: dict[str, dict], pred: dict[str, dict], pmids: list[str], *, agreement: bool = False) -> str:
    lines = [f"{len(pmids)} abstracts", "", f"{'field':<34}{'tp':>6}{'fp':>6}{'fn':>6}{'P':>8}{'R':>8}{'F1':>8}"]
    for field in LISTS:
        lines.append(_row(field, prf(gold, pred, pmids, field)))
    lines += ["", "design, per value" + ("  (kappa: present or absent, A vs B)" if agreement else "")]
    spelling = {
        str(v).strip().casefold(): str(v).strip()  # the labels as written, compared without case
        for side in (pred, gold)
        for p in pmids
        for v in (side.get(p) or {}).get("design") or ()
    }
    for label in sorted(spelling):
        row = _row(f"  {spelling[label]}", prf(gold, pred, pmids, "design", label))
        if agreement:
            k = kappa(
                [label in values(gold.get(p), "design") for p in pmids],
                [label in values(pred.get(p), "design") for p in pmids],
            )
            row += f"   kappa {k:.2f}" if k is not None else "   kappa n/a"
        lines.append(row)
    lines += ["", f"{'number':<14}{'accuracy':>9}   where either gives one"]
    for field in NUMBERS:
        c = number_agreement(gold, pred, pmids, field)
        accuracy = f"{c['exact'] / c['scored']:.3f}" if c["scored"] else "n/a"
        first, second = ("A", "B") if agreement else ("gold", "prediction")
        lines.append(
            f"{field:<14}{accuracy:>9}   {c['exact']} exact of {c['scored']} ({first} gives {c['gold']}, "
            f"{second} {c['predicted']}, both {c['both']})"
        )
    return "\n".join(lines)


def _row(name: str, counts: tuple[int, int, int]) -> str:
    precision, recall, f1 = ratios(*counts)
    return f"{name:<34}{counts[0]:>6}{counts[1]:>6}{counts[2]:>6}{precision:>8.3f}{recall:>8.3f}{f1:>8.3f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold", help="annotations (GOLD.jsonl, or A.jsonl with --against)")
    parser.add_argument("texts", nargs="?", help="TEXTS.jsonl: {pmid, title, abstract} lines")
    parser.add_argument("pred", nargs="?", help="PRED.jsonl: predictions to score instead of running miner")
    parser.add_argument("--against", metavar="B.jsonl", help="compare two annotation files on their common PMIDs")
    args = parser.parse_args(argv)
    gold = read_jsonl(args.gold)
    if args.against:
        if args.texts or args.pred:
            parser.error("--against takes no TEXTS or PRED")
        other = read_jsonl(args.against)
        print(report(gold, other, sorted(set(gold) & set(other)), agreement=True))
        return
    if not args.texts:
        parser.error("TEXTS.jsonl is needed (or --against B.jsonl)")
    if args.pred:
        pred = read_jsonl(args.pred)
    else:
        texts = read_jsonl(args.texts)
        missing = sorted(set(gold) - set(texts))
        if missing:
            sys.exit(f"{args.texts} has no text for {len(missing)} annotated PMIDs (first: {missing[0]})")
        pred = predict({pmid: texts[pmid] for pmid in gold})
    print(report(gold, pred, sorted(gold)))


if __name__ == "__main__":
    main()
