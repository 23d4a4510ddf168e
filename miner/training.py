"""Train and cross-validate the learned relation decision (`miner_decision`) on annotated abstracts.

1. `collect`: run the pipeline's rules over annotated abstracts and keep every relation candidate
   (`doc._.candidates`) with its features, whether the rules accept it, and its label: does the
   abstract's gold record hold the same (taxon, disorder group, direction)? Taxa match as the
   scorer matches them (taxid, else name).
2. `fit`: an L2-regularised logistic regression over the binary features (scikit-learn, used only
   here: the pipeline reads the weights as a plain name → weight table), then Platt scaling of
   triple scores (a triple scores as its best mention) so that confidence is a probability, and
   the decision threshold: the best F1 whose precision stays at or above `min_precision`.
   Calibration and threshold come from inner cross-validated scores, never from the abstracts
   the weights were fitted on.
3. `cross_validate`: k folds by abstract, repeated over seeds; every fold is scored by the
   guidelines' rules (`miner.evaluate.score`) for each way of deciding (`DECISIONS`), and the
   out-of-fold confidences give a reliability table (confidence bins → precision).
Imports: stdlib, scikit-learn (lazily), `miner.{records,evaluate,errors,parse,resources}`,
`miner.extract.{decision,extractor,pipeline}`.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from miner import records
from miner.evaluate import (
    RELIABILITY_BINS,
    Score,
    precision_from,
    reliability,
    same_taxon,
    score,
    scored_triples,
    taxon_key,
)
from miner.extract.decision import DECISIONS, Model, feature_score, sigmoid
from miner.extract.extractor import prepared_docs


@dataclass(frozen=True)
class Candidate:
    """One mention-level candidate of one annotated abstract, as a training row."""

    pmid: str
    taxid: int | None
    taxon: str
    mesh: str
    group: str
    direction: str
    subject: str
    features: tuple[str, ...]
    rule: bool  # the rules alone accept it
    rule_confidence: float
    label: bool
    evidence: str = ""

    @property
    def triple(self) -> tuple:
        """The scorer's unit: (taxon, group, direction)."""
        return (self.taxid or self.taxon.lower(), self.group, self.direction)

    def relation(self, confidence: float) -> dict:
        return {
            "taxon": self.taxon,
            "taxid": self.taxid,
            "mesh": self.mesh,
            "direction": self.direction,
            "subject": self.subject,
            "confidence": confidence,
            "evidence": self.evidence,
        }


def collect(
    nlp, articles: Iterable[records.Article], gold: Mapping[str, list[dict]], groups: Mapping[str, str]
) -> list[Candidate]:
    """Every candidate of the annotated abstracts, labelled against their gold records."""
    rows: list[Candidate] = []
    for doc, article in nlp.pipe(prepared_docs(nlp, articles), as_tuples=True):
        truth = [(taxon_key(r), groups.get(str(r.get("mesh"))), r.get("direction")) for r in gold.get(article.pmid, [])]
        for finding in doc._.candidates or []:
            ref = finding.taxon._.taxon
            key = taxon_key({"taxon": ref.name, "taxid": ref.taxid})
            label = any(
                same_taxon(t, key) and g == finding.disorder.group and d == finding.direction for t, g, d in truth
            )
            rows.append(
                Candidate(
                    article.pmid,
                    ref.taxid,
                    ref.name,
                    finding.disorder.mesh,
                    finding.disorder.group,
                    finding.direction,
                    finding.subject,
                    finding.features,
                    not finding.reject,
                    finding.confidence,
                    label,
                    finding.sentence.text.strip(),
                )
            )
    return rows


def fit_weights(rows: Sequence[Candidate], c: float) -> dict[str, float]:
    """Logistic regression weights; the intercept is the weight of the "bias" feature."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    labels = [row.label for row in rows]
    if len(set(labels)) < 2:
        return {"bias": 4.0 if labels and labels[0] else -4.0}
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([dict.fromkeys(row.features, 1) for row in rows])
    model = LogisticRegression(C=c, max_iter=5000, fit_intercept=False)
    model.fit(matrix, labels)
    return {name: float(w) for name, w in zip(vectorizer.get_feature_names_out(), model.coef_[0], strict=True)}


@dataclass
class Triple:
    """A scored (pmid, taxon, group, direction): its best mention and whether it is in the gold."""

    pmid: str
    score: float
    row: Candidate
    rule: bool
    label: bool


def triples(rows: Sequence[Candidate], weights: Mapping[str, float]) -> list[Triple]:
    best: dict[tuple, Triple] = {}
    for row in rows:
        value = feature_score(weights, row.features)
        key = (row.pmid, row.triple)
        known = best.get(key)
        if known is None:
            best[key] = Triple(row.pmid, value, row, row.rule, row.label)
            continue
        known.rule = known.rule or row.rule
        if value > known.score:
            known.score, known.row = value, row
    return list(best.values())


def fit(
    rows: Sequence[Candidate],
    gold: Mapping[str, list[dict]],
    groups: Mapping[str, str],
    *,
    c: float = 0.3,
    min_precision: float = 0.85,
    inner_folds: int = 4,
    seed: int = 0,
    decision: str = "model",
) -> Model:
    """Weights from all rows; calibration and threshold from inner cross-validated scores."""
    pmids = sorted(set(gold))
    scored: list[tuple[float, bool, bool]] = []  # out-of-fold (score, rule, label) per triple
    for part in folds(pmids, inner_folds, seed):
        held = set(part)
        weights = fit_weights([r for r in rows if r.pmid not in held], c)
        scored += [(t.score, t.rule, t.label) for t in triples([r for r in rows if r.pmid in held], weights)]
    calibration = platt([(s, y) for s, _, y in scored])
    gold_total = sum(len(scored_triples(gold[p], groups)) for p in pmids)
    probabilities = [(sigmoid(calibration[0] * s + calibration[1]), rule, y) for s, rule, y in scored]
    threshold = best_threshold(probabilities, gold_total, min_precision, DECISIONS[decision])
    meta = {
        "decide": decision,
        "c": c,
        "min_precision": min_precision,
        "abstracts": len(pmids),
        "candidates": len(rows),
    }
    return Model(fit_weights(rows, c), calibration, threshold, meta)


def platt(scored: Sequence[tuple[float, bool]]) -> tuple[float, float]:
    """(a, b) of p = sigmoid(a * score + b), fitted on held-out scores."""
    from sklearn.linear_model import LogisticRegression

    labels = [y for _, y in scored]
    if len(set(labels)) < 2:
        return (1.0, 0.0)
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit([[s] for s, _ in scored], labels)
    return (float(model.coef_[0][0]), float(model.intercept_[0]))


def best_threshold(scored: Sequence[tuple[float, bool, bool]], gold_total: int, min_precision: float, keep) -> float:
    """The threshold with the best F1 among those whose precision reaches `min_precision` (the
    best F1 overall when none does)."""
    best = (False, -1.0, 0.5)
    for threshold in sorted({round(p, 3) for p, _, _ in scored} | {0.5}):
        kept = [y for p, rule, y in scored if keep(rule, p, threshold)]
        tp = sum(kept)
        precision = tp / len(kept) if kept else 0.0
        recall = tp / gold_total if gold_total else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        candidate = (precision >= min_precision, round(f1, 6), threshold)
        if candidate[:2] > best[:2]:
            best = candidate
    return best[2]


def folds(pmids: Sequence[str], k: int, seed: int) -> list[list[str]]:
    order = sorted(pmids)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def predict(
    model: Model, rows: Sequence[Candidate], decision: str = "model"
) -> tuple[dict[str, list[dict]], list[tuple[float, bool]]]:
    """pmid → the relations kept, with calibrated confidence; and (confidence, correct) of each."""
    out: dict[str, list[dict]] = defaultdict(list)
    kept: list[tuple[float, bool]] = []
    keep = DECISIONS[decision]
    for t in triples(rows, model.weights):
        p = model.probability(t.score)
        if keep(t.rule, p, model.threshold):
            out[t.pmid].append(t.row.relation(round(p, 4)))
            kept.append((p, t.label))
    return out, kept


@dataclass
class CrossValidation:
    scores: dict[str, list[Score]] = field(default_factory=lambda: defaultdict(list))
    kept: dict[str, list[tuple[float, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # out-of-fold (confidence, correct)
    rules_kept: list[tuple[float, bool]] = field(default_factory=list)  # the rules' own confidence
    thresholds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_source: dict[str, dict[str, list[dict]]] = field(
        default_factory=lambda: defaultdict(dict)
    )  # decision → pmid → relations


def cross_validate(
    rows: Sequence[Candidate],
    gold: Mapping[str, list[dict]],
    groups: Mapping[str, str],
    *,
    k: int = 5,
    seeds: Sequence[int] = (0,),
    c: float = 0.3,
    min_precision: float = 0.85,
) -> CrossValidation:
    result = CrossValidation()
    pmids = sorted(gold)
    by_pmid: dict[str, list[Candidate]] = defaultdict(list)
    for row in rows:
        by_pmid[row.pmid].append(row)
    for seed in seeds:
        for part in folds(pmids, k, seed):
            held = set(part)
            train = [r for p in pmids if p not in held for r in by_pmid[p]]
            test = [r for p in part for r in by_pmid[p]]
            train_gold = {p: gold[p] for p in pmids if p not in held}
            fold_gold = {p: gold[p] for p in part}
            for decision in DECISIONS:
                model = fit(train, train_gold, groups, c=c, min_precision=min_precision, seed=seed, decision=decision)
                predicted, kept = predict(model, test, decision)
                result.scores[decision].append(score(fold_gold, predicted, groups))
                result.kept[decision] += kept
                result.thresholds[decision].append(model.threshold)
                if seed == seeds[0]:
                    result.by_source[decision].update({p: predicted.get(p, []) for p in part})
            result.rules_kept += [(t.row.rule_confidence, t.label) for t in triples(test, {}) if t.rule]
    return result


def best_decision(result: CrossValidation, min_precision: float) -> str:
    """The way of deciding with the best mean F1 (to three places) among those whose mean
    precision reaches `min_precision`; ties go to the earlier one in `DECISIONS`."""
    figures = {name: summary(result.scores[name]) for name in DECISIONS}
    allowed = [name for name in DECISIONS if figures[name]["precision"]["mean"] >= min_precision] or list(DECISIONS)
    return max(allowed, key=lambda name: (figures[name]["f1"]["mean"], -list(DECISIONS).index(name)))


def summary(scores: Sequence[Score]) -> dict:
    """Mean and standard deviation over folds of triple P/R/F1 and direction accuracy."""

    def stats(values: list[float]) -> dict:
        return {
            "mean": round(statistics.fmean(values), 3),
            "sd": round(statistics.stdev(values), 3) if len(values) > 1 else 0.0,
        }

    return {
        "precision": stats([s.triple.precision for s in scores]),
        "recall": stats([s.triple.recall for s in scores]),
        "f1": stats([s.triple.f1 for s in scores]),
        "direction_accuracy": stats([s.direction_accuracy for s in scores]),
    }


def trusted_confidence(judged: Sequence[tuple[float | None, bool]], floor: float = 0.85, evidence: int = 20) -> float:
    """The lowest bin edge from which every confidence bin of the reliability table is right at
    least `floor` of the time on at least `evidence` triples: conflicts and the digest count
    claims from there on."""
    trusted = 1.0
    # a row per bin, so the last edge pairs with none
    for row, low in reversed(list(zip(reliability(judged), RELIABILITY_BINS, strict=False))):
        if row["triples"] < evidence or (row["precision"] or 0.0) < floor:
            break
        trusted = low
    return trusted


def report(
    result: CrossValidation, abstracts: int, chosen: str, k: int, seeds: Sequence[int], sources: Mapping[str, int]
) -> dict:
    """What `miner train` writes to miner/pipelines/quality.json and prints."""
    figures = {name: summary(scores) for name, scores in result.scores.items()}
    judged = result.kept[chosen]
    best = figures[chosen]
    return {
        "_about": "Extraction quality measured by `miner train` (README, Quality): k-fold cross-validation by "
        "abstract over the annotated corpus, repeated over seeds. The digest quotes held_out; conflicts and the "
        "digest count claims from trusted_confidence on.",
        "measured": "",
        "corpus": {"abstracts": abstracts, **sources},
        "cross_validation": {"folds": k, "seeds": list(seeds), "decisions": figures, "chosen": chosen},
        "held_out": {
            "abstracts": abstracts,
            "triple_precision": best["precision"]["mean"],
            "triple_recall": best["recall"]["mean"],
            "triple_f1": best["f1"]["mean"],
            "direction_accuracy": best["direction_accuracy"]["mean"],
        },
        "reliability": reliability(judged),
        "precision_from": [precision_from(judged, t) for t in (0.5, 0.6, 0.7, 0.8, 0.9)],
        "trusted_confidence": trusted_confidence(judged),
    }


def load_corpus(
    gold_paths: Sequence[str | Path], text_paths: Sequence[str | Path]
) -> tuple[dict[str, list[dict]], dict[str, records.Article], dict[str, int]]:
    """The annotated abstracts: gold records from every gold file (a PMID annotated twice keeps
    its first record), their texts from the text files (PubMed XML or JSON Lines), and how many
    abstracts each gold file gave."""
    from miner.errors import ParseError
    from miner.evaluate import read_records as read_gold
    from miner.parse import read_records as read_texts

    gold: dict[str, list[dict]] = {}
    sources: dict[str, int] = {}
    for path in gold_paths:
        records_ = read_gold(path)
        fresh = {p: r for p, r in records_.items() if p not in gold}
        gold.update(fresh)
        sources[Path(path).name] = len(fresh)
    articles: dict[str, records.Article] = {}
    for path in text_paths:
        for item in read_texts(str(path)):
            if isinstance(item, records.Article) and item.pmid in gold:
                articles.setdefault(item.pmid, item)
    missing = sorted(set(gold) - set(articles))
    if missing:
        raise ParseError(
            f"no text for {len(missing)} annotated abstracts (first: {missing[0]}); pass their files with --texts"
        )
    return gold, articles, sources


def train(
    config_path: str | Path,
    gold_paths: Sequence[str | Path],
    text_paths: Sequence[str | Path],
    groups: Mapping[str, str],
    *,
    k: int = 5,
    seeds: Sequence[int] = (0, 1, 2),
    c: float = 0.3,
    min_precision: float = 0.85,
    decision: str = "auto",
    write: bool = True,
) -> dict:
    """Cross-validate every way of deciding, fit the chosen one ("auto": the best cross-validated
    F1 whose precision reaches `min_precision`) on all abstracts, and (with `write`) save the
    model and the quality report beside the pipeline config."""
    import datetime
    import json

    from miner.extract.pipeline import load_pipeline
    from miner.resources import pipeline_config

    gold, articles, sources = load_corpus(gold_paths, text_paths)
    nlp = load_pipeline(config_path, exclude=("decision",))
    rows = collect(nlp, (articles[p] for p in sorted(gold)), gold, groups)
    result = cross_validate(rows, gold, groups, k=k, seeds=seeds, c=c, min_precision=min_precision)
    if decision == "auto":
        decision = best_decision(result, min_precision)
    quality = report(result, len(gold), decision, k, seeds, sources)
    quality["measured"] = datetime.date.today().isoformat()
    model = fit(rows, gold, groups, c=c, min_precision=min_precision, decision=decision)
    model.meta["trained"] = quality["measured"]
    if write:
        folder = pipeline_config(config_path).parent
        (folder / "relation_model.json").write_text(
            json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (folder / "quality.json").write_text(json.dumps(quality, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    quality["threshold"] = model.threshold
    return quality


def report_lines(quality: dict) -> list[str]:
    cv = quality["cross_validation"]
    lines = [
        f"{quality['corpus']['abstracts']} annotated abstracts, {cv['folds']}-fold cross-validation "
        f"× {len(cv['seeds'])} seeds (mean ± sd over folds)"
    ]
    for name, figures in cv["decisions"].items():
        mark = "*" if name == cv["chosen"] else " "
        lines.append(
            f"{mark} {name:16s} P {figures['precision']['mean']:.3f} ± {figures['precision']['sd']:.3f}  "
            f"R {figures['recall']['mean']:.3f} ± {figures['recall']['sd']:.3f}  "
            f"F1 {figures['f1']['mean']:.3f} ± {figures['f1']['sd']:.3f}  "
            f"direction {figures['direction_accuracy']['mean']:.3f}"
        )
    lines.append(
        f"decision threshold {quality.get('threshold', 0):.3f}; "
        f"trusted from confidence {quality['trusted_confidence']:.2f}"
    )
    lines.append("confidence  triples  precision")
    lines += [
        f"{row['confidence']:10s}  {row['triples']:7d}  "
        f"{'—' if row['precision'] is None else format(row['precision'], '.3f')}"
        for row in quality["reliability"]
    ]
    return lines
