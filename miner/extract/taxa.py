"""The `miner_taxa` component: finds microbial taxa in a Doc and normalizes them to NCBI taxids.

Recognition starts from a longest-match gazetteer lookup (`Taxonomy.names`) and adds the forms
abstracts use that no gazetteer lists:
- abbreviated species after first mention ("F. prausnitzii"), preferring genera the text names;
- bioinformatic spellings: underscores and QIIME rank prefixes ("Scardovia_inopinata",
  "g__Bifidobacterium"; the tokenizer splits at "_"), numbers glued on ("Prevotella7");
- compound and reference-database labels, kept as written: "Escherichia-Shigella",
  "Ruminococcaceae UCG-002" (also written "UCG 002"), "Lachnospiraceae NK4A136 group",
  "Clostridium sensu stricto 1", "Clostridium XlVa", "CAG-977", "Clostridium sp. BR31";
- qualifiers that keep the taxon: "Blautia spp.", "Coprococcus 1" (a SILVA numbered genus
  written apart is the genus; glued, "Prevotella7", it is MiBioGen's label, kept as written);
  species groups are labels too ("Ruminococcus gnavus group");
- obvious typos of genus-and-above names ("Lachinospiracea", "Ruminoccaceae"), when the word
  looks like a taxon name and is one or two edits from exactly one.
Names that are also ordinary words, very short or all-uppercase count only with evidence:
italics, or a capitalised form beside a rank word or another taxon of the same list.
Results go to `doc.spans["taxa"]`, each span carrying a `TaxonRef` in `span._.taxon`.
Imports: spaCy, stdlib, `miner.extract.{attributes,phrases,taxonomy,lexicon}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

from miner.extract import attributes  # noqa: F401  doc._.italics
from miner.extract.lexicon import Cues, load_cues
from miner.extract.phrases import doc_text, normalize, token_norms, token_starts, token_texts
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


Span.set_extension("taxon", default=None, force=True)

_UNDERSCORE_NUMBER = re.compile(r"^([A-Z][a-z]{3,})_(\d{1,2})$")
_GLUED_NUMBER = re.compile(r"^([A-Z][a-z]{3,})-?(\d{1,2})$")
_GLUED_LABEL = re.compile(
    r"^([A-Z][a-z]{3,}(?:aceae|ales|ia))(UCG|NK\d+[A-Z]\d+)[-_]?(\d*)$"
)  # "RuminococcaceaeUCG002"
_STANDALONE_LABEL = re.compile(r"^(?:CAG|UBA|UCG|HGM|SFMI|RUG|MGYG|QALR|QAMH|RF|SIG|HGM|DTU|PeH|UMGS|MGS)[-_]?\d{2,9}$")
_GTDB_SPECIES = re.compile(r"^sp\d{6,12}$")  # "CAG-269 sp002372935"
_GTDB_SUFFIX = re.compile(r"^ [A-Z](?![\w-])")  # "Firmicutes E", "Desulfobacterota A"
_ABBREVIATED_GENUS = re.compile(r"^[A-Z][a-z]?\.$")
_STRAIN_CODE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Za-z0-9:\-]*$")
_UCG = re.compile(r"\bUCG[-_ ]?(\d{1,4})(?: group)?$", re.IGNORECASE)
_LABEL_TAIL = re.compile(
    r"""^(?:
        UCG[-_ ]?\d{1,4}(?:\ group)?                       # Ruminococcaceae UCG-002, UCG 014
        # NK4A136 group, RC9 gut group, vadinBB60 group
      | [a-z]{0,6}[A-Z]{1,3}-?\d{1,5}[A-Z]?\d{0,5}(?:[-_]\d+)?\ (?:gut\ )?group
      | sensu\ ?stricto(?:[ _]?\d{1,2})?                 # Clostridium sensu stricto 1, sensustricto1
      | (?:cluster\ )?[IVXl]{1,5}[a-z]?(?![\w-])         # Clostridium cluster IV, Clostridium XlVa
      | [Ii]ncertae\ [Ss]edis                            # Coriobacteriales Incertae Sedis
    )""",
    re.VERBOSE,
)
_ROMAN = re.compile(r"^(?:cluster )?[IVXl]{1,5}[a-z]?$")
_NUMBERED_GENUS = re.compile(r"^\d{1,2}$")
_UNITS = {
    "%",
    "week",
    "weeks",
    "day",
    "days",
    "month",
    "months",
    "year",
    "years",
    "mg",
    "g",
    "h",
    "hours",
    "patients",
    "subjects",
    "mice",
    "rats",
}
_STRONG_SUFFIX = re.compile(r"(?:aceae|acea|ales|etes|ota|bacter|bacterium|coccus|bacillus|monas)$")
_WEAK_SUFFIX = re.compile(r"(?:ella|illa|ia|ium|ae|us)$")


class TaxonRecognizer:
    """Thin component over `find_taxa`; the gazetteer is loaded in `initialize`."""

    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.taxonomy: Taxonomy | None = None
        self.cues: Cues | None = None

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        taxa: str,
        names: str,
        cues: str,
    ) -> None:
        self.taxonomy = load_taxonomy(taxa, names)
        self.cues = load_cues(cues)

    def __call__(self, doc: Doc) -> Doc:
        if self.taxonomy is None or self.cues is None:
            raise ValueError("miner_taxa used before initialize()")
        spans = []
        for mention in find_taxa(doc, self.taxonomy, self.cues, doc._.italics):
            span = Span(doc, mention.start, mention.end, label="TAXON", kb_id=str(mention.ref.taxid or ""))
            span._.taxon = mention.ref
            spans.append(span)
        doc.spans[SPAN_KEY] = spans
        return doc


@Language.factory("miner_taxa", assigns=["doc.spans", "span._.taxon"])
def make_taxon_recognizer(nlp: Language, name: str) -> TaxonRecognizer:
    return TaxonRecognizer(nlp, name)


def find_taxa(doc: Doc, taxonomy: Taxonomy, cues: Cues, italics: Iterable[tuple[int, int]] = ()) -> list[Mention]:
    """Every taxon mention in `doc`, left to right, without overlaps."""
    italic_spans = tuple(italics)
    depth = _paren_depth(doc)
    candidates: list[tuple[Mention, Name]] = []
    for start, end, entries in taxonomy.names.find(doc):
        entry = taxonomy.best(entries)
        node = taxonomy.node(entry.taxid)
        if node is not None:
            candidates.append((Mention(start, end, TaxonRef(node.taxid, node.name, node.rank)), entry))
    accepted = [m for m, entry in candidates if not entry.needs_evidence and _case_ok(doc, m, entry)]
    accepted += _numbered_genera(doc, taxonomy, {i for m, _ in candidates for i in range(m.start, m.end)})
    for mention, entry in candidates:
        if entry.needs_evidence and _has_evidence(doc, mention, entry, italic_spans, cues, accepted, depth):
            accepted.append(mention)
    accepted.sort(key=lambda m: m.start)
    accepted = _merge_compounds(doc, accepted, taxonomy)
    accepted += _abbreviated_species(doc, taxonomy, accepted)
    accepted += _standalone_labels(doc, accepted)
    accepted += _typo_corrections(doc, taxonomy, cues, accepted, italic_spans, depth)
    accepted = [_qualify(doc, m) for m in sorted(accepted, key=lambda m: m.start)]
    return _without_overlaps(accepted)


def _case_ok(doc: Doc, mention: Mention, entry: Name) -> bool:
    """A lower-case word names a taxon only as a plural or vernacular form ("lactobacilli"):
    "melanogaster" is not the fungus Melanogaster."""
    text = doc[mention.start : mention.end].text
    return not text[:1].islower() or entry.kind in ("plural", "vernacular")


def _has_evidence(
    doc: Doc,
    mention: Mention,
    entry: Name,
    italics: tuple[tuple[int, int], ...],
    cues: Cues,
    accepted: list[Mention],
    depth: list[int],
) -> bool:
    """A flagged name counts when italicised, or when written as the gazetteer writes it (a
    capital at least) and standing beside a rank word or another taxon of a list."""
    span = doc[mention.start : mention.end]
    if _italic(span, italics):
        return True
    if entry.flags & {"uppercase", "short"} and span.text != entry.form:
        return False
    if not span.text[:1].isupper():
        return False
    return _list_neighbour(doc, mention, accepted, depth) or _beside_rank_word(doc, mention, cues)


def _italic(span: Span, italics: tuple[tuple[int, int], ...]) -> bool:
    return any(start <= span.start_char and span.end_char <= end for start, end in italics)


def _paren_depth(doc: Doc) -> list[int]:
    """How many brackets are open at each token."""
    depth, level = [], 0
    for text in token_texts(doc):
        if text in ("(", "["):
            level += 1
        depth.append(level)
        if text in (")", "]") and level:
            level -= 1
    return depth


def _list_neighbour(doc: Doc, mention: Mention, others: list[Mention], depth: list[int]) -> bool:
    """Another taxon within the same list: only commas, "and"/"or" and parenthesised p-values
    stand between them."""
    ends = {m.end: m for m in others}
    starts = {m.start: m for m in others}
    base = depth[mention.start]
    texts = token_texts(doc)
    for step, i, marks in ((-1, mention.start - 1, ends), (1, mention.end, starts)):
        words = 0
        while 0 <= i < len(doc) and words <= 1:
            if (i + 1 if step < 0 else i) in marks:
                return True
            text = texts[i]
            if depth[i] > base or text in ("(", ")", "[", "]", ","):
                i += step
                continue
            if text.lower() in ("and", "or", "&"):
                words += 1
                i += step
                continue
            break
    return False


def _beside_rank_word(doc: Doc, mention: Mention, cues: Cues) -> bool:
    norms = token_norms(doc)
    before = norms[mention.start - 1] if mention.start > 0 else ""
    after = norms[mention.end] if mention.end < len(doc) else ""
    return before in cues["rank_words"] or after in cues["rank_words"]


def _merge_compounds(doc: Doc, mentions: list[Mention], taxonomy: Taxonomy) -> list[Mention]:
    """ "Escherichia-Shigella", "Escherichia/Shigella", "Escherichia Shigella": two genera joined
    by a hyphen, a slash or one space → one label, as written."""
    text, texts, starts = doc_text(doc), token_texts(doc), token_starts(doc)
    merged: list[Mention] = []
    for mention in mentions:
        if merged:
            previous = merged[-1]
            left_end = starts[previous.end - 1] + len(texts[previous.end - 1])
            right_end = starts[mention.end - 1] + len(texts[mention.end - 1])
            joiner = text[left_end : starts[mention.start]]
            if joiner in ("-", "/", " ") and previous.ref.rank == mention.ref.rank == "genus":
                name = text[starts[previous.start] : right_end]
                merged[-1] = Mention(previous.start, mention.end, TaxonRef(None, name, "genus"))
                continue
        merged.append(mention)
    covered = {i for m in merged for i in range(m.start, m.end)}
    for i, word in enumerate(texts):
        if i in covered or ("-" not in word and "/" not in word):
            continue
        parts = re.split(r"[-/]", word)
        if len(parts) == 2 and all(normalize(p) in taxonomy.genus_names and p[:1].isupper() for p in parts):
            merged.append(Mention(i, i + 1, TaxonRef(None, word, "genus")))
    return sorted(merged, key=lambda m: m.start)


def _abbreviated_species(doc: Doc, taxonomy: Taxonomy, found: list[Mention]) -> list[Mention]:
    """ "F. prausnitzii" → Faecalibacterium prausnitzii: the species of a genus the text names in
    full, else the only bacterial species with that initial and epithet."""
    genera_in_text = {taxonomy.genus_of(m.ref.taxid) for m in found if m.ref.taxid} | {
        m.ref.taxid for m in found if m.ref.rank == "genus"
    }
    covered = {i for m in found for i in range(m.start, m.end)}
    texts = token_texts(doc)
    out = []
    for i in range(len(texts) - 1):
        word = texts[i]
        if i in covered or i + 1 in covered or not _ABBREVIATED_GENUS.match(word):
            continue
        epithet = texts[i + 1].split("-", 1)[0]  # "H. pylori-related"
        if not epithet.isalpha() or not epithet.islower():
            continue
        # `Taxonomy` indexes as abbreviated only species that are in its tree: `nodes[c]` exists
        candidates = taxonomy.abbreviated.get((word[0].lower(), epithet.lower()), [])
        candidates = [c for c in candidates if taxonomy.nodes[c].name.startswith(word[:-1])]
        preferred = [c for c in candidates if taxonomy.genus_of(c) in genera_in_text]
        # without the genus written out, only an unambiguous bacterial species ("M. auratus" in a
        # hamster study is Mesocricetus, not the fungus Marasmius)
        bacterial = [c for c in candidates if taxonomy.nodes[c].domain == "Bacteria"]
        choice = preferred or (bacterial if len(candidates) == 1 else [])
        if len(set(choice)) != 1:
            continue
        node = taxonomy.nodes[choice[0]]
        out.append(Mention(i, i + 2, TaxonRef(node.taxid, node.name, node.rank)))
    return out


def _standalone_labels(doc: Doc, found: list[Mention]) -> list[Mention]:
    covered = {i for m in found for i in range(m.start, m.end)}
    return [
        Mention(i, i + 1, TaxonRef(None, w, ""))
        for i, w in enumerate(token_texts(doc))
        if i not in covered and _STANDALONE_LABEL.match(w)
    ]


def _typo_corrections(
    doc: Doc,
    taxonomy: Taxonomy,
    cues: Cues,
    found: list[Mention],
    italics: tuple[tuple[int, int], ...],
    depth: list[int],
) -> list[Mention]:
    """A capitalised word that looks like a taxon name but is none: the one name a typo away."""
    covered = {i for m in found for i in range(m.start, m.end)}
    texts = token_texts(doc)
    out = []
    for i, word in enumerate(texts):
        if i in covered or len(word) < 7 or not word[:1].isupper() or not word[1:].islower() or not word.isalpha():
            continue
        strong = _STRONG_SUFFIX.search(word) is not None
        if not strong and not _WEAK_SUFFIX.search(word):
            continue
        mention = Mention(i, i + 1, TaxonRef(None, word, ""))
        if not strong and not (_italic(doc[i : i + 1], italics) or _list_neighbour(doc, mention, found, depth)):
            continue
        taxid = taxonomy.correct(word)
        node = taxonomy.node(taxid) if taxid else None
        if node is None:
            continue
        nxt = texts[i + 1] if i + 1 < len(texts) else ""
        if nxt.isalpha() and nxt.islower() and len(nxt) > 3:
            # "Fecalibacterium prausnitzii" → the species; "Scutellaria baicalensis" (a plant) → nothing
            species = taxonomy.names.get(f"{node.name} {nxt}")
            if not species:
                continue
            node = taxonomy.node(taxonomy.best(species).taxid) or node
            out.append(Mention(i, i + 2, TaxonRef(node.taxid, node.name, node.rank)))
            continue
        out.append(Mention(i, i + 1, TaxonRef(node.taxid, node.name, node.rank)))
    return out


def _numbered_genera(doc: Doc, taxonomy: Taxonomy, taken: set[int]) -> list[Mention]:
    """ "Prevotella7", "Ruminococcus-2": SILVA's numbered genera glued to their number are
    labels, kept as written; "RuminococcaceaeUCG002" is the label "Ruminococcaceae UCG-002"."""
    found = []
    for i, word in enumerate(token_texts(doc)):
        if i in taken or not word[:1].isupper() or not (word[-1:].isdigit() or "UCG" in word or "NK" in word):
            continue  # each form below starts with a capital and ends in a digit or holds a label
        apart = _UNDERSCORE_NUMBER.match(word)
        if apart and normalize(apart.group(1)) in taxonomy.genus_names:
            node = taxonomy.nodes[taxonomy.genus_names[normalize(apart.group(1))]]  # genus_names come from nodes
            found.append(
                Mention(i, i + 1, TaxonRef(node.taxid, node.name, node.rank))
            )  # "Coprococcus_2", as "Coprococcus 2"
            continue
        match = _GLUED_NUMBER.match(word)
        if match and normalize(match.group(1)) in taxonomy.genus_names:
            found.append(Mention(i, i + 1, TaxonRef(None, word, "genus")))  # MiBioGen's spelling, kept as written
            continue
        label = _GLUED_LABEL.match(word)
        if label and taxonomy.names.get(label.group(1)):
            found.append(Mention(i, i + 1, TaxonRef(None, _label_name(" ".join(label.groups()).strip()), "")))
    return found


def _qualify(doc: Doc, mention: Mention) -> Mention:
    """Read what follows a name: "spp.", "sp. BR31", "group", a SILVA number, a database label."""
    end, ref = mention.end, mention.ref
    nxt = doc[end].text if end < len(doc) else ""
    if ref.taxid is not None and nxt in ("sp.", "spp.", "sp", "spp"):
        stop = end + 1
        if stop < len(doc) and doc[stop].text == "." and nxt in ("sp", "spp"):
            stop += 1
        if (
            nxt.startswith("sp")
            and not nxt.startswith("spp")
            and stop < len(doc)
            and _STRAIN_CODE.match(doc[stop].text)
        ):
            name = f"{ref.name} sp. {doc[stop].text}"
            return Mention(mention.start, stop + 1, TaxonRef(None, name, "species"))
        return Mention(mention.start, stop, ref)
    if ref.rank == "species" and nxt == "group":
        # SILVA's species groups are labels of their own: "Eubacterium hallii group"
        return Mention(
            mention.start, end + 1, TaxonRef(None, _label_name(f"{doc[mention.start : end].text} group"), "")
        )
    if ref.rank == "genus" and _NUMBERED_GENUS.match(nxt):
        following = doc[end + 1] if end + 1 < len(doc) else None
        if following is None or (following.lower_ not in _UNITS and not following.like_num):
            return Mention(mention.start, end + 1, ref)
    if end < len(doc) and _GTDB_SPECIES.match(doc[end].text):
        name = f"{doc[mention.start : end].text} {doc[end].text}"
        return Mention(mention.start, end + 1, TaxonRef(None, name, "species"))
    span = doc[mention.start : end]
    text = doc_text(doc)
    after = text[span.end_char : span.end_char + 40].replace("_", " ")
    if ref.rank in ("phylum", "class", "order", "family") and _GTDB_SUFFIX.match(after) and end < len(doc):
        return Mention(mention.start, end + 1, TaxonRef(None, f"{span.text} {doc[end].text}", ref.rank))
    if not after.startswith(" "):
        return mention
    tail = _LABEL_TAIL.match(after[1:])
    if not tail or ref.rank == "species":
        return mention
    if _ROMAN.match(tail.group(0)) and normalize(span.text) != "clostridium":
        return mention
    end_char = span.end_char + 1 + len(tail.group(0))
    stop = end
    while stop < len(doc) and doc[stop].idx < end_char:
        stop += 1
    if doc[stop - 1].idx + len(doc[stop - 1].text) != end_char:
        return mention
    return Mention(mention.start, stop, TaxonRef(None, _label_name(text[span.start_char : end_char]), ""))


def _label_name(text: str) -> str:
    """A database label as written, with its spacing made regular: "Clostridia UCG 014 group"
    and "Clostridia_UCG_014" → "Clostridia UCG-014"."""
    text = " ".join(text.replace("_", " ").split())
    text = re.sub(r"sensu ?stricto ?(\d)", r"sensu stricto \1", text)
    return _UCG.sub(lambda m: f"UCG-{m.group(1)}", re.sub(r"\bUCG (\d)", r"UCG-\1", text))


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    result: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if result and mention.start < result[-1].end:
            continue
        result.append(mention)
    return result
