"""The `miner_decision` component: a learned decision over the rules' relation candidates.

`miner_relations` proposes candidates (`doc._.candidates`), each with named features and
whether the rules accept it. This component scores each candidate with a logistic model (a
plain feature → weight table trained by `miner train`, shipped as JSON in `miner/pipelines/`), takes
each (taxon, descriptor, direction, subject) at its best-scoring mention, turns that score into a
calibrated probability (Platt scaling fitted on cross-validated scores), and writes the findings
to `doc._.findings` with that probability as their confidence:
- `decide` names the way of deciding (`DECISIONS`): "model" keeps what reaches the threshold,
  "rules" what the rules accept (the model only gives the confidence), "rules and model" what
  both keep, "rules or model" what either keeps. By default (null) it is the one `miner train`
  chose by cross-validated F1 and stored with the model; the threshold is the model's own, chosen
  by cross-validation, unless the config sets one.
Imports: spaCy, stdlib, `miner.extract.relations`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from miner.extract.relations import Finding

MODEL_FORMAT = 1

# How a (taxon, descriptor, direction, subject) is kept, given whether the rules accept it and the
# model's calibrated probability p against the threshold t.
DECISIONS: dict[str, Callable[[bool, float, float], bool]] = {
    "rules and model": lambda rule, p, t: rule and p >= t,
    "model": lambda rule, p, t: p >= t,
    "rules": lambda rule, p, t: rule,
    "rules or model": lambda rule, p, t: rule or p >= t,
}


@dataclass
class Model:
    """Feature weights, Platt calibration of triple scores, and the decision threshold."""

    weights: dict[str, float]
    calibration: tuple[float, float] = (1.0, 0.0)  # p = sigmoid(a * score + b)
    threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    def score(self, features: Sequence[str]) -> float:
        return feature_score(self.weights, features)

    def probability(self, score: float) -> float:
        a, b = self.calibration
        return sigmoid(a * score + b)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "threshold": round(self.threshold, 4),
            "calibration": [round(self.calibration[0], 6), round(self.calibration[1], 6)],
            "meta": self.meta,
            "weights": {name: round(weight, 6) for name, weight in sorted(self.weights.items()) if abs(weight) >= 1e-6},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"relation model format {data.get('format')!r}, expected {MODEL_FORMAT}")
        a, b = data["calibration"]
        return cls(dict(data["weights"]), (float(a), float(b)), float(data["threshold"]), dict(data.get("meta", {})))

    @classmethod
    def load(cls, path: str | Path) -> Model:
        try:
            return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise ValueError(f"cannot read relation model {path}: {exc.strerror}") from exc
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a relation model ({exc})") from exc


def feature_score(weights: Mapping[str, float], features: Sequence[str]) -> float:
    """The logistic model's score of a candidate: the sum of its features' weights."""
    return sum(weights.get(f, 0.0) for f in features)


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def finding_key(finding: Finding) -> tuple[int | str, str, str, str]:
    """What one stored relation is: (taxon, descriptor, direction, subject)."""
    ref = finding.taxon._.taxon
    return (ref.taxid or ref.name.lower(), finding.disorder.mesh, finding.direction, finding.subject)


def decide(candidates: Sequence[Finding], model: Model, threshold: float, by: str = "model") -> list[Finding]:
    """The findings among the candidates, each at its best mention, with calibrated confidence;
    `by` names the way of deciding (`DECISIONS`)."""
    keep = DECISIONS[by]
    best: dict[tuple[int | str, str, str, str], tuple[float, Finding]] = {}
    accepted: set[tuple[int | str, str, str, str]] = set()
    for candidate in candidates:
        key = finding_key(candidate)
        score = model.score(candidate.features)
        if key not in best or score > best[key][0]:
            best[key] = (score, candidate)
        if not candidate.reject:
            accepted.add(key)
    findings = []
    for key, (score, candidate) in best.items():
        probability = model.probability(score)
        if keep(key in accepted, probability, threshold):
            findings.append(replace(candidate, confidence=round(probability, 3)))
    return sorted(findings, key=lambda f: (f.sentence.start, f.taxon.start))


class RelationDecision:
    def __init__(self, nlp: Language, name: str, decide: str | None, threshold: float | None):
        if decide is not None and decide not in DECISIONS:
            raise ValueError(f"miner_decision: decide must be one of {', '.join(map(repr, DECISIONS))}, not {decide!r}")
        self.name = name
        self.decide_by = decide
        self.threshold = threshold
        self.model: Model | None = None

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        model: str,
    ) -> None:
        self.model = Model.load(model)
        if self.decide_by is None:
            self.decide_by = self.model.meta.get("decide", "model")

    def __call__(self, doc: Doc) -> Doc:
        if self.model is None or self.decide_by is None:
            raise ValueError("miner_decision used before initialize()")
        threshold = self.model.threshold if self.threshold is None else self.threshold
        doc._.findings = decide(doc._.candidates or [], self.model, threshold, self.decide_by)
        return doc


@Language.factory(
    "miner_decision",
    requires=["doc._.candidates"],
    assigns=["doc._.findings"],
    default_config={"decide": None, "threshold": None},
)
def make_relation_decision(nlp: Language, name: str, decide: str | None, threshold: float | None) -> RelationDecision:
    return RelationDecision(nlp, name, decide, threshold)
