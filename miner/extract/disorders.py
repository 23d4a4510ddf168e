"""The `miner_disorders` component: finds the disorders of the guidelines' table and normalizes
them to MeSH descriptors.

Three routes: lexicon terms (longest match, with blocking phrases such as "oxidative stress"),
abbreviations (those scispaCy's AbbreviationDetector sees defined in the text, plus the
lexicon's standalone ones; ambiguous ones such as PD or MS only when the abstract names the
disorder in full), and person adjectives before a person noun ("depressed patients").
Results go to `doc.spans["disorders"]`, each span carrying a `DisorderRef` in `span._.disorder`.
Imports: spaCy, stdlib, `miner.extract.{phrases,lexicon}`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from miner.extract.lexicon import EXCLUDED, Concept, Cues, DisorderLexicon, load_cues, load_disorders
from miner.extract.phrases import normalize

SPAN_KEY = "disorders"


@dataclass(frozen=True)
class DisorderRef:
    mesh: str
    name: str
    group: str
    via: str  # term, abbreviation or adjective


Span.set_extension("disorder", default=None, force=True)


class DisorderRecognizer:
    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.lexicon: DisorderLexicon | None = None
        self.cues: Cues | None = None

    def initialize(self, get_examples=None, *, nlp=None, lexicon: str, cues: str) -> None:
        self.lexicon = load_disorders(lexicon)
        self.cues = load_cues(cues)

    def __call__(self, doc: Doc) -> Doc:
        if self.lexicon is None or self.cues is None:
            raise ValueError("miner_disorders used before initialize()")
        spans = []
        for start, end, ref in find_disorders(doc, self.lexicon, self.cues):
            span = Span(doc, start, end, label="DISORDER", kb_id=ref.mesh)
            span._.disorder = ref
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc


@Language.factory("miner_disorders")
def make_disorder_recognizer(nlp: Language, name: str) -> DisorderRecognizer:
    return DisorderRecognizer(nlp, name)


def find_disorders(doc: Doc, lexicon: DisorderLexicon, cues: Cues) -> list[tuple[int, int, DisorderRef]]:
    found: list[tuple[int, int, DisorderRef]] = []
    for start, end, concepts in lexicon.terms.find(doc):
        concept = concepts[0]
        if concept is not EXCLUDED:
            found.append((start, end, _ref(concept, "term")))
    covered = {i for start, end, _ in found for i in range(start, end)}
    named = {ref.mesh for _, _, ref in found}
    usable = usable_abbreviations(doc, lexicon, named)
    for token in doc:
        if token.i in covered:
            continue
        head = re.split(r"[-/]", token.text, maxsplit=1)[0]
        if head in usable:
            found.append((token.i, token.i + 1, _ref(usable[head], "abbreviation")))
        elif normalize(token.text) in lexicon.adjectives and token.i + 1 < len(doc):
            if normalize(doc[token.i + 1].text) in cues["person_nouns"]:
                found.append((token.i, token.i + 1, _ref(lexicon.adjectives[normalize(token.text)], "adjective")))
    return sorted(found, key=lambda item: item[0])


def usable_abbreviations(doc: Doc, lexicon: DisorderLexicon, named: set[str]) -> dict[str, Concept]:
    """Short forms that mean a disorder in this abstract.

    Defined ones (scispaCy saw "major depressive disorder (MDD)") win; a short form the
    abstract defines as something else is never a disorder; otherwise the lexicon's standalone
    abbreviations always count and ambiguous ones count when the disorder is named in full.
    """
    defined: dict[str, Concept | None] = {}
    for short in getattr(doc._, "abbreviations", None) or []:
        long_form = short._.long_form
        concepts = [c for c in lexicon.terms.get(long_form.text) if c is not EXCLUDED] if long_form is not None else []
        if not concepts and long_form is not None:
            concepts = [c for _, _, cs in lexicon.terms.find(doc, long_form.start, long_form.end) for c in cs]
            concepts = [c for c in concepts if c is not EXCLUDED]
        defined.setdefault(short.text, concepts[0] if concepts else None)
    usable = {short: concept for short, concept in defined.items() if concept is not None}
    for abbr, (concept, standalone) in lexicon.abbreviations.items():
        if abbr in defined:
            continue
        if standalone or concept.mesh in named or any(c.group == concept.group for c in _concepts(lexicon, named)):
            usable[abbr] = concept
    return usable


def _concepts(lexicon: DisorderLexicon, meshes: set[str]) -> list[Concept]:
    return [lexicon.concepts[m] for m in meshes if m in lexicon.concepts]


def _ref(concept: Concept, via: str) -> DisorderRef:
    return DisorderRef(concept.mesh, concept.name, concept.group, via)
