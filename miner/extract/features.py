"""Describe a relation candidate for the learned decision: named binary features (strings).

A candidate is a taxon, the reading of its direction (`relations.Reading`) and one disorder
option (`relations.DisorderOption`) in one sentence. Its features say what the rules saw:
how the trigger binds the taxon and which trigger it is, where the disorder came from, what the
comparison's locus is, whether the rules turn it down and why (treatment, aim, other group…),
negation, the section and the sentence's place in the abstract, the abstract's kind (treatment
study, review, animal study) and the taxon's rank. (The clause's words as features lowered the
cross-validated F1, so there are none.) The names are stable strings, so a model's weights are
a plain name → weight table.
Imports: stdlib, `miner.extract.{attributes,scope,frame,context,relations}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from miner.extract.attributes import section_of
from miner.extract.context import DocContext
from miner.extract.frame import hedged, locus
from miner.extract.scope import Mark, SentenceView

if TYPE_CHECKING:  # the relation component imports this module
    from miner.extract.relations import DisorderOption, Reading

_SECTIONS = (
    ("title", ("TITLE",)),
    ("background", ("BACKGROUND", "INTRODUCTION", "CONTEXT", "RATIONALE")),
    ("objective", ("OBJECTIVE", "AIM", "PURPOSE", "GOAL")),
    (
        "methods",
        ("METHOD", "DESIGN", "SETTING", "PARTICIPANT", "PATIENT", "SUBJECT", "MATERIAL", "MEASURE", "PROCEDURE"),
    ),
    ("results", ("RESULT", "FINDING", "OUTCOME")),
    ("conclusions", ("CONCLUSION", "INTERPRETATION", "IMPLICATION", "DISCUSSION", "SIGNIFICANCE", "SUMMARY")),
)


def section_kind(label: str) -> str:
    """ "CONCLUSIONS AND RELEVANCE" → conclusions; "" → unlabeled."""
    upper = label.upper()
    for kind, stems in _SECTIONS:
        if any(stem in upper for stem in stems):
            return kind
    return "other" if label else "unlabeled"


def candidate_features(
    view: SentenceView, context: DocContext, taxon: Mark, reading: Reading, option: DisorderOption, aim: bool
) -> tuple[str, ...]:
    trigger = reading.trigger
    features = [
        "bias",
        f"how={reading.how}",
        f"source={option.source}",
        f"reject={'aim' if aim else reading.reject or option.reject or 'none'}",
        f"direction={reading.direction}",
        f"group={option.ref.group}",
        f"via={option.ref.via}",
        f"rank={taxon.mention._.taxon.rank or 'label'}",
        f"subject={context.subject}",
    ]
    if aim:
        features.append("aim")
    if hedged(view, *view.clause(reading.anchor.start)):
        features.append("hedged")
    if reading.reject:
        features.append(f"reading_reject={reading.reject}")
    if option.reject:
        features.append(f"option_reject={option.reject}")
    if trigger is not None:
        meaning = trigger.entry
        features += [
            f"kind={meaning.kind}",
            f"trigger={_phrase(view, trigger)}",
            f"kind_how={meaning.kind}|{reading.how}",
        ]
        if reading.direction != meaning.direction:
            features.append("flipped" if reading.direction != "unchanged" else "negated")
        features.append(f"locus={locus(view, trigger).kind}")
        features.append(f"distance={_bucket(abs(trigger.start - taxon.start))}")
    features += _doc_features(view, context, option)
    features += _sentence_features(view, taxon, trigger)
    return tuple(features)


def _phrase(view: SentenceView, mark: Mark) -> str:
    return " ".join(view.norm(i) for i in range(mark.start, mark.end))


def _bucket(n: int) -> str:
    return "0-2" if n <= 2 else "3-5" if n <= 5 else "6-10" if n <= 10 else "11-20" if n <= 20 else "21+"


def _doc_features(view: SentenceView, context: DocContext, option: DisorderOption) -> list[str]:
    features = []
    if context.treatment_study:
        features.append("treatment_study")
    if context.review:
        features.append("review")
    if option.ref.group in {ref.group for ref in context.focus}:
        features.append("focus_group")
    if option.ref.mesh in context.title_meshes:
        features.append("disorder_in_title")
    sentence = view.sentence
    features.append(f"section={section_kind(section_of(view.doc, sentence.start_char))}")
    first = sentence.start_char <= (context.title_end + 2)
    features.append(
        "first_sentence" if first else "last_sentence" if sentence.end == len(view.doc) else "middle_sentence"
    )
    groups = {ref.group for mark in view.kinds("disorder") for ref in mark.mention._.disorders}
    features.append(f"sentence_groups={min(len(groups), 3)}")
    return features


def _sentence_features(view: SentenceView, taxon: Mark, trigger: Mark | None) -> list[str]:
    taxa = view.kinds("taxon")
    features = [f"taxa={_bucket(len(taxa))}"]
    if view.inside_parens(taxon.start):
        features.append("taxon_in_parens")
    if view.kinds("control"):
        features.append("control_named")
    if view.kinds("model"):
        features.append("model_named")
    if trigger is not None and trigger.start < taxon.start:
        features.append("trigger_first")
    return features
