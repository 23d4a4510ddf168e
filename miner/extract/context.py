"""What an abstract as a whole says about its findings: which disorder(s) it is about, whether it
studies a treatment (and which agent), and whether its subjects are humans or animals.

- focus: the disorders the title names (all of them: "psychotic and affective disorders" is
  psychosis, bipolar and depression), else the disorder named most often. A stress term gives
  way to a disorder whose stress paradigm the abstract uses ("CUMS … depression": depression).
- treatment study: the title or design says so (effects of …, … alleviates …, supplementation,
  randomized, placebo); its agent ("FGF21", "GEP", "NVP-1704") is found in the title and through
  the abbreviations the abstract defines for it.
- subject: the title's animals or people, else the majority of the abstract's cue words.
Imports: spaCy types, stdlib, `miner.reviews`, `miner.extract.{attributes,phrases,lexicon,disorders}`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from miner.extract.attributes import title_end as marked_title_end
from miner.extract.disorders import DisorderRef
from miner.extract.lexicon import Cues
from miner.extract.phrases import doc_text, normalize, token_norms, token_starts, token_texts
from miner.reviews import is_review_text

_TREATMENT_TITLE = re.compile(
    r"\b(?:efficacy of|benefits? of|supplementation|supplemented|treatments?|treated with|"
    r"administration|intervention|trial|alleviat\w*|ameliorat\w*|attenuat\w*|improv\w*|revers\w*|protect\w*|prevent\w*|"
    r"rescu\w*|reliev\w*|mitigat\w*|therapeutic|therapy|probiotics?|prebiotics?|synbiotics?|transplantation|exerts?|"
    r"neuroprotect\w*|antidepressant|anxiolytic)\b",
    re.IGNORECASE,
)
_TREATMENT_DESIGN = re.compile(r"\b(?:randomi[sz]ed|placebo|double-blind|open-label|crossover trial)\b", re.IGNORECASE)
_AGENT_BEFORE_VERB = re.compile(
    r"^(?P<agent>.+?)\s+(?:alleviates|ameliorates|attenuates|improves|reverses|protects|prevents|rescues|relieves|"
    r"mitigates|exerts|modulates|regulates|restores|enhances|reduces|promotes|inhibits|suppresses|counteracts|"
    r"normali[sz]es|confers|shows|exhibits|has|have|improved|alleviated|ameliorated|attenuated|reversed|protected)\b",
    re.IGNORECASE,
)
_AGENT_AFTER_OF = re.compile(
    r"\b(?:effects?|impacts?|efficacy|benefits?|influence|role) of (?P<agent>.+?) (?:on|in|against|for|to)\b",
    re.IGNORECASE,
)
_STOP = {
    "the",
    "a",
    "an",
    "of",
    "and",
    "or",
    "in",
    "on",
    "with",
    "by",
    "oral",
    "dietary",
    "gut",
    "microbiota",
    "microbiome",
    "its",
    "their",
    "intestinal",
    "fecal",
    "faecal",
    "brain",
    "effects",
    "effect",
    "role",
    "patients",
    "mice",
    "rats",
    "model",
    "models",
    "disease",
    "diseases",
    "disorder",
    "disorders",
    "long",
    "term",
    "short",
    "chronic",
    "early",
    "life",
    "protective",
    "beneficial",
    "potential",
    "novel",
    "new",
    "combined",
    "low",
    "high",
    "dose",
    "daily",
}


@dataclass(frozen=True)
class DocContext:
    focus: tuple[DisorderRef, ...]
    subject: str
    treatment_study: bool
    agent_tokens: frozenset[int]  # token indices where the studied treatment is named
    review: bool = False  # the text presents itself as a review or meta-analysis
    title_end: int = 0
    title_meshes: frozenset[str] = frozenset()  # descriptors the title names


def doc_context(doc: Doc, disorders: list[Span], models: list[Span], cues: Cues) -> DocContext:
    title_end = _title_end(doc)
    # words of the title that name a disorder, a model or a taxon are never the treatment
    named = {
        word
        for span in (*disorders, *models, *doc.spans.get("taxa", []))
        if span.end_char <= title_end
        for word in normalize(span.text).split()
    }
    treatment_study = bool(
        _TREATMENT_TITLE.search(doc_text(doc)[:title_end]) or _TREATMENT_DESIGN.search(doc_text(doc))
    )
    return DocContext(
        focus=focus_disorders(disorders, models, title_end),
        subject=_subject(doc, models, cues, title_end),
        treatment_study=treatment_study,
        agent_tokens=_agent_tokens(doc, title_end, named) if treatment_study else frozenset(),
        review=is_review_text(doc_text(doc)[:title_end], doc_text(doc)[title_end:]),
        title_end=title_end,
        title_meshes=frozenset(
            ref.mesh for span in disorders if span.end_char <= title_end for ref in span._.disorders
        ),
    )


def _title_end(doc: Doc) -> int:
    """Character offset where the title ends (the extractor labels it TITLE)."""
    end = marked_title_end(doc)
    if end is not None:
        return end
    first = next(iter(doc.sents), None)
    return first.end_char if first is not None else 0


def focus_disorders(disorders: list[Span], models: list[Span], title_end: int) -> tuple[DisorderRef, ...]:
    if not disorders:
        return ()
    counts = Counter(ref.mesh for span in disorders for ref in span._.disorders)
    in_title = [span for span in disorders if span.end_char <= title_end]
    pool = (
        in_title
        or _listed_together(disorders)
        or [max(disorders, key=lambda s: (max(counts[r.mesh] for r in s._.disorders), -s.start))]
    )
    by_group: dict[str, DisorderRef] = {}
    for span in pool:
        for ref in span._.disorders:
            best = by_group.get(ref.group)
            if best is None or counts[ref.mesh] > counts[best.mesh]:
                by_group[ref.group] = ref
    named_groups = {ref.group: ref for span in disorders for ref in span._.disorders}
    modelled = {ref.group for span in models for ref in span._.disorders}
    if "stress" in by_group:
        replacement = [named_groups[g] for g in modelled if g != "stress" and g in named_groups]
        if replacement:
            del by_group["stress"]
            for ref in replacement:
                by_group.setdefault(ref.group, ref)
    return tuple(by_group.values())


_LIST_GAP = re.compile(r"^[\s,;]*(?:and|or|as well as)?[\s,;]*$")


def _listed_together(disorders: list[Span]) -> list[Span]:
    """The longest list of three or more disorders of different groups named together ("seven
    brain-related diseases (ADHD, autism spectrum disorder, schizophrenia, …)"): an abstract
    whose title names none is about all of them."""
    best: list[Span] = []
    run: list[Span] = []
    for span in sorted(disorders, key=lambda s: s.start):
        if run and _LIST_GAP.match(span.doc[run[-1].end : span.start].text if span.start > run[-1].end else ""):
            run.append(span)
        else:
            run = [span]
        if len({ref.group for member in run for ref in member._.disorders}) >= 3 and len(run) > len(best):
            best = list(run)
    return best


def _subject(doc: Doc, models: list[Span], cues: Cues, title_end: int) -> str:
    norms = token_norms(doc)
    title = [n for start, n in zip(token_starts(doc), norms, strict=True) if start < title_end]
    for words in (title, norms):
        animal = sum(1 for n in words if n in cues["animal_words"])
        human = sum(1 for n in words if n in cues["human_words"])
        if words is norms:
            animal += len(models)
        if animal != human:
            return "animal" if animal > human else "human"
    return "human"


def _agent_tokens(doc: Doc, title_end: int, named: set[str]) -> frozenset[int]:
    """Where the abstract names the treatment its title is about."""
    title = doc_text(doc)[:title_end]
    match = _AGENT_BEFORE_VERB.match(title) or _AGENT_AFTER_OF.search(title)
    if not match:
        return frozenset()
    agent_words = {
        w
        for w in normalize(re.sub(r"[()\[\],:]", " ", match.group("agent"))).split()
        if w not in _STOP and w not in named and len(w) > 2
    }
    if not agent_words:
        return frozenset()
    names = {_acronym(match.group("agent"))} - {""}
    for short in getattr(doc._, "abbreviations", None) or []:
        long_form = short._.long_form
        if long_form is not None and set(normalize(long_form.text).split()) & agent_words:
            names.add(short.text)
    norms, texts, starts = token_norms(doc), token_texts(doc), token_starts(doc)
    found = set()
    for i, word in enumerate(texts):
        if starts[i] < title_end:
            continue
        head = re.split(r"[-/]", word, maxsplit=1)[0]
        if head in names or word in names or set(norms[i].split()) & agent_words:
            found.add(i)
    found |= _agent_phrase(doc, norms, title_end, " ".join(normalize(match.group("agent")).split()))
    return frozenset(found)


def _acronym(phrase: str) -> str:
    """ "Fibroblast growth factor 21" → "FGF21"; "Gastrodia elata polysaccharide" → "GEP"."""
    words = [w for w in re.split(r"[\s\-]+", phrase) if w and w.lower() not in _STOP]
    if len(words) < 2:
        return ""
    letters = "".join(w[0].upper() for w in words if not w.isdigit())
    digits = "".join(w for w in words if w.isdigit())
    return letters + digits if len(letters) >= 2 else ""


def _agent_phrase(doc: Doc, norms: list[str], title_end: int, phrase: str) -> set[int]:
    """Occurrences of the whole agent phrase in the abstract ("Gastrodia elata polysaccharide")."""
    words = phrase.split()
    if len(words) < 2:
        return set()
    found = set()
    starts = token_starts(doc)
    flat = [(i, n) for i, n in enumerate(norms) if n and starts[i] >= title_end]
    texts = [n for _, n in flat]
    for k in range(len(texts) - len(words) + 1):
        if texts[k : k + len(words)] == words:
            found |= {flat[k + j][0] for j in range(len(words))}
    return found
