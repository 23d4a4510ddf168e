"""The `miner_relations` component: turns taxon, disorder and direction-trigger mentions of each
sentence into (taxon, disorder, direction, subject) findings.

Per sentence:
1. Skip aims and hypotheses, and changes caused by a treatment (unless the agent is the one
   that creates a disease model, which the guidelines count).
2. Give each taxon the trigger whose scope covers it. A trigger followed by a list of taxa
   ("decreased Blautia, Faecalibacterium and Ruminococcus") governs that list forward; a
   trigger after a list ("… were increased in PD") governs it backward. Clause breaks
   (";", whereas, but …) end every scope.
3. Read the comparison the right way round: a trigger whose locus is the control group
   ("enriched in healthy controls", "lower in HC than in patients") flips its direction; a
   negated trigger means `unchanged`; correlation with severity keeps the correlation's sign;
   an odds ratio below/above 1 gives decreased/increased.
4. Name the disorder: a mention in the sentence, else the abstract's focus disorder when the
   sentence reports a comparison.
Findings go to `doc._.findings` as `Finding` objects (spans, not strings); the extractor turns
them into plain records.
Imports: spaCy, stdlib, `miner.extract.{phrases,lexicon,taxa,disorders}`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from miner.extract import disorders as disorder_spans
from miner.extract import taxa as taxon_spans
from miner.extract.disorders import DisorderRef
from miner.extract.lexicon import Cues, Trigger, load_cues, load_triggers
from miner.extract.phrases import PhraseIndex, normalize

Doc.set_extension("findings", default=None, force=True)

_REFERENCE_MARKERS = {"than", "compared", "versus", "vs", "vs.", "relative", "comparison", "against", "over"}
_OWNER_VERBS = {"had", "has", "have", "showed", "show", "shows", "exhibited", "displayed", "presented", "harbored", "harboured", "demonstrated", "revealed"}
_ODDS_RATIO = re.compile(r"\b(?:OR|odds ratio|IVW[- ]OR)\b[^0-9]{0,12}?(\d+(?:\.\d+)?)", re.IGNORECASE)
_PUNCT = {",", "(", ")", "[", "]", ":", "=", "<", ">", "≤", "≥", "±", "-", "/", "%", "'", '"'}
_SCAN_UNKNOWN_BUDGET = 2
_PRE_REACH = 6


@dataclass
class Finding:
    taxon: Span
    disorder: DisorderRef
    disorder_span: Span | None
    direction: str
    subject: str
    confidence: float
    trigger: Span | None
    sentence: Span


@dataclass
class _Mark:
    start: int
    end: int
    kind: str  # taxon, disorder, trigger, control, break
    trigger: Trigger | None = None
    span: Span | None = None


class RelationFinder:
    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.triggers: PhraseIndex[Trigger] | None = None
        self.cues: Cues | None = None

    def initialize(self, get_examples=None, *, nlp=None, triggers: str, cues: str) -> None:
        self.triggers = load_triggers(triggers)
        self.cues = load_cues(cues)

    def __call__(self, doc: Doc) -> Doc:
        if self.triggers is None or self.cues is None:
            raise ValueError("miner_relations used before initialize()")
        doc._.findings = find_relations(doc, self.triggers, self.cues)
        return doc


@Language.factory("miner_relations")
def make_relation_finder(nlp: Language, name: str) -> RelationFinder:
    return RelationFinder(nlp, name)


def find_relations(doc: Doc, triggers: PhraseIndex[Trigger], cues: Cues) -> list[Finding]:
    taxa = list(doc.spans.get(taxon_spans.SPAN_KEY, []))
    disorders = list(doc.spans.get(disorder_spans.SPAN_KEY, []))
    if not taxa:
        return []
    focus = focus_disorder(doc, disorders)
    doc_subject = subject_of(doc[:], cues, default="human")
    findings: list[Finding] = []
    for sentence in doc.sents:
        sentence_taxa = [t for t in taxa if sentence.start <= t.start < sentence.end]
        if not sentence_taxa or _is_aim(sentence, cues) or _is_intervention(sentence, cues):
            continue
        sentence_disorders = [d for d in disorders if sentence.start <= d.start < sentence.end]
        marks = _marks(sentence, sentence_taxa, sentence_disorders, triggers, cues)
        subject = subject_of(sentence, cues, default=doc_subject)
        odds = _odds_ratio_directions(sentence, sentence_taxa)
        for taxon in sentence_taxa:
            governed = _governing_trigger(sentence, taxon, marks, cues)
            if governed is None and taxon.start in odds:
                direction, trigger_span, confidence = odds[taxon.start], None, 0.8
            elif governed is None:
                continue
            else:
                trigger_mark, confidence = governed
                direction = _direction(sentence, trigger_mark, marks, cues)
                if direction is None:
                    continue
                trigger_span = doc[trigger_mark.start : trigger_mark.end]
            disorder, disorder_span, how = _disorder_for(sentence, taxon, marks, focus, cues)
            if disorder is None:
                continue
            if how == "focus":
                confidence *= 0.8
            findings.append(
                Finding(taxon, disorder, disorder_span, direction, subject, round(confidence, 3), trigger_span, sentence)
            )
    return findings


def focus_disorder(doc: Doc, disorders: list[Span]) -> DisorderRef | None:
    """The disorder the abstract is about: the title's, else the most often named."""
    if not disorders:
        return None
    first_sentence = next(iter(doc.sents))
    in_title = [d for d in disorders if d.start < first_sentence.end]
    counts = Counter(d._.disorder.mesh for d in disorders)
    pool = in_title or disorders
    best = max(pool, key=lambda d: (counts[d._.disorder.mesh], -d.start))
    return best._.disorder


def subject_of(span: Span, cues: Cues, default: str) -> str:
    animal = sum(1 for t in span if normalize(t.text) in cues["animal_words"])
    human = sum(1 for t in span if normalize(t.text) in cues["human_words"])
    if animal > human:
        return "animal"
    if human > animal:
        return "human"
    return default


def _is_aim(sentence: Span, cues: Cues) -> bool:
    return any(True for _ in cues.phrases("hypothesis_cues").find(sentence.doc, sentence.start, sentence.end))


def _is_intervention(sentence: Span, cues: Cues) -> bool:
    doc = sentence.doc
    if not any(True for _ in cues.phrases("intervention_cues").find(doc, sentence.start, sentence.end)):
        return False
    return not any(True for _ in cues.phrases("model_agents").find(doc, sentence.start, sentence.end))


def _marks(sentence: Span, taxa, disorders, triggers: PhraseIndex[Trigger], cues: Cues) -> list[_Mark]:
    doc = sentence.doc
    taken = {i for span in (*taxa, *disorders) for i in range(span.start, span.end)}
    marks = [_Mark(t.start, t.end, "taxon", span=t) for t in taxa]
    marks += [_Mark(d.start, d.end, "disorder", span=d) for d in disorders]
    for start, end, values in triggers.find(doc, sentence.start, sentence.end):
        if not taken.intersection(range(start, end)):
            marks.append(_Mark(start, end, "trigger", trigger=values[0]))
    for start, end, _ in cues.phrases("control_words").find(doc, sentence.start, sentence.end):
        if not taken.intersection(range(start, end)):
            marks.append(_Mark(start, end, "control"))
    for start, end, _ in cues.phrases("clause_breaks").find(doc, sentence.start, sentence.end):
        marks.append(_Mark(start, end, "break"))
    for token in sentence:
        if token.text == ";":
            marks.append(_Mark(token.i, token.i + 1, "break"))
    return sorted(marks, key=lambda m: m.start)


def _mark_at(marks: list[_Mark], i: int) -> _Mark | None:
    for mark in marks:
        if mark.start <= i < mark.end:
            return mark
    return None


def _is_material(token, cues: Cues) -> bool:
    text = normalize(token.text)
    return (
        token.text in _PUNCT
        or token.like_num
        or text in ("p", "q", "fdr", "lda", "log")
        or text in cues["list_words"]
        or text in cues["copulas"]
        or text in cues["person_nouns"]
        or re.fullmatch(r"[pq]?[<>=≤≥]?\d*\.?\d+(e-?\d+)?", text) is not None
    )


def _governing_trigger(sentence: Span, taxon: Span, marks: list[_Mark], cues: Cues) -> tuple[_Mark, float] | None:
    """The trigger whose scope covers `taxon`, with a confidence for how directly it does."""
    backward = _scan(sentence, taxon.start - 1, -1, marks, cues)
    forward = _scan(sentence, taxon.end, 1, marks, cues)
    options = []
    if backward is not None and _reaches_taxa(sentence, backward[0], marks, cues):
        options.append((backward[1], 0, backward[0]))
    if forward is not None and not _reaches_taxa(sentence, forward[0], marks, cues):
        options.append((forward[1], 1, forward[0]))
    if not options:
        return None
    distance, _, mark = min(options, key=lambda o: (o[0], o[1]))
    return mark, 0.9 if distance <= 8 else 0.75


def _scan(sentence: Span, i: int, step: int, marks: list[_Mark], cues: Cues) -> tuple[_Mark, int] | None:
    """Walk from token `i` in direction `step` over list material to the first trigger."""
    unknown = 0
    distance = 0
    depth = 0
    while sentence.start <= i < sentence.end:
        token = sentence.doc[i]
        mark = _mark_at(marks, i)
        if mark is not None and mark.kind == "trigger":
            return mark, distance
        if mark is not None and mark.kind == "break":
            return None
        if token.text in ("(", "["):
            depth += 1 if step > 0 else -1
        elif token.text in (")", "]"):
            depth += -1 if step > 0 else 1
        if mark is not None:
            i = (mark.end if step > 0 else mark.start - 1)
            distance += 1
            continue
        if depth == 0 and not _is_material(token, cues):
            unknown += 1
            if unknown > _SCAN_UNKNOWN_BUDGET:
                return None
        distance += 1
        i += step
    return None


def _reaches_taxa(sentence: Span, trigger: _Mark, marks: list[_Mark], cues: Cues) -> bool:
    """True when a taxon follows the trigger closely: then the trigger governs forward."""
    i = trigger.end
    steps = 0
    while i < sentence.end and steps <= _PRE_REACH:
        mark = _mark_at(marks, i)
        if mark is not None:
            if mark.kind == "taxon":
                return True
            if mark.kind in ("trigger", "break"):
                return False
            i = mark.end
            steps += 1
            continue
        token = sentence.doc[i]
        if not (_is_material(token, cues) or normalize(token.text) in ("with", "by", "for")):
            return False
        i += 1
        steps += 1
    return False


def _direction(sentence: Span, trigger: _Mark, marks: list[_Mark], cues: Cues) -> str | None:
    """The finding's direction in the disorder, reading negation and the comparison frame."""
    meaning = trigger.trigger
    assert meaning is not None
    if meaning.kind == "null":
        return "unchanged"
    doc = sentence.doc
    window = doc[max(sentence.start, trigger.start - 3) : trigger.start]
    if any(normalize(t.text) in cues["negations"] for t in window):
        return "unchanged"
    if meaning.kind == "correlation":
        has_correlate = any(m.kind == "disorder" for m in marks) or any(
            normalize(t.text) in cues["severity_words"] for t in sentence
        )
        return meaning.direction if has_correlate else None
    return _flip(meaning.direction) if _locus_is_control(sentence, trigger, marks) else meaning.direction


def _flip(direction: str) -> str:
    return {"increased": "decreased", "decreased": "increased"}.get(direction, direction)


def _locus_is_control(sentence: Span, trigger: _Mark, marks: list[_Mark]) -> bool:
    """Where is the taxon higher/lower? The first group named after the trigger (not after
    "than"/"compared with"), else a group that owns the trigger ("controls had lower …")."""
    doc = sentence.doc
    clause_end = next((m.start for m in marks if m.kind == "break" and m.start >= trigger.end), sentence.end)
    clause_start = max((m.end for m in marks if m.kind == "break" and m.end <= trigger.start), default=sentence.start)
    for mark in marks:
        if mark.start < trigger.end or mark.start >= min(clause_end, trigger.end + 10):
            continue
        if mark.kind in ("control", "disorder"):
            if _after_reference_marker(doc, mark.start, trigger.end):
                return False
            return mark.kind == "control"
    for mark in reversed(marks):
        if mark.start >= trigger.start or mark.start < clause_start or mark.kind not in ("control", "disorder"):
            continue
        if _after_reference_marker(doc, mark.start, clause_start):
            continue
        follows = {normalize(t.text) for t in doc[mark.end : min(mark.end + 3, trigger.start)]}
        if follows & _OWNER_VERBS:
            return mark.kind == "control"
    return False


def _after_reference_marker(doc: Doc, start: int, floor: int) -> bool:
    words = {normalize(t.text) for t in doc[max(floor, start - 4) : start]}
    return bool(words & _REFERENCE_MARKERS)


def _disorder_for(sentence: Span, taxon: Span, marks: list[_Mark], focus: DisorderRef | None, cues: Cues):
    disorders = [m for m in marks if m.kind == "disorder"]
    if disorders:
        nearest = min(disorders, key=lambda m: abs(m.start - taxon.start))
        return nearest.span._.disorder, nearest.span, "sentence"
    if focus is None:
        return None, None, ""
    comparison = any(m.kind == "control" for m in marks) or any(
        normalize(t.text) in cues["person_nouns"] for t in sentence
    )
    if comparison or any(m.kind == "trigger" and m.trigger.kind in ("comparative", "change") for m in marks):
        return focus, None, "focus"
    return None, None, ""


def _odds_ratio_directions(sentence: Span, taxa: list[Span]) -> dict[int, str]:
    """Mendelian randomization: an odds ratio below 1 is protective (decreased), above 1 risk."""
    result: dict[int, str] = {}
    for match in _ODDS_RATIO.finditer(sentence.text):
        value = float(match.group(1))
        if value == 1.0:
            continue
        at = sentence.start_char + match.start()
        before = [t for t in taxa if t.end_char <= at]
        if before:
            result[before[-1].start] = "increased" if value > 1 else "decreased"
    return result
