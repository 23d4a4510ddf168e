"""Which direction trigger governs which taxon, within one sentence.

A `SentenceView` lays the sentence's marks (taxa, disorders, models, triggers, control-group
words, clause breaks) over its tokens. Each trigger has scopes:
- forward ("pre"): a trigger followed by a list of taxa governs that list: "decreased Blautia,
  Faecalibacterium and Ruminococcus", "a higher relative abundance of Prevotellaceae (p < 0.001)";
- backward ("post"): a trigger after a list governs it: "… Ruminococcus (P=0.019) were
  significantly decreased in PD", "The abundance of A, B and C in the MDD group was lower".
A scope runs over list material (other taxa, commas, parenthesised statistics, "the genus",
"abundance of", "butyrate-producing"…) and a few unknown words, and stops at clause breaks,
relative pronouns, predicate verbs and other triggers. A taxon in several scopes takes the one
that binds it most closely: a trigger right after it ("Akkermansia was increased") first, then
the nearest. "respectively" pairs taxa and triggers in order.
Imports: spaCy types, stdlib, `miner.errors`, `miner.extract.{phrases,lexicon}`.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span

from miner.errors import PipelineError
from miner.extract.lexicon import Cues, Trigger
from miner.extract.phrases import PhraseIndex, token_norms, token_texts

PUNCT = {",", "(", ")", "[", "]", ":", "=", "<", ">", "≤", "≥", "±", "-", "/", "%", "'", '"', "+", "·"}
_SEQUENCE_ID = re.compile(r"^(?:asv|otu|zotu|sv)\d+$")
_STATISTIC = re.compile(
    r"^(?:[pqr]|fdr|lda|log|or|ci|auc|d|n|se|sd|β|fc|ns|n\.s\.)?[<>=≤≥]?[-+]?\d*\.?\d+(?:e-?\d+)?%?$|^[pqr]$"
)
_MODIFIER = re.compile(
    r"(?:producing|producers?|degrading|degraders?|forming|fermenting|utili[sz]ing|metaboli[sz]ing|reducing|associated|related|positive|negative|dependent|derived|inflammatory|like)$"
)


@dataclass
class Mark:
    start: int
    end: int
    kind: str  # taxon, disorder, model, trigger, control, break
    trigger: Trigger | None = None  # set on trigger marks only
    span: Span | None = None  # set on taxon, disorder and model marks only

    @property
    def entry(self) -> Trigger:
        """The lexicon entry of a trigger mark (`SentenceView.build` gives every one its entry)."""
        if self.trigger is None:
            raise PipelineError(f"a {self.kind} mark (token {self.start}) has no trigger entry")
        return self.trigger

    @property
    def mention(self) -> Span:
        """The entity span of a taxon, disorder or model mark (`SentenceView.build` gives each its span)."""
        if self.span is None:
            raise PipelineError(f"a {self.kind} mark (token {self.start}) has no entity span")
        return self.span


@dataclass
class Binding:
    trigger: Mark
    how: str  # strong, pre, post, respectively
    distance: int


@dataclass
class SentenceView:
    sentence: Span
    marks: list[Mark]
    cues: Cues
    at: dict[int, Mark] = field(default_factory=dict)
    depth: list[int] = field(default_factory=list)
    has_controls: bool = True  # does the abstract compare with a control group at all?
    enumeration: int = 1 << 30  # token where a numbered list after a colon starts (none: past the end)
    max_scope: int = 45  # tokens a trigger's scope reaches at most (outside a numbered list)
    memo: dict[Hashable, Any] = field(default_factory=dict)  # per-sentence results computed once (agent triggers, loci)
    norms: list[str] = field(default_factory=list)  # the Doc's token norms (phrases.token_norms)
    texts: list[str] = field(default_factory=list)  # the Doc's token texts (phrases.token_texts)
    unknown_budget: int = 5  # words of no known kind a scope passes over

    @classmethod
    def build(
        cls,
        sentence: Span,
        taxa: list[Span],
        disorders: list[Span],
        models: list[Span],
        triggers: PhraseIndex[Trigger],
        cues: Cues,
        has_controls: bool = True,
        max_scope: int = 45,
        unknown_budget: int = 5,
    ) -> SentenceView:
        doc = sentence.doc
        marks = [Mark(t.start, t.end, "taxon", span=t) for t in taxa]
        marks += [Mark(d.start, d.end, "disorder", span=d) for d in disorders]
        taken = {i for m in marks for i in range(m.start, m.end)}
        marks += [
            Mark(m.start, m.end, "model", span=m) for m in models if not taken.intersection(range(m.start, m.end))
        ]
        taken |= {i for m in marks for i in range(m.start, m.end)}
        for start, end, values in triggers.find(doc, sentence.start, sentence.end):
            if not taken.intersection(range(start, end)) and not _not_a_comparison(doc, start, end, sentence.end):
                marks.append(Mark(start, end, "trigger", trigger=values[0]))
        taken |= {i for m in marks for i in range(m.start, m.end)}
        for start, end, _ in cues.phrases("control_words").find(doc, sentence.start, sentence.end):
            if not taken.intersection(range(start, end)):
                marks.append(Mark(start, end, "control"))
        for start, end, _ in cues.phrases("clause_breaks").find(doc, sentence.start, sentence.end):
            if not taken.intersection(range(start, end)):
                marks.append(Mark(start, end, "break"))
        listed = _enumeration_start(sentence)
        marks += [Mark(t.i, t.i + 1, "break") for t in sentence if t.text == ";" and t.i < listed]
        marks.sort(key=lambda m: m.start)
        view = cls(
            sentence,
            marks,
            cues,
            has_controls=has_controls,
            enumeration=listed,
            max_scope=max_scope,
            unknown_budget=unknown_budget,
        )
        view.at = {i: m for m in marks for i in range(m.start, m.end)}
        view.norms = token_norms(doc)
        view.texts = token_texts(doc)
        level, depth = 0, []
        for token in sentence:
            if token.text in ("(", "["):
                level += 1
            depth.append(level)
            if token.text in (")", "]") and level:
                level -= 1
        view.depth = depth
        return view

    @property
    def doc(self) -> Doc:
        return self.sentence.doc

    def norm(self, i: int) -> str:
        return self.norms[i]

    def text(self, i: int) -> str:
        return self.texts[i]

    def kinds(self, kind: str) -> list[Mark]:
        return [m for m in self.marks if m.kind == kind]

    def inside_parens(self, i: int) -> bool:
        return self.depth[i - self.sentence.start] > 0 and self.text(i) not in ("(", "[")

    def level(self, i: int) -> int:
        """How many parentheses enclose token `i` (an opening bracket counts as inside)."""
        return self.depth[i - self.sentence.start]

    def aside(self, i: int, level: int) -> bool:
        """Token `i` is in a parenthesis nested deeper than `level` (the trigger's own)."""
        return self.level(i) > level and self.text(i) not in ("(", "[")

    def clause(self, i: int) -> tuple[int, int]:
        """Token range of the clause holding token `i` (between clause breaks)."""
        start, end = self.sentence.start, self.sentence.end
        for mark in self.marks:
            if mark.kind != "break":
                continue
            if mark.end <= i:
                start = max(start, mark.end)
            elif mark.start > i:
                end = min(end, mark.start)
                break
        return start, end

    def word_class(self, i: int) -> str:
        """material, copula, blocker or unknown: how a token lets a scope pass."""
        text = self.text(i)
        norm = self.norm(i)
        cues = self.cues
        if text in PUNCT or self.doc[i].like_num or _STATISTIC.match(norm) or _SEQUENCE_ID.match(norm):
            return "material"
        if i >= self.enumeration and (text == "." or norm in ("its", "their", "the")):
            return "material"  # "…; 2. Phylum: X and its Genus: Y"
        if norm in cues["blockers"]:
            return "blocker"
        if norm in cues["copulas"]:
            return "copula"
        if (
            norm in cues["list_words"]
            or norm in cues["person_nouns"]
            or norm in cues["rank_words"]
            or _MODIFIER.search(norm)
        ):
            return "material"
        return "unknown"


_BARE_COMPARATIVES = {"more", "less", "fewer", "most", "least"}
_NOT_ABUNDANCE = {
    "likely",
    "unlikely",
    "often",
    "frequent",
    "frequently",
    "commonly",
    "important",
    "severe",
    "pronounced",
    "studied",
    "researched",
    "investigated",
    "reported",
    "explored",
    "examined",
    "cited",
    "used",
    "effective",
    "prone",
    "susceptible",
    "vulnerable",
    "sensitive",
    "resistant",
    "similar",
    "diverse",
    "variable",
    "stable",
    "complex",
    "specific",
    "accurate",
    "robust",
    "consistent",
    "evident",
    "apparent",
    "closely",
    "strongly",
    "rapidly",
    "quickly",
    "easily",
}


_DESCRIPTIVE = {"abundant", "dominant", "predominant", "prevalent", "common"}


def _not_a_comparison(doc: Doc, start: int, end: int, stop: int) -> bool:
    """A bare comparative that qualifies something else: "more researched", "more than 50%",
    "more likely", "less studied" say nothing about abundance ("more than in controls" does);
    nor does a description: "the highly abundant bacteria Bacteroides vulgatus"."""
    words = [token.lower_ for token in doc[start:end]]
    if words[-1] in _DESCRIPTIVE and start > 0:
        before = [doc[start - 1].lower_, *words[:-1]]
        if before[-1] in ("highly", "most", "normally", "naturally", "very") and (
            len(before) == 1 or before[0] in ("the", "a", "an")
        ):
            return True
    if end - start != 1 or doc[start].lower_ not in _BARE_COMPARATIVES or end >= stop:
        return False
    nxt = doc[end].lower_
    if nxt == "than":
        # "more than 50%", "there is more than Helicobacter pylori"; "more than in controls" compares
        return end + 1 < stop and doc[end + 1].lower_ not in (
            "in",
            "among",
            "that",
            "those",
            "controls",
            "healthy",
            "the",
            "for",
        )
    return nxt in _NOT_ABUNDANCE or (
        nxt.endswith(("ed", "ly"))
        and nxt
        not in ("elevated", "increased", "decreased", "reduced", "represented", "enriched", "depleted", "abundantly")
    )


_LIST_MARKER = re.compile(r"^(?:\d{1,2}|[ivx]{1,4}|[a-h])$")


def _enumeration_start(sentence: Span) -> int:
    """Where a numbered list introduced by a colon starts ("… were seen: 1. Phylum: A and its
    Genus: B; 2. Family: …"), so its semicolons separate items, not clauses; past the sentence's
    end when it has none."""
    tokens = list(sentence)
    for k, token in enumerate(tokens[:-2]):
        if token.text != ":":
            continue
        nxt, after = tokens[k + 1], tokens[k + 2]
        if nxt.text == "(" and _LIST_MARKER.match(after.text.lower()):
            return token.i
        if _LIST_MARKER.match(nxt.text.lower()) and after.text in (".", ")"):
            return token.i
    return 1 << 30


_PREDICATE_BEFORE = {
    "was",
    "were",
    "is",
    "are",
    "be",
    "been",
    "being",
    "became",
    "become",
    "remained",
    "remain",
    "get",
    "got",
}
_MODIFIER_BEFORE = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "with",
    "by",
    "of",
    "found",
    "observed",
    "identified",
    "noted",
    "reported",
    "detected",
    "indicated",
    "including",
    "such as",
    "e.g.",
    "i.e.",
    "whereas",
    "while",
    "whilst",
    "to",
    "towards",
    "toward",
    "into",
    "in",
    "from",
    "for",
    "on",
    "at",
    "as",
}
_MEASURES = {
    "levels",
    "level",
    "abundance",
    "abundances",
    "concentrations",
    "amounts",
    "proportions",
    "frequencies",
    "counts",
    "numbers",
}
_OWNER_BEFORE = {
    "showed",
    "show",
    "shows",
    "had",
    "has",
    "have",
    "exhibited",
    "displayed",
    "revealed",
    "demonstrated",
    "presented",
    "harbored",
    "harboured",
    "possessed",
}


_PASSIVE_VERBS = {
    "found",
    "observed",
    "identified",
    "noted",
    "reported",
    "detected",
    "seen",
    "shown",
    "present",
    "confirmed",
    "considered",
}
_PREDICATE_PREPOSITIONS = {"in", "at", "as", "with", "to"}  # "were found in higher …", "present at higher levels"
_NOUN_PHRASE_LEAD = {
    "a",
    "an",
    "the",
    "tendency",
    "trend",
    "trends",
    "towards",
    "toward",
    "of",
    "to",
    "slight",
    "marked",
    "significant",
    "clear",
}


def trigger_role(view: SentenceView, trigger: Mark) -> str:
    """How a trigger can govern: "backward" after a copula or a taxon ("… were decreased",
    "Roseburia (p=0.01) decreased"), after a passive verb and a preposition ("were found in higher
    relative abundance", "were present at higher levels", "were identified as more common"), or
    as a superlative after a copula ("… is the most significantly decreased phylum");
    "forward" after an article, a conjunction, a comma or a preposition ("an increase in …",
    "and decreased …", "towards enhanced …"), or before a colon or a rank word ("4 increased: A,
    B", "increased genera (…)"); "owner" after a verb of having or showing, also through "a
    tendency of …": forward ("patients showed lower Blautia"), else back to the subject
    ("Proteobacteria had significantly higher abundance"); else "both"."""
    if trigger.end < view.sentence.end and view.text(trigger.end) == ":":
        return "forward"  # "7 genera (4 increased: Aerococcus, …)"
    if (
        trigger.end < view.sentence.end
        and view.norm(trigger.end) in view.cues["rank_words"]
        and not _superlative_predicate(view, trigger)
    ):
        return "forward"  # attributive: "five decreased genera (Roseburia, …)", "enriched taxa included …"
    i = _before(view, trigger.start - 1, view.level(trigger.start))
    if i < view.sentence.start:
        return "forward"
    mark = view.at.get(i)
    if mark is not None and mark.kind == "taxon":
        return "backward"
    norm = view.norm(i)
    if norm in _PREDICATE_BEFORE:
        return "backward"
    if norm in _PREDICATE_PREPOSITIONS and _passive_before(view, i):
        return "backward"
    if norm in _PASSIVE_VERBS and _passive_before(view, i + 1):
        return "backward"  # "were found negatively correlated with …", "was found decreased"
    if norm == "at" and trigger.end < view.sentence.end and view.norm(trigger.end) in _MEASURES:
        return "backward"  # "… were present at significantly higher levels in …"
    if _superlative_predicate(view, trigger):
        return "backward"
    if norm in _OWNER_BEFORE:
        return "owner"
    lead = i
    while lead >= view.sentence.start and view.norm(lead) in _NOUN_PHRASE_LEAD:
        lead = _before(view, lead - 1, view.level(trigger.start))
    if lead < i and lead >= view.sentence.start and view.norm(lead) in _OWNER_BEFORE:
        return "owner"  # "X showed a tendency of increased abundance"
    if norm in _MODIFIER_BEFORE or view.text(i) in (",", ":", "(", ";"):
        return "forward"
    return "both"


def _before(view: SentenceView, i: int, level: int) -> int:
    """The nearest token at or before `i` that is not an adverb, an aside or a closing bracket."""
    while i >= view.sentence.start and (
        view.norm(i) in view.cues["adverbs"] or view.aside(i, level) or view.text(i) in (")", "]")
    ):
        i -= 1
    return i


def _passive_before(view: SentenceView, i: int) -> bool:
    """Token `i` (a preposition) follows a passive or stative verb after a copula: "were found
    in", "are present at", "were identified as"."""
    k = _before(view, i - 1, view.level(i))
    if k < view.sentence.start or view.norm(k) not in _PASSIVE_VERBS:
        return False
    k = _before(view, k - 1, view.level(i))
    return k >= view.sentence.start and (view.norm(k) in _PREDICATE_BEFORE or view.norm(k) == "to")


def _superlative_predicate(view: SentenceView, trigger: Mark) -> bool:
    """ "Firmicutes is the most significantly decreased phylum": a change word after "the most"
    (or "the least") and a copula predicates the subject."""
    if trigger.trigger is None or trigger.trigger.kind != "change":
        return False
    i = _before(view, trigger.start - 1, view.level(trigger.start))
    words = []
    while i >= view.sentence.start and view.norm(i) in (
        "the",
        "most",
        "least",
        "significantly",
        "strongly",
        "markedly",
    ):
        words.append(view.norm(i))
        i -= 1
    return "the" in words and i >= view.sentence.start and view.norm(i) in _PREDICATE_BEFORE


def bindings(view: SentenceView) -> dict[int, Binding]:
    """taxon mark start → the binding that governs it."""
    triggers = view.kinds("trigger")
    taxa = view.kinds("taxon")
    options: dict[int, list[Binding]] = {t.start: [] for t in taxa}
    for trigger in triggers:
        if trigger.entry.kind == "undirected":
            continue  # "… were consistently changed in PD": it bounds other scopes but governs nothing
        role = trigger_role(view, trigger)
        if trigger.entry.kind == "correlation" and role == "backward":
            role = "both"  # correlation runs both ways: "Depression was positively correlated with …"
        forward = _forward(view, trigger) if role != "backward" else []
        for taxon, distance in forward:
            options[taxon.start].append(Binding(trigger, "pre", distance))
        # an association whose object is the disorder points back to its subject: "A and B were
        # linked to a higher risk of insomnia"
        backward_too = not forward and (role == "owner" or trigger.entry.kind == "correlation")
        if role in ("backward", "both") or backward_too:
            for taxon, distance, strong in _backward(view, trigger):
                options[taxon.start].append(Binding(trigger, "strong" if strong else "post", distance))
    chosen: dict[int, Binding] = {}
    for start, found in options.items():
        if found:
            chosen[start] = min(found, key=lambda b: (b.how != "strong", b.distance, b.how != "pre"))
    chosen.update(_respectively(view, taxa, triggers))
    chosen.update(_summed_up(view, taxa, triggers))
    for start, binding in _subject_fallback(view, taxa, triggers, chosen).items():
        chosen.setdefault(start, binding)
    return chosen


def _subject_fallback(
    view: SentenceView, taxa: list[Mark], triggers: list[Mark], chosen: dict[int, Binding]
) -> dict[int, Binding]:
    """ "The species Coprococcus eutactus has … and has been found to be depleted in …": a
    predicate trigger too far from its subject still governs a taxon that opens the clause."""
    result: dict[int, Binding] = {}
    for trigger in triggers:
        if trigger_role(view, trigger) != "backward" or any(b.trigger is trigger for b in chosen.values()):
            continue
        start = view.clause(trigger.start)[0]
        i = start
        while i < trigger.start and (
            view.norm(i) in ("the", "a", "an", "this") or view.norm(i) in view.cues["rank_words"]
        ):
            i += 1
        subject = view.at.get(i)
        if subject is None or subject.kind != "taxon" or subject.start in chosen:
            continue
        if any(t.start > subject.start and t.start < trigger.start for t in taxa):
            continue
        if not any(view.norm(k) == "and" for k in range(subject.end, trigger.start)):
            continue  # only a coordinated predicate of the taxon ("… and has been found to be …")
        result[subject.start] = Binding(trigger, "subject", trigger.start - subject.end)
    return result


def _forward(view: SentenceView, trigger: Mark) -> list[tuple[Mark, int]]:
    """Taxa a trigger governs forward: only when a list starts right after it."""
    end = view.sentence.end
    i = trigger.end
    if (
        i >= end
        or view.text(i) in (",", ";", ".")
        or view.norm(i) in ("and", "or", "but", "while", "whereas", "respectively")
    ):
        return []
    found: list[tuple[Mark, int]] = []
    unknown = distance = 0
    level = view.level(trigger.start)
    listed = view.enumeration < end  # a numbered list runs to the sentence's end
    while i < end and (listed or i - trigger.end < view.max_scope):
        if view.level(i) < level:
            break  # out of the trigger's own parenthesis
        mark = view.at.get(i)
        if mark is not None:
            if mark.kind in ("trigger", "break"):
                break
            if mark.kind == "taxon":
                found.append((mark, distance))
            i = mark.end
            distance += 1
            continue
        if view.aside(i, level) or view.text(i) in PUNCT:
            i += 1
            continue
        kind = view.word_class(i)
        if kind == "blocker":
            break
        if kind == "copula" and found:
            break  # the list is the subject of another predicate
        if kind == "unknown" and i < view.enumeration:
            unknown += 1
            if unknown > view.unknown_budget:
                break
        distance += 1
        i += 1
    return found


def _backward(view: SentenceView, trigger: Mark) -> list[tuple[Mark, int, bool]]:
    """Taxa a trigger governs backward: the list before it ("A and B were decreased")."""
    start = view.sentence.start
    i = trigger.start - 1
    found: list[tuple[Mark, int, bool]] = []
    unknown = distance = 0
    strong = True  # nothing but copulas, adverbs and statistics between taxon and trigger so far
    level = view.level(trigger.start)
    while i >= start and trigger.start - i < view.max_scope:
        if view.level(i) < level:
            break  # out of the trigger's own parenthesis
        mark = view.at.get(i)
        if mark is not None:
            if mark.kind in ("trigger", "break"):
                break
            if mark.kind == "taxon":
                found.append((mark, distance, strong))
            else:
                strong = False
            i = mark.start - 1
            distance += 1
            continue
        if view.aside(i, level) or view.text(i) in PUNCT:
            i -= 1
            continue
        kind = view.word_class(i)
        if kind == "blocker" and not _relative_after_taxon(view, i):
            break
        if kind == "copula" and found and view.norm(i) not in ("to", "be", "been", "being"):
            break  # the verb of another clause: "A and B have associations with PD, and C has increased …"
        if kind != "copula":
            strong = strong and kind in ("material", "blocker") and not found
        if kind == "unknown":
            unknown += 1
            if unknown > view.unknown_budget:
                break
        distance += 1
        i -= 1
    return found


def _relative_after_taxon(view: SentenceView, i: int) -> bool:
    """ "Akkermansia, which is increased in PD": a relative pronoun right after a taxon."""
    if view.norm(i) not in ("which", "that"):
        return False
    k = i - 1
    if k >= view.sentence.start and view.text(k) == ",":
        k -= 1
    mark = view.at.get(k)
    return mark is not None and mark.kind == "taxon"


_SUMMARY_WORDS = {"both", "all", "each", "all of them", "which", "were", "are", "was", "is"}


def _summed_up(view: SentenceView, taxa: list[Mark], triggers: list[Mark]) -> dict[int, Binding]:
    """ "two phyla (Synergistetes and Proteobacteria; both increased in PwP)": a trigger after a
    semicolon inside parentheses, led by "both"/"all", sums up the list before it."""
    result: dict[int, Binding] = {}
    for trigger in triggers:
        level = view.level(trigger.start)
        if level == 0:
            continue
        i = trigger.start - 1
        while i > view.sentence.start and (view.norm(i) in _SUMMARY_WORDS or view.norm(i) in view.cues["adverbs"]):
            i -= 1
        if view.text(i) not in (";", ":") or not any(
            view.norm(k) in ("both", "all", "each") for k in range(i + 1, trigger.start)
        ):
            continue
        k = i - 1
        while k >= view.sentence.start and view.level(k) >= level and view.text(k) not in ("(", "["):
            mark = view.at.get(k)
            if mark is not None and mark.kind == "taxon" and view.level(k) == level:
                result[mark.start] = Binding(trigger, "respectively", i - mark.end)
            k = (mark.start if mark is not None else k) - 1
    return result


def _respectively(view: SentenceView, taxa: list[Mark], triggers: list[Mark]) -> dict[int, Binding]:
    """ "A and B were increased and decreased, respectively": pair them in order."""
    if not any(view.norm(t.i) == "respectively" for t in view.sentence):
        return {}
    result: dict[int, Binding] = {}
    clauses: dict[tuple[int, int], tuple[list[Mark], list[Mark]]] = {}
    for taxon in taxa:
        clauses.setdefault(view.clause(taxon.start), ([], []))[0].append(taxon)
    for trigger in triggers:
        key = view.clause(trigger.start)
        if key in clauses:
            clauses[key][1].append(trigger)
    for clause_taxa, clause_triggers in clauses.values():
        after = [t for t in clause_triggers if t.start > clause_taxa[-1].start] if clause_taxa else []
        if len(clause_taxa) > 1 and len(after) == len(clause_taxa):
            for taxon, trigger in zip(clause_taxa, after, strict=True):
                result[taxon.start] = Binding(trigger, "respectively", 0)
    return result
