"""The `miner_taxa` component: finds microbial taxa in a Doc and normalizes them to NCBI taxids.

Recognition is a longest-match gazetteer lookup (`Taxonomy.names`) plus the forms abstracts use
that no gazetteer lists: abbreviated species after first mention ("F. prausnitzii"), compound
and reference-database labels ("Escherichia-Shigella", "Ruminococcaceae UCG-002",
"Lachnospiraceae NK4A136 group", "CAG-977"). Names that are also ordinary words, very short or
all-uppercase count only with evidence: italics, capitalisation inside a sentence, a rank word
beside them, or another taxon in the same list. Results go to `doc.spans["taxa"]`, each span
carrying a `TaxonRef` in `span._.taxon`.
Imports: spaCy, stdlib, `miner.extract.{phrases,taxonomy,lexicon}`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from miner.extract.lexicon import Cues, load_cues
from miner.extract.phrases import normalize
from miner.extract.taxonomy import Name, Taxonomy, load_taxonomy

SPAN_KEY = "taxa"


@dataclass(frozen=True)
class TaxonRef:
    """What a taxon mention refers to; `taxid` is None for reference-database labels."""

    taxid: int | None
    name: str
    rank: str


@dataclass
class Mention:
    start: int
    end: int
    ref: TaxonRef
    evidence: bool = True


Span.set_extension("taxon", default=None, force=True)

_LABEL_TAIL = re.compile(
    r"""^(?:[ _](?:
        UCG[-_ ]?\d{1,4}(?:\ group)?                      # Ruminococcaceae UCG-002
      | [A-Z]{1,3}-?\d{1,5}[A-Z]?\d{0,5}(?:[-_]\d+)?\ group  # NK4A136 group, ND3007 group, R-7 group
      | group                                           # Eubacterium coprostanoligenes group
      | sensu\ stricto(?:[ _]\d{1,2})?                  # Clostridium sensu stricto 1
      | (?:cluster\ )?[IVXl]{1,5}[a-z]?\b               # Clostridium cluster IV, Clostridium XIVa
      | [Ii]ncertae\ [Ss]edis                           # Family XIII Incertae Sedis
      | \d{1,2}(?=[\s,;.)\]]|$)(?!\s*(?:%|weeks?|days?|months?|years?|mg|g\b|h\b|hours?|patients?|subjects?|mice|rats))
    ))""",
    re.VERBOSE,
)
_ROMAN_AFTER = {"clostridium"}
_STANDALONE_LABEL = re.compile(r"^(?:CAG|UBA|UCG|HGM|SFMI)[-_]?\d{2,5}$")
_ABBREVIATED_GENUS = re.compile(r"^[A-Z][a-z]?\.$")


class TaxonRecognizer:
    """Thin component over `find_taxa`; the gazetteer is loaded in `initialize`."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.taxonomy: Taxonomy | None = None
        self.cues: Cues | None = None

    def initialize(self, get_examples=None, *, nlp=None, taxa: str, names: str, cues: str) -> None:
        self.taxonomy = load_taxonomy(taxa, names)
        self.cues = load_cues(cues)

    def __call__(self, doc: Doc) -> Doc:
        if self.taxonomy is None or self.cues is None:
            raise ValueError("miner_taxa used before initialize()")
        italics = doc.user_data.get("miner_italics", ())
        spans = []
        for mention in find_taxa(doc, self.taxonomy, self.cues, italics):
            span = Span(doc, mention.start, mention.end, label="TAXON", kb_id=str(mention.ref.taxid or ""))
            span._.taxon = mention.ref
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc


@Language.factory("miner_taxa")
def make_taxon_recognizer(nlp: Language, name: str) -> TaxonRecognizer:
    return TaxonRecognizer(nlp, name)


def find_taxa(doc: Doc, taxonomy: Taxonomy, cues: Cues, italics: Iterable[tuple[int, int]] = ()) -> list[Mention]:
    """Every taxon mention in `doc`, left to right, without overlaps."""
    italics = tuple(italics)
    candidates: list[tuple[Mention, Name]] = []
    for start, end, entries in taxonomy.names.find(doc):
        mention, entry = _reading(doc, start, end, entries, taxonomy)
        if mention is not None:
            candidates.append((mention, entry))
    accepted = [m for m, entry in candidates if not entry.needs_evidence and _case_ok(doc, m, entry)]
    for mention, entry in candidates:
        if entry.needs_evidence and _has_evidence(doc, mention, entry, italics, cues, accepted):
            accepted.append(mention)
    accepted.sort(key=lambda m: m.start)
    accepted = _merge_compounds(doc, accepted, taxonomy)
    accepted += _abbreviated_species(doc, taxonomy, accepted)
    accepted += _standalone_labels(doc, accepted)
    accepted = [_extend_label(doc, m) for m in accepted]
    return _without_overlaps(accepted)


def _reading(doc: Doc, start: int, end: int, entries: list[Name], taxonomy: Taxonomy) -> tuple[Mention | None, Name]:
    entry = taxonomy.best(entries)
    node = taxonomy.node(entry.taxid)
    if node is None:
        return None, entry
    return Mention(start, end, TaxonRef(node.taxid, node.name, node.rank)), entry


def _case_ok(doc: Doc, mention: Mention, entry: Name) -> bool:
    """Lower-case text names a taxon only as a plural/vernacular form or a long scientific name."""
    text = doc[mention.start : mention.end].text
    if not text[:1].islower():
        return True
    return entry.kind in ("plural", "vernacular") or len(text) >= 6


def _has_evidence(doc: Doc, mention: Mention, entry: Name, italics, cues: Cues, accepted: list[Mention]) -> bool:
    """A flagged name counts when italicised, or when written as the gazetteer writes it (a
    capital at least) and standing beside a rank word or another taxon of a list."""
    span = doc[mention.start : mention.end]
    if any(start <= span.start_char and span.end_char <= end for start, end in italics):
        return True
    if entry.flags & {"uppercase", "short"} and span.text != entry.form:
        return False
    if not span.text[:1].isupper():
        return False
    near_taxon = any(0 <= mention.start - other.end <= 3 or 0 <= other.start - mention.end <= 3 for other in accepted)
    return near_taxon or _near_word(doc, mention, cues["rank_words"])


def _near_word(doc: Doc, mention: Mention, words: frozenset[str]) -> bool:
    before = normalize(doc[mention.start - 1].text) if mention.start > 0 else ""
    after = normalize(doc[mention.end].text) if mention.end < len(doc) else ""
    return before in words or after in words


def _merge_compounds(doc: Doc, mentions: list[Mention], taxonomy: Taxonomy) -> list[Mention]:
    """"Escherichia-Shigella" / "Escherichia/Shigella": two genera joined without space → one label."""
    merged: list[Mention] = []
    for mention in mentions:
        if merged:
            previous = merged[-1]
            left, right = doc[previous.start : previous.end], doc[mention.start : mention.end]
            joiner = doc.text[left.end_char : right.start_char]
            if joiner in ("-", "/") and previous.ref.rank == mention.ref.rank == "genus":
                text = doc.text[left.start_char : right.end_char]
                merged[-1] = Mention(previous.start, mention.end, TaxonRef(None, text, "genus"))
                continue
        merged.append(mention)
    covered = {i for m in merged for i in range(m.start, m.end)}
    for token in doc:
        if token.i in covered or ("-" not in token.text and "/" not in token.text):
            continue
        parts = re.split(r"[-/]", token.text)
        if len(parts) == 2 and all(normalize(p) in taxonomy.genus_names and p[:1].isupper() for p in parts):
            merged.append(Mention(token.i, token.i + 1, TaxonRef(None, token.text, "genus")))
    return sorted(merged, key=lambda m: m.start)


def _abbreviated_species(doc: Doc, taxonomy: Taxonomy, found: list[Mention]) -> list[Mention]:
    """"F. prausnitzii" → Faecalibacterium prausnitzii, preferring genera the text names in full."""
    genera_in_text = {taxonomy.genus_of(m.ref.taxid) for m in found if m.ref.taxid} | {
        m.ref.taxid for m in found if m.ref.rank == "genus"
    }
    covered = {i for m in found for i in range(m.start, m.end)}
    out = []
    for token in doc[:-1]:
        nxt = doc[token.i + 1]
        if token.i in covered or nxt.i in covered:
            continue
        if not _ABBREVIATED_GENUS.match(token.text) or not nxt.text.isalpha() or not nxt.text.islower():
            continue
        candidates = taxonomy.abbreviated.get((token.text[0].lower(), nxt.text.lower()), [])
        candidates = [c for c in candidates if taxonomy.node(c) and taxonomy.node(c).name.startswith(token.text[:-1])]
        preferred = [c for c in candidates if taxonomy.genus_of(c) in genera_in_text]
        choice = preferred or (candidates if len(candidates) == 1 else [])
        if len(set(choice)) != 1:
            continue
        node = taxonomy.node(choice[0])
        out.append(Mention(token.i, token.i + 2, TaxonRef(node.taxid, node.name, node.rank)))
    return out


def _standalone_labels(doc: Doc, found: list[Mention]) -> list[Mention]:
    covered = {i for m in found for i in range(m.start, m.end)}
    return [
        Mention(t.i, t.i + 1, TaxonRef(None, t.text, ""))
        for t in doc
        if t.i not in covered and _STANDALONE_LABEL.match(t.text)
    ]


def _extend_label(doc: Doc, mention: Mention) -> Mention:
    """A known name followed by a reference-database suffix becomes that label (no taxid)."""
    span = doc[mention.start : mention.end]
    tail = _LABEL_TAIL.match(doc.text[span.end_char : span.end_char + 40])
    if not tail:
        return mention
    suffix = tail.group(0)
    if re.fullmatch(r"[ _](?:cluster )?[IVXl]{1,5}[a-z]?", suffix) and normalize(span.text) not in _ROMAN_AFTER:
        return mention
    end_char = span.end_char + len(suffix)
    end = mention.end
    while end < len(doc) and doc[end].idx < end_char:
        end += 1
    if doc[end - 1].idx + len(doc[end - 1].text) != end_char:
        return mention
    text = " ".join(doc.text[span.start_char : end_char].replace("_", " ").split())
    return Mention(mention.start, end, TaxonRef(None, text, ""))


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    result: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if result and mention.start < result[-1].end:
            continue
        result.append(mention)
    return result
