"""The `miner_relations` component: turns the taxon, disorder and direction-trigger mentions of
each sentence into (taxon, disorder, direction, subject) findings.

Per sentence:
1. Skip aims and hypotheses (the clause with the cue and what follows it).
2. Give each taxon the trigger that governs it (`scope`); a Mendelian-randomization odds ratio
   can stand in for a trigger. Ratios ("Firmicutes/Bacteroidetes ratio") are no finding.
3. Skip changes caused by a treatment (`causes`): a clause that names an intervention or the
   studied agent, unless the agent is the one that creates a disease model ("MPTP-treated
   mice") or the trigger describes the disease state a treatment acts on ("improved the
   decreased levels").
4. Read the direction the right way round (`frame`): negation, non-significance, a control-group
   locus, correlation with severity.
5. Name the disorder: the locus ("… in patients with MDD" and its coordinated disorders), else a
   mention in the clause or sentence, else the abstract's focus disorders when the sentence is a
   comparison of the disorder's kind (and, in a treatment study, an explicit one). A comparison
   of other groups ("Cluster 2 vs Cluster 1") gets no disorder.
Findings go to `doc._.findings` as `Finding` objects; the extractor makes plain records of them.
Imports: spaCy, stdlib, `miner.extract.{phrases,lexicon,disorders,taxa,scope,frame,context,causes,features}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from miner.extract import disorders as disorder_spans
from miner.extract import taxa as taxon_spans
from miner.extract.causes import acts_on_disorder, agent_triggers, caused_by_treatment, describes_disease_state
from miner.extract.context import DocContext, doc_context
from miner.extract.disorders import DisorderRef
from miner.extract.features import candidate_features
from miner.extract.frame import (
    Locus,
    association_subject_elsewhere,
    coordinated,
    correlate_ok,
    direction,
    foreign_comparison,
    hedged,
    is_ratio,
    is_reference,
    locus,
    odds_ratios,
)
from miner.extract.lexicon import Cues, Trigger, load_cues, load_triggers
from miner.extract.phrases import PhraseIndex
from miner.extract.scope import Binding, Mark, SentenceView, bindings

Doc.set_extension("findings", default=None, force=True)
Doc.set_extension("candidates", default=None, force=True)


@dataclass(frozen=True)
class Tuning:
    """The rules' tuning values, from the component's config (`default_config` below): the
    confidence of each way a trigger binds a taxon, how much a distant trigger, a hedge or a
    disorder taken from the abstract's focus lowers it, and how far a trigger's scope reaches."""

    confidence: dict[str, float]
    far_distance: int
    far_factor: float
    hedge_factor: float
    focus_factor: float
    max_scope: int
    unknown_budget: int


DEFAULTS = Tuning(
    confidence={
        "strong": 0.92,
        "respectively": 0.85,
        "pre": 0.9,
        "post": 0.85,
        "subject": 0.7,
        "odds": 0.85,
        "nearest": 0.5,
    },
    far_distance=8,
    far_factor=0.85,
    hedge_factor=0.85,
    focus_factor=0.8,
    max_scope=45,
    unknown_budget=5,
)
DEFAULT_TUNING: dict[str, Any] = asdict(DEFAULTS)  # the factory's default_config
_NUMBER_WORDS = {
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "several",
    "multiple",
    "many",
    "some",
    "various",
    "unclassified",
    "unidentified",
    "uncultured",
}


@dataclass
class Finding:
    """A candidate (taxon, disorder, direction) of one sentence. `reject` says why the rules turn
    it down ("" when they accept it); `features` describe it for the learned decision."""

    taxon: Span
    disorder: DisorderRef
    disorder_span: Span | None
    direction: str
    subject: str
    confidence: float
    trigger: Span | None
    sentence: Span
    reject: str = ""
    how: str = ""  # how the direction was read: strong, pre, post, respectively, subject, odds, nearest
    source: str = ""  # where the disorder came from: locus, clause, sentence, focus, mention, other focus
    features: tuple[str, ...] = ()


class RelationFinder:
    def __init__(self, nlp: Language, name: str, tuning: Tuning):
        self.name = name
        self.tuning = tuning
        self.triggers: PhraseIndex[Trigger] | None = None
        self.cues: Cues | None = None

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        triggers: str,
        cues: str,
    ) -> None:
        self.triggers = load_triggers(triggers)
        self.cues = load_cues(cues)

    def __call__(self, doc: Doc) -> Doc:
        if self.triggers is None or self.cues is None:
            raise ValueError("miner_relations used before initialize()")
        candidates = find_relations(doc, self.triggers, self.cues, self.tuning)
        doc._.candidates = candidates
        doc._.findings = [c for c in candidates if not c.reject]
        return doc


@Language.factory(
    "miner_relations",
    requires=["token.is_sent_start", "doc.spans", "span._.taxon", "span._.disorders"],
    assigns=["doc._.candidates", "doc._.findings"],
    default_config=DEFAULT_TUNING,
)
def make_relation_finder(
    nlp: Language,
    name: str,
    confidence: dict[str, float],
    far_distance: int,
    far_factor: float,
    hedge_factor: float,
    focus_factor: float,
    max_scope: int,
    unknown_budget: int,
) -> RelationFinder:
    tuning = Tuning(dict(confidence), far_distance, far_factor, hedge_factor, focus_factor, max_scope, unknown_budget)
    return RelationFinder(nlp, name, tuning)


def find_relations(doc: Doc, triggers: PhraseIndex[Trigger], cues: Cues, tuning: Tuning | None = None) -> list[Finding]:
    tuning = tuning or DEFAULTS
    taxa = list(doc.spans.get(taxon_spans.SPAN_KEY, []))
    if not taxa:
        return []
    disorders = list(doc.spans.get(disorder_spans.SPAN_KEY, []))
    models = list(doc.spans.get(disorder_spans.MODELS_KEY, []))
    context = doc_context(doc, disorders, models, cues)
    has_controls = any(True for _ in cues.phrases("control_words").find(doc))
    # agents that create a model of several disorders (LPS, valproic acid, corticosterone)
    models += [
        doc[s:e] for s, e, _ in cues.phrases("model_agents").find(doc) if not any(m.start <= s < m.end for m in models)
    ]
    findings: list[Finding] = []
    for sentence in doc.sents:
        sentence_taxa = [t for t in taxa if sentence.start <= t.start < sentence.end]
        if not sentence_taxa:
            continue
        view = SentenceView.build(
            sentence,
            sentence_taxa,
            [d for d in disorders if sentence.start <= d.start < sentence.end],
            [m for m in models if sentence.start <= m.start < sentence.end],
            triggers,
            cues,
            has_controls,
            max_scope=tuning.max_scope,
            unknown_budget=tuning.unknown_budget,
        )
        findings += _sentence_findings(view, context, tuning)
    return findings


def _sentence_findings(view: SentenceView, context: DocContext, tuning: Tuning) -> list[Finding]:
    """Every candidate of the sentence: what the rules accept (`reject` empty) and what they
    turn down, with why, so a learned decision can weigh both."""
    bound = bindings(view)
    odds = odds_ratios(view)
    aim_from = _aim_start(view)
    subject = _subject(view, context)
    findings = []
    for taxon in view.kinds("taxon"):
        if is_ratio(view, taxon) or _unnamed_members(view, taxon) or _lineage_of_another(view, taxon):
            continue
        reading = (
            _odds_reading(taxon, odds, tuning)
            or _trigger_reading(view, taxon, bound.get(taxon.start), context, tuning)
            or _nearest_reading(view, taxon, tuning)
        )
        if reading is None or not reading.direction:
            continue  # no trigger, or one without a direction ("differentially abundant", "similar trends")
        start, end = view.clause(reading.anchor.start)
        aim = aim_from is not None and max(reading.anchor.start, taxon.start) >= aim_from
        confidence = reading.confidence * (tuning.hedge_factor if hedged(view, start, end) else 1.0)
        trigger_span = view.doc[reading.trigger.start : reading.trigger.end] if reading.trigger is not None else None
        for option in disorder_options(view, taxon, reading.anchor, context):
            reject = "aim" if aim else reading.reject or option.reject
            findings.append(
                Finding(
                    taxon.mention,
                    option.ref,
                    option.span,
                    reading.direction,
                    subject,
                    round(confidence * (tuning.focus_factor if option.source == "focus" else 1.0), 3),
                    trigger_span,
                    view.sentence,
                    reject=reject,
                    how=reading.how,
                    source=option.source,
                    features=candidate_features(view, context, taxon, reading, option, aim),
                )
            )
    return findings


@dataclass
class Reading:
    """How a taxon's direction was read: the trigger (None for an odds ratio), the direction,
    the rules' confidence, the mark the clause is read around, how the trigger binds the taxon,
    and why the rules turn the reading down ("" when they accept it)."""

    trigger: Mark | None
    direction: str
    confidence: float
    anchor: Mark
    how: str
    reject: str = ""


def _odds_reading(taxon: Mark, odds: dict[int, str], tuning: Tuning) -> Reading | None:
    """An odds ratio given for the taxon decides its direction (Mendelian randomization):
    "Genetically increased Bifidobacterium levels correlated with decreased PD risk (OR = 0.77)"."""
    if taxon.start not in odds:
        return None
    return Reading(None, odds[taxon.start], tuning.confidence["odds"], taxon, "odds")


def _trigger_reading(
    view: SentenceView, taxon: Mark, binding: Binding | None, context: DocContext, tuning: Tuning
) -> Reading | None:
    """The reading of the trigger that governs the taxon, or None when none does."""
    if binding is None:
        return None
    trigger, reject = binding.trigger, ""
    if trigger.entry.kind == "correlation" and not correlate_ok(view, trigger, taxon):
        trigger = _coordinated_correlation(view, trigger, taxon) or trigger
        if trigger is binding.trigger:
            reject = "correlate"  # the other side of the correlation is not the disorder
    # a correlation with the disorder or its severity stands whatever the exposure
    if not reject and trigger.entry.kind != "correlation":
        if caused_by_treatment(view, trigger, taxon, context):
            reject = "treatment"
        elif trigger.start in agent_triggers(view, context):
            reject = "agent"  # "PM exposure increased the abundance of …", "EA decreased …"
        elif taxon.start < trigger.start and acts_on_disorder(view, trigger):
            reject = "agent"  # "B. licheniformis reduced the depressive-like behaviours"
    confidence = tuning.confidence[binding.how] * (
        1.0 if binding.distance <= tuning.far_distance else tuning.far_factor
    )
    return Reading(trigger, direction(view, trigger), confidence, trigger, binding.how, reject)


def _nearest_reading(view: SentenceView, taxon: Mark, tuning: Tuning) -> Reading | None:
    """No trigger's scope reaches the taxon: the nearest trigger of its clause (else of the
    sentence) is a candidate the rules turn down."""
    triggers = view.kinds("trigger")
    if not triggers:
        return None
    clause = view.clause(taxon.start)
    near = [t for t in triggers if clause[0] <= t.start < clause[1]] or triggers
    trigger = min(near, key=lambda t: abs(t.start - taxon.start))
    return Reading(trigger, direction(view, trigger), tuning.confidence["nearest"], trigger, "nearest", "unbound")


def _unnamed_members(view: SentenceView, taxon: Mark) -> bool:
    """ "two Ruminococcaceae", "an unidentified genus within Clostridiales": unnamed members of a
    higher taxon, not the taxon itself."""
    if taxon.start == view.sentence.start or taxon.mention._.taxon.rank in ("genus", "species", ""):
        return False
    before = view.norm(taxon.start - 1)
    if before in _NUMBER_WORDS or view.doc[taxon.start - 1].like_num:
        return True
    window = {view.norm(i) for i in range(max(view.sentence.start, taxon.start - 4), taxon.start)}
    return before in ("within", "of", "in") and bool(window & {"unidentified", "unclassified", "uncultured", "unknown"})


_LINEAGE_LINKS = {
    ("of",),
    ("of", "the"),
    ("belonging", "to"),
    ("belonging", "to", "the"),
    ("among",),
    ("within",),
    ("within", "the"),
    ("from", "the"),
    ("in", "the"),
}


def _lineage_of_another(view: SentenceView, taxon: Mark) -> bool:
    """ "Prevotella of the Phylum: Bacteroidetes", "Morganella belonging to Pseudomonadota",
    "class Corynebacteria among phylum Actinobacteria": a higher taxon named only to place the
    one before it, not a finding of its own."""
    i = taxon.start - 1
    while i > view.sentence.start and (view.text(i) == ":" or view.norm(i) in view.cues["rank_words"]):
        i -= 1
    words: list[str] = []
    while i > view.sentence.start and len(words) < 3 and view.at.get(i) is None and view.text(i).isalpha():
        words.insert(0, view.norm(i))
        i -= 1
        if tuple(words) in _LINEAGE_LINKS and words[0] != "the":
            before = view.at.get(i)
            if (
                before is not None
                and before.kind == "taxon"
                and before.mention._.taxon.rank in _BELOW.get(taxon.mention._.taxon.rank, ())
            ):
                return True
    return False


_RANKS = ("species", "genus", "family", "order", "class", "phylum")
_BELOW = {rank: _RANKS[:i] for i, rank in enumerate(_RANKS)}


def _coordinated_correlation(view: SentenceView, trigger: Mark, taxon: Mark) -> Mark | None:
    """ "X were positively related with TLCA …, and were negatively correlated with HAMD score":
    the taxa are also the subject of a later, coordinated correlation."""
    for other in view.kinds("trigger"):
        if other.start <= trigger.end or other.entry.kind != "correlation":
            continue
        between = [view.at.get(i) for i in range(trigger.end, other.start)]
        if any(m is not None and m.kind in ("taxon", "break") for m in between):
            return None
        if "and" in {view.norm(i) for i in range(max(trigger.end, other.start - 4), other.start)} and correlate_ok(
            view, other, taxon
        ):
            return other
    return None


def _aim_start(view: SentenceView) -> int | None:
    """Where an aim or hypothesis starts: the clause of its cue ("We investigated whether …";
    "… in PD mice; however, whether Akk is beneficial is unknown" leaves the first clause a
    finding)."""
    for start, _, _ in view.cues.phrases("hypothesis_cues").find(view.doc, view.sentence.start, view.sentence.end):
        return view.clause(start)[0]
    return None


@dataclass
class DisorderOption:
    ref: DisorderRef
    span: Span | None
    source: str
    reject: str = ""


def disorder_options(view: SentenceView, taxon: Mark, anchor: Mark, context: DocContext) -> list[DisorderOption]:
    """The disorders a reading may be about: the rules' choice first, then every other disorder
    the sentence names and the abstract's other focus disorders, which the rules turn down."""
    chosen, reject = _disorders_for(view, taxon, anchor, context)
    options = [DisorderOption(ref, span, source, reject) for ref, span, source in chosen]
    seen = {option.ref.mesh for option in options}
    for mark in sorted(view.kinds("disorder"), key=lambda d: abs(d.start - anchor.start)):
        for ref in mark.mention._.disorders:
            if ref.mesh not in seen:
                seen.add(ref.mesh)
                options.append(DisorderOption(ref, mark.span, "mention", reject or "other disorder"))
    for ref in context.focus:
        if ref.mesh not in seen and ref.group not in {o.ref.group for o in options}:
            seen.add(ref.mesh)
            options.append(DisorderOption(ref, None, "other focus", reject or "other disorder"))
    return options


def _disorders_for(
    view: SentenceView, taxon: Mark, anchor: Mark, context: DocContext
) -> tuple[list[tuple[DisorderRef, Span | None, str]], str]:
    """The rules' disorders for a reading, with their source, or none and why."""
    where = locus(view, anchor) if anchor.kind == "trigger" else None
    clause_start, clause_end = view.clause(anchor.start)
    in_clause = [d for d in view.kinds("disorder") if clause_start <= d.start < clause_end]
    if where is not None and where.kind == "disorder":
        chosen = _subgroup_qualifier(view, where.disorders) or where.disorders[0]
        refs = _refs(view, chosen, "locus")
        groups = {ref.group for ref, _, _ in refs}
        others = [
            d for d in in_clause if _in_reference(view, d) and not groups & {r.group for r in d.mention._.disorders}
        ]
        if others and not view.kinds("control"):
            return [], "two disorders"  # "higher in GAD than in MDD": no control group, no finding
        if chosen is where.disorders[0] and _against_those(view, anchor):
            return [], "subgroup"  # "… in PD patients who improved, compared to those with a small response"
        return refs, ""
    if (
        where is not None
        and where.kind == "other"
        and not (anchor.kind == "trigger" and anchor.entry.kind == "correlation")
    ):
        return [], "other group"  # a correlation with symptom scores holds in any sample
    anywhere = in_clause or view.kinds("disorder")
    if anywhere:
        if (
            in_clause
            and all(_in_reference(view, d) for d in in_clause)
            and (where is None or where.kind != "control")
            and _names_a_group(view, anchor)
        ):
            return [], "reference"  # "increased in AET mice compared to PD mice": the disorder is the baseline
        nearest = min(anywhere, key=lambda d: abs(d.start - anchor.start))
        return _refs(view, nearest, "clause" if in_clause else "sentence"), ""
    if not context.focus:
        return [], "no disorder"
    if foreign_comparison(view, clause_start, clause_end):
        return [], "other group"
    if not _comparison_of_the_disorder(view, anchor, context, where):
        return [], "not a comparison"
    return [(ref, None, "focus") for ref in context.focus], ""


def _against_those(view: SentenceView, anchor: Mark) -> bool:
    """The reference group is more of the same people: "compared to those with …", "than those
    without …", "compared to veterans who had never …" (the head noun of the locus again)."""
    heads = {view.norm(i) for i in range(anchor.end, view.sentence.end) if view.norm(i) in view.cues["person_nouns"]}
    for i in range(anchor.end, view.sentence.end - 1):
        if is_reference(view, i):
            nxt = [view.norm(k) for k in range(i + 1, min(view.sentence.end, i + 4))]
            people = "those" in nxt and nxt[nxt.index("those") + 1 :][:1] in (
                ["with"],
                ["without"],
                ["who"],
                ["whose"],
                ["having"],
                ["not"],
            )
            if people or any(word in heads and word not in ("group", "groups") for word in nxt[1:]):
                return True
    return False


def _in_reference(view: SentenceView, mark: Mark) -> bool:
    """The mention stands in the comparison's reference: "than (in) PD", "compared to PD mice"."""
    start = view.clause(mark.start)[0]
    for i in range(mark.start - 1, max(start, mark.start - 5) - 1, -1):
        if is_reference(view, i):
            return True
        found = view.at.get(i)
        if found is not None and found.kind in ("taxon", "trigger", "disorder"):
            return False
    return False


def _names_a_group(view: SentenceView, anchor: Mark) -> bool:
    """A group is named after the trigger, before the reference ("… in AET mice compared to …")."""
    i = anchor.end
    while i < view.sentence.end and not is_reference(view, i):
        if view.norm(i) in ("in", "among", "within") and i + 1 < view.sentence.end and view.at.get(i + 1) is None:
            return True
        i += 1
    return False


def _subgroup_qualifier(view: SentenceView, disorders: list[Mark]) -> Mark | None:
    """ "PD patients with MCI had lower … than those without": the condition that tells two
    groups of patients apart is what the comparison is about."""
    if len(disorders) < 2 or view.kinds("control"):
        return None
    first, second = disorders[0], disorders[1]
    between = {view.norm(i) for i in range(first.end, second.start)}
    if not between & {"with", "and comorbid", "comorbid"}:
        return None
    words = {view.norm(i) for i in range(view.sentence.start, view.sentence.end)}
    return second if words & {"without", "non", "those", "versus", "vs", "vs.", "than"} else None


def _comparison_of_the_disorder(view: SentenceView, anchor: Mark, context: DocContext, where: Locus | None) -> bool:
    """May a sentence that names no disorder be read as about the abstract's focus disorder?"""
    if anchor.kind == "trigger" and association_subject_elsewhere(view, anchor):
        return False
    explicit = (
        bool(view.kinds("control"))
        or bool(view.kinds("model"))
        or (where is not None and where.kind in ("patient", "model", "control"))
        or (anchor.kind == "trigger" and describes_disease_state(view, anchor))
    )
    if context.treatment_study:
        return explicit
    if explicit:
        return True
    if anchor.kind == "trigger" and anchor.entry.kind == "correlation":
        return True  # correlate_ok has checked the severity side
    words = {view.norm(t.i) for t in view.sentence if t.i not in view.at}
    if words & (view.cues["group_nouns"] - view.cues["patient_words"]):
        return False  # a group of some other kind ("individuals who …", "monks")
    return anchor.kind != "trigger" or anchor.entry.kind in ("comparative", "change", "null")


def _refs(view: SentenceView, mark: Mark, source: str) -> list[tuple[DisorderRef, Span | None, str]]:
    refs = []
    seen = set()
    for member in coordinated(view, mark):
        for ref in member.mention._.disorders:
            if ref.mesh not in seen:
                seen.add(ref.mesh)
                refs.append((ref, member.span, source))
    return refs


def _subject(view: SentenceView, context: DocContext) -> str:
    cues = view.cues
    animal = sum(1 for t in view.sentence if view.norm(t.i) in cues["animal_words"]) + len(view.kinds("model"))
    human = sum(1 for t in view.sentence if view.norm(t.i) in cues["human_words"])
    if animal != human:
        return "animal" if animal > human else "human"
    return context.subject
