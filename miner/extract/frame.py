"""Reading a governed finding the right way round, within one sentence.

- direction: a negated trigger ("was not reduced") or one qualified "but not significantly" is
  `unchanged`; a trigger whose locus is the control group ("enriched in healthy controls",
  "lower in HC than in patients", "controls had higher …") is flipped;
- locus: where the change is: after the trigger ("… in patients with MDD", "among PD cases"),
  or the group that owns it ("PD patients had lower …"). A locus that is neither the disorder,
  its model nor the controls ("in Group 2", "in the meditation group", "mice with colitis")
  means the finding is about something else;
- correlation: a correlation counts only with the disorder or its severity on the other side
  ("negatively correlated with HAMD scores", not "positively related with TLCA");
- odds ratios (Mendelian randomization): below 1 is decreased, above 1 increased;
- ratios ("Firmicutes/Bacteroidetes ratio") are not findings about either taxon.
Imports: stdlib, `miner.extract.{scope,phrases}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from miner.extract.scope import PUNCT, Mark, SentenceView

_REFERENCE = {"than", "compared", "versus", "vs", "vs.", "relative", "comparison", "against", "over", "contrast"}
_OWNER_VERBS = {
    "had",
    "has",
    "have",
    "showed",
    "show",
    "shows",
    "exhibited",
    "exhibit",
    "displayed",
    "display",
    "presented",
    "harbored",
    "harboured",
    "harbor",
    "harbour",
    "demonstrated",
    "revealed",
    "possessed",
    "carried",
}
_LOCUS_PREPOSITIONS = {"in", "among", "within", "for", "from", "between", "across"}
_LOCUS_LINKS = {"linked to", "associated with", "related to", "in relation to"}  # "… linked to non-TD subtypes"
_SUBGROUP = {"with", "without", "who", "having"}
_ABSENCE = {"without", "no", "non"}  # a group named by the disorder's absence is the comparison group
_LOCUS_STOP = {
    ",",
    ";",
    "than",
    "compared",
    "versus",
    "vs",
    "vs.",
    "relative",
    "when",
    "while",
    "whereas",
    "which",
    "that",
    "who",
    "but",
    "after",
    "before",
    "following",
    "during",
    "whilst",
}
_ODDS_RATIO = re.compile(r"\b(?:OR|odds ratio|IVW[- ]OR|ORIVW)\b[^0-9]{0,12}?(\d+(?:\.\d+)?)", re.IGNORECASE)
_NO_SIGNIFICANCE = (
    "not statistically significant",
    "did not reach statistical significance",
    "did not reach significance",
    "failed to reach significance",
    "failed to reach statistical significance",
    "no statistically significant",
    "difference was not significant",
    "differences were not significant",
    "was not significant",
    "were not significant",
)
_NOT_SIGNIFICANT = (
    "not significant",
    "not significantly",
    "non significant",
    "non significantly",
    "nonsignificant",
    "nonsignificantly",
    "insignificant",
    "n.s.",
    "ns",
)


def is_reference(view: SentenceView, i: int) -> bool:
    """Token `i` opens the comparison's reference group ("than", "compared", "versus", "relative
    to"); "relative abundance" is no reference."""
    norm = view.norm(i)
    if norm not in _REFERENCE:
        return False
    if norm in ("relative", "over"):
        return i + 1 < view.sentence.end and view.norm(i + 1) in ("to", "with")
    return True


@dataclass
class Locus:
    kind: str  # disorder, control, model, patient, other, none
    disorders: list[Mark] = field(default_factory=list)


def direction(view: SentenceView, trigger: Mark) -> str:
    meaning = trigger.entry
    if meaning.kind == "undirected":
        return ""
    if meaning.kind == "null" or _negated(view, trigger) or _not_significant(view, trigger):
        return "unchanged"
    if meaning.kind == "correlation":
        return meaning.direction
    flip = locus(view, trigger).kind == "control"
    if _tied_to_improvement(view, trigger):
        flip = not flip
    if flip:
        return {"increased": "decreased", "decreased": "increased"}.get(meaning.direction, meaning.direction)
    return meaning.direction


_LINKS = {"associated with", "correlated with", "linked to", "related to", "accompanied by", "linked with"}
_IMPROVEMENT = {
    "improvement",
    "improvements",
    "improved",
    "alleviation",
    "alleviated",
    "amelioration",
    "remission",
    "recovery",
    "milder",
    "better",
    "fewer",
    "less",
    "lower",
    "reduced",
    "reduction",
    "reductions",
    "decreased",
    "decrease",
}


def _tied_to_improvement(view: SentenceView, trigger: Mark) -> bool:
    """ "Increases in X were associated with improvements in depressive symptoms": a change that
    goes with the disorder getting better runs against it (X is decreased in depression)."""
    end = view.clause(trigger.start)[1]
    for i in range(trigger.end, end - 2):
        if f"{view.norm(i)} {view.norm(i + 1)}" not in _LINKS:
            continue
        words = {view.norm(k) for k in range(i + 2, min(end, i + 5))}
        return bool(words & _IMPROVEMENT) and any(m.kind == "disorder" and i + 2 <= m.start < i + 8 for m in view.marks)
    return False


def _negated(view: SentenceView, trigger: Mark) -> bool:
    start = max(view.clause(trigger.start)[0], trigger.start - 3)
    return any(view.norm(i) in view.cues["negations"] for i in range(start, trigger.start))


def _not_significant(view: SentenceView, trigger: Mark) -> bool:
    """ "decreased, but not significantly" (the qualifier may stand past a clause break);
    "Although Prevotella was decreased …, the difference was not statistically significant"."""
    end = min(view.sentence.end, trigger.end + 5)
    words = " ".join(view.norm(i) for i in range(trigger.end, end))
    if any(f" {phrase} " in f" {words} " for phrase in _NOT_SIGNIFICANT):
        return True
    later = [m.start for m in view.kinds("trigger") if m.start > trigger.start and m.entry.kind != "undirected"]
    stop = min(later, default=view.sentence.end)
    rest = " ".join(view.norm(i) for i in range(trigger.end, stop))
    return any(phrase in rest for phrase in _NO_SIGNIFICANCE)


def locus(view: SentenceView, trigger: Mark) -> Locus:
    """The group the change is in: the first one named after the trigger (not after "than"/
    "compared with"), else a group that owns the trigger ("controls had lower …"), else the
    group of a trigger coordinated with it in the same clause ("patients with wearing-off showed
    decreased A and increased B"; "a reduction in A, and an increase in B linked to …")."""
    key = ("locus", trigger.start)
    if key not in view.memo:
        view.memo[key] = _locus(view, trigger)
    found: Locus = view.memo[key]
    return found


def _locus(view: SentenceView, trigger: Mark) -> Locus:
    found = _own_locus(view, trigger)
    if found.kind != "none":
        return found
    start, end = view.clause(trigger.start)
    others = [
        m
        for m in view.kinds("trigger")
        if m is not trigger and start <= m.start < end and m.entry.kind not in ("correlation", "undirected")
    ]
    for other in sorted(others, key=lambda m: abs(m.start - trigger.start)):
        found = _own_locus(view, other)
        if found.kind != "none":
            return found
    return found


def _own_locus(view: SentenceView, trigger: Mark) -> Locus:
    after = _locus_after(view, trigger)
    if after.kind != "none":
        return after
    return _owner_before(view, trigger)


def _locus_after(view: SentenceView, trigger: Mark) -> Locus:
    """The group named after the trigger, past the taxa it governs ("enriched Malassezia
    restricta was found in the HC group") and a few other words."""
    clause_end = view.clause(trigger.start)[1]
    i, skipped = trigger.end, 0
    while i < clause_end and skipped <= 5:
        mark = view.at.get(i)
        norm = view.norm(i)
        if mark is not None and mark.kind in ("trigger", "break"):
            return Locus("none")
        if (mark is not None and mark.kind == "taxon") or view.inside_parens(i) or view.text(i) in (",", "(", ")"):
            i = mark.end if mark is not None else i + 1
            continue
        if is_reference(view, i):
            return Locus("none")
        if norm in _LOCUS_PREPOSITIONS and not _introduces_taxon(view, i):
            return _classify(view, i + 1, clause_end)
        pair = f"{norm} {view.norm(i + 1)}" if i + 1 < clause_end else norm
        if pair in _LOCUS_LINKS:
            return _classify(view, i + 2, clause_end)
        if mark is not None and mark.kind in ("disorder", "control", "model"):
            return _classify(view, i, clause_end)
        i += 1 if mark is None else mark.end - i
        skipped += 1
    return Locus("none")


def _introduces_taxon(view: SentenceView, i: int) -> bool:
    """ "an increase in Enterobacteriaceae": the preposition opens the trigger's object."""
    k = i + 1
    while k < view.sentence.end and view.norm(k) in (
        "the",
        "a",
        "an",
        "relative",
        "abundance",
        "abundances",
        "levels",
        "of",
        "genus",
        "genera",
        "family",
        "phylum",
    ):
        k += 1
    mark = view.at.get(k)
    return mark is not None and mark.kind == "taxon"


def _owner_before(view: SentenceView, trigger: Mark) -> Locus:
    clause_start = view.clause(trigger.start)[0]
    for i in range(trigger.start - 1, max(clause_start, trigger.start - 4) - 1, -1):
        if view.norm(i) in _OWNER_VERBS:
            start = i - 1
            while (
                start > clause_start
                and i - start < 8
                and not is_reference(view, start - 1)
                and view.text(start - 1) not in (",", ";")
            ):
                start -= 1
            if _after_reference(view, start, clause_start):
                return Locus("none")
            return _classify(view, start, i)
    return Locus("none")


def _after_reference(view: SentenceView, start: int, floor: int) -> bool:
    return any(is_reference(view, i) for i in range(max(floor, start - 4), start))


def _classify(view: SentenceView, start: int, limit: int) -> Locus:
    """What a noun phrase names: the disorder (with its mentions), controls, a model, patients,
    some other group, or nothing in particular."""
    cues = view.cues
    disorders: list[Mark] = []
    kinds: set[str] = set()
    i = start
    while i < limit and i - start < 12:
        norm = view.norm(i)
        if view.text(i) in (",", ";") or norm in _LOCUS_STOP:
            break
        mark = view.at.get(i)
        if mark is not None:
            if mark.kind in ("taxon", "trigger", "break"):
                break
            if mark.kind == "disorder" and i > start and view.norm(i - 1) in _ABSENCE:
                kinds.add("control")  # "those without depressive symptoms had higher …"
            elif mark.kind == "control" and disorders and disorders[-1].end == i:
                disorders.pop()  # "the AD controls", "PD controls": the controls of a disorder study
                kinds.add("control")
            else:
                if mark.kind == "disorder":
                    disorders.append(mark)
                kinds.add(mark.kind)
            i = mark.end
            continue
        if (
            norm in _SUBGROUP
            and not view.has_controls
            and (disorders or "patient" in kinds)
            and _qualifies_otherwise(view, i + 1, limit)
        ):
            # without a control group, "PD patients with motor complications" or "patients with
            # wearing-off" are compared with other patients: a finding about something else
            return Locus("other")
        if norm in cues["patient_words"]:
            kinds.add("patient")
        elif norm in cues["group_nouns"] or norm in cues["other_conditions"]:
            kinds.add("other_group" if norm in cues["group_nouns"] else "other")
        i += 1
    if disorders:
        return Locus("disorder", disorders)
    for kind in ("control", "model", "other", "patient"):
        if kind in kinds:
            return Locus(kind)
    if "other_group" in kinds:
        return Locus("other")
    return Locus("none")


def _qualifies_otherwise(view: SentenceView, start: int, limit: int) -> bool:
    """After "patients with": something other than a disorder or the controls ("wearing-off")."""
    for i in range(start, min(limit, start + 4)):
        mark = view.at.get(i)
        if mark is not None and mark.kind in ("disorder", "control", "model"):
            return False
        if view.text(i) in (",", ";", ")") or view.norm(i) in ("and", "or", "compared", "than", "versus", "vs"):
            break
    return start < limit and view.at.get(start) is None


def association_subject_elsewhere(view: SentenceView, trigger: Mark) -> bool:
    """ "Higher added sugar intake was associated with an increase in Klebsiella": the change is
    associated with something that is not the disorder."""
    words = [view.norm(i) for i in range(max(view.sentence.start, trigger.start - 5), trigger.start)]
    joined = " ".join(words)
    links = (
        "associated with",
        "linked to",
        "related to",
        "correlated with",
        "accompanied by",
        "risk for",
        "risks for",
        "risk factor for",
        "predictor of",
        "predictors of",
        "determinant of",
    )
    if not any(link in joined for link in links):
        return False
    start = view.clause(trigger.start)[0]
    return not any(m.kind in ("disorder", "model", "control") and start <= m.start < trigger.start for m in view.marks)


def foreign_comparison(view: SentenceView, start: int, end: int) -> bool:
    """A comparison between groups that are not the disorder and its controls ("Cluster 2 had
    higher … compared to Cluster 1", "in the meditation group"): a focus disorder must not be
    read into it."""
    for i in range(start, end):
        opens = is_reference(view, i) or view.norm(i) in _LOCUS_PREPOSITIONS
        group_start = i + 1 if view.norm(i) != "compared" else min(i + 2, end)
        if opens and _classify(view, group_start, end).kind == "other":
            return True
        if view.norm(i) in _OWNER_VERBS and _classify(view, max(start, i - 4), i).kind == "other":
            return True
    return False


def correlate_ok(view: SentenceView, trigger: Mark, taxon: Mark) -> bool:
    """The other side of a correlation must be the disorder or its severity."""
    start, end = view.clause(trigger.start)
    if taxon.start < trigger.start:
        side = [i for i in range(trigger.end, end) if not view.inside_parens(i)][:15]
    else:
        side = [i for i in range(start, trigger.start) if not view.inside_parens(i)][-12:]
    for i in side:
        mark = view.at.get(i)
        if mark is not None and mark.kind == "disorder" and (i == 0 or view.norm(i - 1) != "in"):
            return True
        if view.norm(i) in view.cues["severity_words"]:
            return True
    return False


def odds_ratios(view: SentenceView) -> dict[int, str]:
    """Mendelian randomization: the taxon before an odds ratio below 1 is protective (decreased),
    above 1 a risk (increased)."""
    result: dict[int, str] = {}
    sentence = view.sentence
    taxa = view.kinds("taxon")
    for match in _ODDS_RATIO.finditer(sentence.text):
        value = float(match.group(1))
        if value == 1.0:
            continue
        at = sentence.start_char + match.start()
        before = [t for t in taxa if t.mention.end_char <= at]
        # the nearest taxon before the ratio, not further than a short clause away
        if before and before[-1].start not in result and at - before[-1].mention.end_char <= 80:
            result[before[-1].start] = "increased" if value > 1 else "decreased"
    return result


def is_ratio(view: SentenceView, taxon: Mark) -> bool:
    """ "Firmicutes/Bacteroidetes ratio", "the ratio of Firmicutes to Bacteroidetes"."""
    end = view.sentence.end
    i, steps = taxon.end, 0
    while i < end and steps < 4:
        norm = view.norm(i)
        if norm == "ratio" or norm == "ratios":
            return True
        mark = view.at.get(i)
        if mark is not None and mark.kind == "taxon":
            i = mark.end
        elif view.text(i) in PUNCT or norm in ("to", "and"):
            i += 1
        else:
            break
        steps += 1
    before = " ".join(view.norm(k) for k in range(max(view.sentence.start, taxon.start - 4), taxon.start))
    return "ratio of" in before or "ratio between" in before


def hedged(view: SentenceView, start: int, end: int) -> bool:
    key = ("hedged", start, end)
    if key not in view.memo:
        hedges = view.cues["hedges"]
        view.memo[key] = any(view.norms[i] in hedges for i in range(start, end))
    found: bool = view.memo[key]
    return found


def coordinated(view: SentenceView, first: Mark) -> list[Mark]:
    """A disorder mention and the ones coordinated with it ("PTSD + depression + anxiety")."""
    group = [first]
    disorders = view.kinds("disorder")
    for direction_ in (1, -1):
        current = first
        while True:
            candidates = [
                d for d in disorders if (d.start >= current.end if direction_ > 0 else d.end <= current.start)
            ]
            if not candidates:
                break
            nxt = min(candidates, key=lambda d: d.start) if direction_ > 0 else max(candidates, key=lambda d: d.end)
            gap = range(current.end, nxt.start) if direction_ > 0 else range(nxt.end, current.start)
            if len(gap) > 4 or any(
                view.norm(i) not in view.cues["coordination_words"]
                and view.text(i) not in (",", "+", "/", "&", "(", ")")
                for i in gap
            ):
                break
            group.append(nxt)
            current = nxt
    return sorted(group, key=lambda m: m.start)
