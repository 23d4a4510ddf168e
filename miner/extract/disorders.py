"""The `miner_disorders` component: finds the disorders of the guidelines' table and normalizes
them to MeSH descriptors, following the contract in `miner/pipelines/DISORDERS.md`:

1. lexicon terms, longest match first; a blocking phrase ("oxidative stress") hides the term
   inside it; umbrella terms ("affective disorders") name several descriptors at once;
2. suspended coordination: "depressive- and anxiety-like behaviours" names both;
3. abbreviations: a definition in the abstract wins ("panic disorder (PD)"; "affective
   disorders (AD)" is no disorder at all); undefined, standalone ones (MDD, ADHD) count, and
   ambiguous ones (PD, AD, MS) only where the abstract names the descriptor by a term;
4. adjectives before a head noun ("depressed patients", "autistic young children"), not after a
   negation ("non-depressed controls");
5. animal models and model agents (MPTP, CUMS, EAE) are not mentions; they go to
   `doc.spans["models"]` for the relation component.
Mentions go to `doc.spans["disorders"]`; each span carries `span._.disorders`, a tuple of
`DisorderRef`. Imports: spaCy, stdlib, `miner.extract.{phrases,lexicon}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from miner.extract.lexicon import EXCLUDED, Concept, Cues, DisorderLexicon, load_cues, load_disorders
from miner.extract.phrases import normalize, token_norms, token_texts

SPAN_KEY = "disorders"
MODELS_KEY = "models"
_NEGATING = {"non", "not", "never", "without", "un"}
_ABBREVIATION_FORM = re.compile(r"^(?P<abbr>[A-Za-z][A-Za-z/]*[A-Za-z0-9])(?:s)?(?:-(?!\d).*)?$")


@dataclass(frozen=True)
class DisorderRef:
    mesh: str
    name: str
    group: str
    via: str  # term, abbreviation, adjective or coordination


Span.set_extension("disorders", default=(), force=True)


class DisorderRecognizer:
    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.lexicon: DisorderLexicon | None = None
        self.cues: Cues | None = None

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        lexicon: str,
        umbrellas: str,
        cues: str,
    ) -> None:
        self.lexicon = load_disorders(lexicon, umbrellas)
        self.cues = load_cues(cues)

    def __call__(self, doc: Doc) -> Doc:
        if self.lexicon is None or self.cues is None:
            raise ValueError("miner_disorders used before initialize()")
        doc.spans[SPAN_KEY] = _spans(doc, find_disorders(doc, self.lexicon, self.cues), "DISORDER")
        doc.spans[MODELS_KEY] = _spans(
            doc, [(s, e, tuple(_ref(c, "model") for c in cs)) for s, e, cs in self.lexicon.models.find(doc)], "MODEL"
        )
        return doc


@Language.factory("miner_disorders", requires=["doc._.abbreviations"], assigns=["doc.spans", "span._.disorders"])
def make_disorder_recognizer(nlp: Language, name: str) -> DisorderRecognizer:
    return DisorderRecognizer(nlp, name)


def _spans(doc: Doc, found: list[Mention], label: str) -> list[Span]:
    spans = []
    for start, end, refs in found:
        span = Span(doc, start, end, label=label, kb_id=refs[0].mesh)
        span._.disorders = refs
        spans.append(span)
    return spans


Mention = tuple[int, int, tuple[DisorderRef, ...]]


def find_disorders(doc: Doc, lexicon: DisorderLexicon, cues: Cues) -> list[Mention]:
    found: list[Mention] = []
    for start, end, concepts in lexicon.terms.find(doc):
        real = [c for c in concepts if c is not EXCLUDED]
        if real and len(real) == len(concepts):
            found.append((start, end, tuple(_ref(c, "term") for c in real)))
    found += _suspended_coordination(doc, lexicon, found)
    covered = {i for start, end, _ in found for i in range(start, end)}
    named = {ref.mesh for _, _, refs in found for ref in refs}
    usable = usable_abbreviations(doc, lexicon, named)
    norms = token_norms(doc)
    heads = cues["head_nouns"]
    long_forms = _other_long_forms(doc)
    for i, word in enumerate(token_texts(doc)):
        if i in covered:
            continue
        match = _ABBREVIATION_FORM.match(word)
        if match and match.group("abbr") in usable:
            found.append((i, i + 1, tuple(_ref(c, "abbreviation") for c in usable[match.group("abbr")])))
        elif norms[i] in lexicon.adjectives and _has_head_noun(norms, i, heads):
            found.append((i, i + 1, (_ref(lexicon.adjectives[norms[i]], "adjective"),)))
        elif word in long_forms:
            found += _through_long_form(doc, lexicon, i, long_forms[word])
    return sorted(found, key=lambda item: item[0])


def _other_long_forms(doc: Doc) -> dict[str, str]:
    """Abbreviations the abstract defines (whatever as): short form → long form text."""
    return {
        short.text: short._.long_form.text
        for short in getattr(doc._, "abbreviations", None) or []
        if short._.long_form is not None
    }


def _through_long_form(doc: Doc, lexicon: DisorderLexicon, i: int, long_form: str) -> list[Mention]:
    """ "METH users" where METH is defined as methamphetamine: the long form plus the next one or
    two words may be a term ("methamphetamine users")."""
    norms = token_norms(doc)
    for width in (2, 1):
        if i + width >= len(doc):
            continue
        concepts = [
            c for c in lexicon.terms.get(long_form + " " + " ".join(norms[i + 1 : i + 1 + width])) if c is not EXCLUDED
        ]
        if concepts:
            return [(i, i + 1 + width, tuple(_ref(c, "abbreviation") for c in concepts))]
    return []


def _has_head_noun(norms: list[str], i: int, heads: frozenset[str]) -> bool:
    if i > 0 and norms[i - 1] in _NEGATING:
        return False
    return any(i + k < len(norms) and norms[i + k] in heads for k in (1, 2))


def _suspended_coordination(doc: Doc, lexicon: DisorderLexicon, found: list[Mention]) -> list[Mention]:
    """ "W and|or <term>": W plus the term's tail is itself a term → W names that descriptor
    ("depressive- and anxiety-like behaviours", "psychotic and affective disorders")."""
    norms = token_norms(doc)
    taken = {i for start, end, _ in found for i in range(start, end)}
    extra: list[Mention] = []
    for start, end, _ in found:
        conj = start - 1
        if conj < 1 or norms[conj] not in ("and", "or"):
            continue
        words = normalize(doc[start:end].text).split()
        for width in (1, 2):
            w_start = conj - width
            if w_start < 0 or taken.intersection(range(w_start, conj)):
                continue
            head = " ".join(norms[w_start:conj])
            concepts = []
            for skip in (1, 2):
                if len(words) > skip:
                    concepts = [c for c in lexicon.terms.get(head + " " + " ".join(words[skip:])) if c is not EXCLUDED]
                    if concepts:
                        break
            if concepts:
                extra.append((w_start, conj, tuple(_ref(c, "coordination") for c in concepts)))
                break
    return extra


def usable_abbreviations(doc: Doc, lexicon: DisorderLexicon, named: set[str]) -> dict[str, tuple[Concept, ...]]:
    """Short forms that mean a disorder in this abstract (rule 5 of miner/pipelines/DISORDERS.md)."""
    defined: dict[str, tuple[Concept, ...]] = {}
    for short in getattr(doc._, "abbreviations", None) or []:
        if short.text not in defined:
            defined[short.text] = _defined_as(doc, lexicon, short)
    usable = {short: concepts for short, concepts in defined.items() if concepts}
    for abbr, (concept, standalone) in lexicon.abbreviations.items():
        if abbr not in defined and (standalone or concept.mesh in named):
            usable[abbr] = (concept,)
    return usable


def _defined_as(doc: Doc, lexicon: DisorderLexicon, short: Span) -> tuple[Concept, ...]:
    """The descriptors a local definition gives: a term that starts the long form, or ends it,
    and begins with the abbreviation's first letter (an umbrella term gives several)."""
    long_form = short._.long_form
    if long_form is None:
        return ()
    first = short.text[:1].lower()
    for start, end, concepts in lexicon.terms.find(doc, long_form.start, long_form.end):
        real = tuple(c for c in concepts if c is not EXCLUDED)
        if real and (start == long_form.start or end == long_form.end) and doc[start].text[:1].lower() == first:
            return real
    # "ultra-high risk (UHR)" where the abstract's term is "ultra-high risk for psychosis"
    prefix = normalize(long_form.text) + " "
    for start, end, concepts in lexicon.terms.find(doc):
        real = tuple(c for c in concepts if c is not EXCLUDED)
        if real and normalize(doc[start:end].text).startswith(prefix):
            return real
    return ()


def _ref(concept: Concept, via: str) -> DisorderRef:
    return DisorderRef(concept.mesh, concept.name, concept.group, via)
