"""Score extracted relations against gold annotations, by the rules of the annotation guidelines.

A predicted triple (pmid, taxon, disorder group, direction) is a true positive when the gold
record of that PMID has the same triple; taxa match on NCBI taxid when both sides have one,
otherwise on the scientific name (case and brackets ignored). Each record's triples are made
unique and matched one to one; precision, recall and F1 are micro-averaged. Pair scores ignore
the direction; direction accuracy is correct triples over matched pairs. Relations whose
direction is not increased/decreased/unchanged, or whose MeSH descriptor has no group, are not
scored. Only PMIDs in the gold file count; a PMID missing from the predictions predicts nothing.
Imports: stdlib, `miner.errors`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from miner.errors import ParseError

SCORED_DIRECTIONS = ("increased", "decreased", "unchanged")

Triple = tuple[tuple[str | None, str], str, str | None]  # ((taxid, name), group, direction)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class Error:
    pmid: str
    kind: str  # missed or extra
    taxon: str
    taxid: str | None
    group: str
    direction: str
    evidence: str = ""


@dataclass
class Score:
    triple: Counts = field(default_factory=Counts)
    pair: Counts = field(default_factory=Counts)
    abstracts: int = 0
    errors: list[Error] = field(default_factory=list)
    judged: list[tuple[float | None, bool]] = field(default_factory=list)  # (confidence, right) of each prediction

    @property
    def direction_accuracy(self) -> float:
        return self.triple.tp / self.pair.tp if self.pair.tp else 0.0

    def to_json(self) -> dict:
        return {
            "triple": self.triple.to_json(),
            "pair": self.pair.to_json(),
            "direction_accuracy_on_matched_pairs": round(self.direction_accuracy, 4),
            "abstracts": self.abstracts,
            "reliability": reliability(self.judged),
        }

    def lines(self, errors: int = 0) -> list[str]:
        out = [
            f"{name:7s} P={c.precision:.3f} R={c.recall:.3f} F1={c.f1:.3f} (tp={c.tp} fp={c.fp} fn={c.fn})"
            for name, c in (("triple", self.triple), ("pair", self.pair))
        ]
        out.append(
            f"direction accuracy on matched pairs: {self.direction_accuracy:.3f} over {self.abstracts} abstracts"
        )
        if any(confidence is not None for confidence, _ in self.judged):
            out.append("confidence  triples  precision")
            out += [
                f"{row['confidence']:10s}  {row['triples']:7d}  {_share(row['precision'])}"
                for row in reliability(self.judged)
            ]
        for error in self.errors[:errors]:
            out.append(
                f"  {error.kind:6s} {error.pmid} {error.taxon} ({error.taxid}) | {error.group} | {error.direction}"
            )
            if error.evidence:
                out.append(f"         “{error.evidence[:300]}”")
        return out


def read_records(path: str | Path) -> dict[str, list[dict]]:
    """pmid → relations of a JSON Lines file in the guidelines' record format."""
    records: dict[str, list[dict]] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ParseError(f"{path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            records.setdefault(str(record["pmid"]), []).extend(record.get("relations") or [])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ParseError(f"{path}:{number}: not a relation record ({exc})") from exc
    return records


def score(gold: Mapping[str, list[dict]], predicted: Mapping[str, list[dict]], groups: Mapping[str, str]) -> Score:
    """Score `predicted` against `gold`; `groups` maps MeSH descriptors to scoring groups."""
    result = Score(abstracts=len(gold))
    for pmid, gold_relations in gold.items():
        predicted_relations = predicted.get(pmid, [])
        for _level, counts, with_direction in (("triple", result.triple, True), ("pair", result.pair, False)):
            gold_triples = scored_triples(gold_relations, groups, with_direction)
            matched, missed, extra = _match(gold_triples, scored_triples(predicted_relations, groups, with_direction))
            counts.tp += len(matched)
            counts.fp += len(extra)
            counts.fn += len(missed)
            if with_direction:
                result.errors += [_error(pmid, "missed", t, gold_relations, groups) for t in missed]
                result.errors += [_error(pmid, "extra", t, predicted_relations, groups) for t in extra]
                result.judged += [(_confidence(t, predicted_relations, groups), t in matched) for t in matched + extra]
    return result


def _confidence(triple: Triple, relations: list[dict], groups: Mapping[str, str]) -> float | None:
    """The highest confidence a prediction gives the triple (None when none gives one)."""
    (taxid, name), group, direction = triple
    values = [
        float(r["confidence"])
        for r in relations
        if isinstance(r.get("confidence"), (int, float))
        and r.get("direction") == direction
        and groups.get(str(r.get("mesh"))) == group
        and same_taxon(taxon_key(r), (taxid, name))
    ]
    return max(values) if values else None


RELIABILITY_BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def reliability(judged: Sequence[tuple[float | None, bool]], edges: Sequence[float] = RELIABILITY_BINS) -> list[dict]:
    """Confidence bins → how many predicted triples fall in each and the share that is right."""
    rated = [(p, right) for p, right in judged if p is not None]
    table = []
    for low, high in pairwise(edges):
        inside = [right for p, right in rated if low <= p < high or (high == edges[-1] and p == high)]
        table.append(
            {
                "confidence": f"{low:.1f}–{high:.1f}",
                "triples": len(inside),
                "precision": round(sum(inside) / len(inside), 3) if inside else None,
            }
        )
    return table


def precision_from(judged: Sequence[tuple[float | None, bool]], threshold: float) -> dict:
    """How many predicted triples have at least this confidence, and the share that is right."""
    kept = [right for p, right in judged if p is not None and p >= threshold]
    return {
        "confidence_at_least": threshold,
        "triples": len(kept),
        "precision": round(sum(kept) / len(kept), 3) if kept else None,
    }


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def taxon_key(relation: dict) -> tuple[str | None, str]:
    name = " ".join(re.sub(r"[\[\]]", "", str(relation.get("taxon") or "")).lower().split())
    taxid = relation.get("taxid")
    return (str(taxid) if taxid not in (None, "") else None, name)


def scored_triples(relations: Iterable[dict], groups: Mapping[str, str], with_direction: bool = True) -> list[Triple]:
    """The unique triples the scorer counts in a record's relations (pairs without direction)."""
    triples = []
    for relation in relations:
        group = groups.get(str(relation.get("mesh") or "").strip())
        if relation.get("direction") not in SCORED_DIRECTIONS or group is None:
            continue
        triples.append((taxon_key(relation), group, relation["direction"] if with_direction else None))
    return list(dict.fromkeys(triples))


def same_taxon(a: tuple[str | None, str], b: tuple[str | None, str]) -> bool:
    if a[0] and b[0]:
        return a[0] == b[0]
    return a[1] == b[1]


def _match(gold: list[Triple], predicted: list[Triple]) -> tuple[list[Triple], list[Triple], list[Triple]]:
    used: set[int] = set()
    matched: list[Triple] = []
    for triple in predicted:
        for i, candidate in enumerate(gold):
            if i not in used and candidate[1:] == triple[1:] and same_taxon(candidate[0], triple[0]):
                used.add(i)
                matched.append(triple)
                break
    missed = [g for i, g in enumerate(gold) if i not in used]
    extra = [p for p in predicted if p not in matched]
    return matched, missed, extra


def _error(pmid: str, kind: str, triple: Triple, relations: list[dict], groups: Mapping[str, str]) -> Error:
    (taxid, name), group, direction = triple
    evidence = next(
        (
            str(r.get("evidence") or "")
            for r in relations
            if same_taxon(taxon_key(r), (taxid, name))
            and groups.get(str(r.get("mesh"))) == group
            and r.get("direction") == direction
        ),
        "",
    )
    return Error(pmid, kind, name, taxid, group, direction or "", evidence)


def texts_beside(gold_path: str | Path) -> Path | None:
    """The abstracts of a gold file: "dev.jsonl" → "dev_texts.jsonl" (or .xml) beside it."""
    gold_path = Path(gold_path)
    for suffix in (".jsonl", ".xml", ".xml.gz"):
        candidate = gold_path.with_name(f"{gold_path.stem}_texts{suffix}")
        if candidate.is_file():
            return candidate
    return None
