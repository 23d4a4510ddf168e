"""What causes a change a sentence reports: the disease, or something done to the subjects.

The relation component turns a reading down when the change is caused by a treatment (an
intervention word or the agent the abstract studies, named as the cause: "Probiotic treatment
increased …", "… increased after vancomycin pretreatment"), by an agent that is the subject of
the verb ("PM exposure increased the relative abundance of …", "EA decreased …", "it reduced …"
after a treatment, and verbs coordinated with them), or when the taxon acts on the disorder
("B. licheniformis reduced the depressive-like behaviours"). What creates the disease model
("MPTP-treated mice", "chronic stress exposure reduced …") and the disease state a treatment acts
on ("improved the decreased levels of X", "a reversal in the decrease of …") stay findings.
Imports: stdlib, `miner.extract.{scope,context}`.
"""

from __future__ import annotations

import re
from itertools import pairwise

from miner.extract.context import DocContext
from miner.extract.scope import Mark, SentenceView, trigger_role

_CAUSAL = {
    "after",
    "following",
    "upon",
    "by",
    "post",
    "during",
    "under",
    "through",
    "via",
    "response",
    "receiving",
    "received",
}


def caused_by_treatment(view: SentenceView, trigger: Mark, taxon: Mark, context: DocContext) -> bool:
    """Does the trigger's clause report a change a treatment made? A treatment (an intervention
    word or the agent the abstract studies) causes the change when it is named before the
    trigger ("Probiotic treatment increased …", "FGF21 … increased …") or after it behind a
    causal preposition ("… increased after vancomycin pretreatment"); named after it in the same
    list it is only measured alongside ("depleted B. longum … and homovanillic acid")."""
    start, end = view.clause(trigger.start)
    start, end = min(start, view.clause(taxon.start)[0]), max(end, view.clause(taxon.start)[1])
    stems = view.cues.prefixes("intervention_stems")
    named = [i for i in range(start, end) if stems.match(view.norm(i)) or i in context.agent_tokens]
    if any(True for _ in view.cues.phrases("strong_interventions").find(view.doc, start, end)) or _after_intervention(
        view, stems, context
    ):
        return not describes_disease_state(view, trigger)
    causes = [
        i
        for i in named
        # "post-lockdown", "pre-treatment" carry their own "after"/"before"
        if _in_front(view, i, trigger)
        or _behind_causal_preposition(view, i, trigger)
        or view.norm(i).startswith(("post ", "pre "))
    ]
    if not causes or describes_disease_state(view, trigger):
        return False
    if all(i not in context.agent_tokens and _makes_the_model(view, i) for i in causes):
        return False  # the intervention creates the model ("MPTP-treated mice", "LPS injection")
    if not context.agent_tokens.intersection(range(start, end)):
        kinds = {m.kind for m in view.marks if start <= m.start < end}
        if {"disorder", "control"} <= kinds:
            return False  # an explicit disorder-versus-control comparison that mentions a therapy
    return True


_VERB_ENDINGS = ("ed", "es")
_OBJECT_HEADS = {
    "the",
    "abundance",
    "abundances",
    "relative",
    "levels",
    "level",
    "proportion",
    "proportions",
    "number",
    "numbers",
    "amount",
    "amounts",
    "growth",
    "population",
    "populations",
    "colonization",
    "load",
}
_CONJUNCTIONS = {"and", "but", "while", "whereas", "as well as", "yet"}
_PRONOUN_SUBJECTS = {"it", "they", "this", "these", "which"}
_RISK_WORDS = {"risk", "risks", "odds", "likelihood", "susceptibility", "incidence", "onset"}


def agent_triggers(view: SentenceView, context: DocContext) -> set[int]:
    """Triggers that are active verbs with a subject that is not the disease: "PM exposure
    significantly increased the relative abundance of …", "EA increased the abundance of …",
    "it reduced …" after a treatment, and the verbs coordinated with them ("… and decreased
    that of Fibrobacteres"). A model agent ("MPTP increased …") or a disorder as subject keeps
    the finding, and so does a verb of having or showing ("patients exhibited decreased …")."""
    if "agents" in view.memo:
        agents: set[int] = view.memo["agents"]
        return agents
    found: set[int] = view.memo.setdefault("agents", set())
    previous: Mark | None = None
    for trigger in view.kinds("trigger"):
        verb = view.norm(trigger.end - 1)
        if (
            trigger.entry.kind != "change"
            or not verb.endswith((*_VERB_ENDINGS, "ing"))
            or not _has_object(view, trigger)
        ):
            previous = trigger
            continue
        if verb.endswith("ing"):
            # "… by increasing A, and decreasing B", "especially in decreasing A, while increasing B":
            # a gerund's subject is the clause's cause, named earlier in the sentence
            if _treatment_named(view, view.sentence.start, trigger.start, context):
                found.add(trigger.start)
            previous = trigger
            continue
        i = trigger.start - 1
        while i >= view.sentence.start and view.norm(i) in view.cues["adverbs"]:
            i -= 1
        subject = view.norm(i) if i >= view.sentence.start else ""
        mark = view.at.get(i)
        if mark is not None and mark.kind != "break":
            agent = False  # a taxon, the disorder, its model or the controls as subject
        elif subject in _CONJUNCTIONS or view.text(i) == ",":
            # "… increased A and decreased B", "FMT upregulated A but downregulated B"
            agent = previous is not None and (
                previous.start in found
                or _treatment_named(view, view.clause(previous.start)[0], previous.start, context)
            )
        elif subject in _PRONOUN_SUBJECTS:
            agent = subject != "which" and _names_treatment(view, view.sentence.start, trigger.start)
        else:
            # a noun before the verb, not a preposition, article, verb or participle ("improved decreased
            # levels"), and not what creates the disease ("chronic stress exposure", "MPTP injection")
            agent = (
                trigger_role(view, trigger) == "both"
                and view.text(i)[:1].isalpha()
                and not subject.endswith(("ing", "ed"))
                and subject not in _NOT_AGENTS
                and not _is_cue_word(view, subject)
                and not _disease_before(view, i)
            )
        if agent:
            found.add(trigger.start)
        previous = trigger
    return found


_NOT_AGENTS = {
    "we",
    "study",
    "studies",
    "analysis",
    "analyses",
    "results",
    "data",
    "sequencing",
    "which",
    "that",
    "also",
    "significantly",
}


def _disease_before(view: SentenceView, i: int) -> bool:
    """The noun at `i` ends a phrase naming the disorder or its model: "chronic stress exposure"."""
    for k in range(i - 1, max(view.sentence.start, i - 3) - 1, -1):
        mark = view.at.get(k)
        if mark is not None:
            return mark.kind in ("disorder", "model")
    return False


def _is_cue_word(view: SentenceView, word: str) -> bool:
    cues = view.cues
    return (
        word in cues["copulas"]
        or word in cues["person_nouns"]
        or word in cues["patient_words"]
        or word in cues["blockers"]
        or word in cues["list_words"]
    )


def _has_object(view: SentenceView, trigger: Mark) -> bool:
    """The verb takes an object: a taxon or "the (relative) abundance of …" right after it."""
    i = trigger.end
    if i >= view.sentence.end:
        return False
    mark = view.at.get(i)
    return (mark is not None and mark.kind == "taxon") or view.norm(i) in _OBJECT_HEADS or view.norm(i) == "that"


def _treatment_named(view: SentenceView, start: int, end: int, context: DocContext) -> bool:
    """An intervention word or the studied agent between tokens `start` and `end`."""
    return _names_treatment(view, start, end) or bool(context.agent_tokens.intersection(range(start, end)))


def _names_treatment(view: SentenceView, start: int, end: int) -> bool:
    stems = view.cues.prefixes("intervention_stems")
    return any(stems.match(view.norm(i)) for i in range(start, end))


def acts_on_disorder(view: SentenceView, trigger: Mark) -> bool:
    """The trigger's object is the disorder ("reduced the depressive-like and anxiety-like
    behaviours"), not the taxon before it; "decreased the risk of depression" stays a finding."""
    i = trigger.end
    while i < view.sentence.end and view.norm(i) in ("the", "a", "an", "their", "its"):
        i += 1
    mark = view.at.get(i)
    if mark is None or mark.kind not in ("disorder", "model"):
        return False
    after = {view.norm(k) for k in range(mark.end, min(view.sentence.end, mark.end + 3))}
    return not after & _RISK_WORDS


def _in_front(view: SentenceView, i: int, trigger: Mark) -> bool:
    """Named before the trigger, within the same coordinated part of the clause."""
    if i >= trigger.start:
        return False
    words = [view.text(k) for k in range(i + 1, trigger.start)]
    return not any(a == "," and b.lower() == "and" for a, b in pairwise(words))


def _makes_the_model(view: SentenceView, i: int) -> bool:
    """ "MPTP-treated", "MPTP treatment", "treated with MPTP", "injection of LPS"."""
    for model in view.kinds("model"):
        if model.start <= i < model.end or model.end == i:
            return True
        if (
            i < model.start
            and all(view.norm(k) in ("with", "by", "of") for k in range(i + 1, model.start))
            and model.start - i <= 2
        ):
            return True
    return False


def _after_intervention(view: SentenceView, stems: re.Pattern[str], context: DocContext) -> bool:
    """ "… in PD patients after FMT, while …": a time after a treatment frames the whole sentence."""
    for i in range(view.sentence.start, view.sentence.end - 1):
        if view.norm(i) in ("after", "following", "upon", "post"):
            for k in range(i + 1, min(view.sentence.end, i + 4)):
                if stems.match(view.norm(k)) or k in context.agent_tokens:
                    return True
    return False


def describes_disease_state(view: SentenceView, trigger: Mark) -> bool:
    """ "improved the decreased levels of X", "reversed the MPTP-induced increase in X", "the
    stress-induced elevation of X": the trigger is the disease's own change."""
    before = [view.norm(i) for i in range(max(view.sentence.start, trigger.start - 3), trigger.start)]
    if set(before) & view.cues["reversal_verbs"]:
        return True
    return any(word.endswith((" induced", " evoked", " elicited", " associated", " related")) for word in before[-2:])


def _behind_causal_preposition(view: SentenceView, i: int, trigger: Mark) -> bool:
    if i <= trigger.end:
        return False
    before = [view.norm(k) for k in range(max(trigger.end, i - 3), i)]
    if "with" in before:
        # "higher with both a low FODMAP diet and MDD": the disorder shares the condition
        return not any(m.kind == "disorder" and i < m.start <= i + 8 for m in view.marks)
    return bool(set(before) & _CAUSAL)
