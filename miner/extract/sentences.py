"""The `miner_sentences` component: a rule-based sentence splitter for biomedical abstracts.

It runs after scispaCy's tokenizer and sets `token.is_sent_start` (True/False) on every token,
replacing scispaCy's `pysbd_sentencizer` at about 1/80 of its cost. It reads the tokens' texts and
trailing spaces only; the rules look at the whitespace-delimited "chunk" that ends with a
possible terminal and at the token that follows it.

A sentence ends after `.`, `?`, `!` or an ellipsis (and any closing quotes or brackets after
them) when whitespace follows and the next token can start a sentence: a capital letter, a digit
("16S rRNA…"), a Greek letter ("α-synuclein…", "β-diversity…"), "©" or a bullet, an opening
bracket or quote before one of those or before a list marker ("…extent? (ii) What…"), or, after
a real word, a lowercase word with a capital or digit inside ("mRNA", "qPCR", "miR-155"), a web
address ("clinicaltrials.gov, identifier…") or "we". Any other lowercase word starts no
sentence: after a full stop it almost always follows an abbreviation this module does not know.
It does not end:
- after the abbreviations in `NEVER_BEFORE_ANYTHING` ("e.g.", "i.e.", "vs.", "Fig.", "ca.",
  "subsp.", "var.", "n.s."…), nor after a month before a number ("Sept. 2019");
- after "sp."/"spp." unless a plain capitalised word follows ("Clostridium sp. BR31" stays one
  sentence; "…increased Lactobacillus spp. After 4 weeks…" is two), nor after "et al." unless
  a common sentence opener follows ("…Fibrobacteres et al. The metabolism…");
- before a lowercase word, so "F. prausnitzii", "E. coli", "Lact. plantarum" stay whole; nor
  after a capital initial before a capitalised word ("John F. Cryan", "L. Paracasei") unless a
  sentence opener follows or a content word precedes it ("…and apolipoprotein B. Long-term…");
- inside decimals ("p < 0.05", "p = .043": the tokenizer keeps them whole, so no chunk ends in
  their full stop);
- inside an open bracket, unless it stays unclosed for the next `BRACKET_REACH` characters;
- after a list marker ("1.", "ii.", "a.") that starts a sentence or follows ":", ";" or "in".
A newline (the extractor joins title and abstract sections with "\\n") always ends a sentence,
so a title without a full stop stays apart from the abstract. A full stop the tokenizer split
off between two words without a space ("disease.Methods") ends a sentence before a capitalised
word, and a reference number glued to the full stop ("…in PD.12 Results…") stays with its
sentence. Whitespace tokens stay at the end of the sentence before them.
Imports: spaCy, numpy (a spaCy dependency), stdlib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy
from spacy.attrs import ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc

# Abbreviations after which a sentence never ends (as written, without their final full stop).
NEVER_BEFORE_ANYTHING = frozenset(
    {
        "e.g",
        "E.g",
        "eg",
        "i.e",
        "I.e",
        "ie",
        "viz",
        "cf",
        "Cf",
        "vs",
        "Vs",
        "v.s",
        "approx",
        "Approx",
        "ca",
        "resp",
        "incl",
        "Fig",
        "fig",
        "Figs",
        "figs",
        "Tab",
        "tab",
        "Tabs",
        "Eq",
        "Eqs",
        "Ref",
        "ref",
        "Refs",
        "refs",
        "Vol",
        "vol",
        "pp",
        "No",
        "no",
        "Nos",
        "nos",
        "Dr",
        "Drs",
        "Prof",
        "Mr",
        "Mrs",
        "Ms",
        "St",
        "Co",
        "subsp",
        "ssp",
        "var",
        "str",
        "cv",
        "n.s",
        "a.k.a",
    }
)
# "Clostridium sp. BR31", "Lactobacillus spp. (L. reuteri…)": end only before a plain capitalised word.
SPECIES_ABBREVIATIONS = frozenset({"sp", "spp"})
# "…et al. The metabolism…": "et al." ends a sentence only before one of these.
OPENERS_AFTER_ET_AL = frozenset(
    {
        "The",
        "This",
        "These",
        "That",
        "Those",
        "There",
        "It",
        "Its",
        "We",
        "Our",
        "In",
        "A",
        "An",
        "However",
        "Moreover",
        "Furthermore",
        "Additionally",
        "Thus",
        "Therefore",
        "Here",
        "Finally",
        "Overall",
    }
)
# "in Sept. 2019": month abbreviations end no sentence before a number.
MONTHS = frozenset({"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"})
# "…patients, including L. Paracasei…", "Power, C., Lane, T. E.": after a capital initial a sentence ends
# only before an opener above, or when a lowercase word other than these precedes the initial
# ("…and vitamin D. ClinicalTrials.gov…", "…apolipoprotein B. Long-term…").
LINKS_BEFORE_INITIALS = frozenset(
    {"and", "or", "nor", "including", "by", "with", "from", "of", "as", "to", "than", "like", "via"}
)
LIST_MARKERS = frozenset({"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"})
BRACKET_REACH = 200  # characters within which an open bracket must close to keep a full stop inside

_TERMINALS = ".?!…"
_CLOSERS = ")]}\"'”’»"
_OPENERS = "([{\"'“‘«"
_DIGITS = "0123456789"
_SYMBOL_STARTS = "©•▪■►●◆"  # "© 2023 The Authors.", "• GABA levels…" (highlights)
# the last characters of a token worth a closer look: terminals, closers, digits, whitespace
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_CANDIDATE_ENDS = frozenset(_TERMINALS + _CLOSERS + _DIGITS + _WHITESPACE)


def sentence_starts(words: Sequence[str], spaces: Sequence[object]) -> list[bool]:
    """Whether each token starts a sentence, from the tokens' texts and whether whitespace
    follows each (any truthy value: `token.whitespace_` or a 0/1 flag)."""
    n = len(words)
    starts = [False] * n
    if not n:
        return starts
    starts[0] = True
    sentence = 0  # first token of the current sentence
    candidate_ends = _CANDIDATE_ENDS
    for i in range(n - 1):
        word = words[i]
        if word[-1] not in candidate_ends:
            continue
        if word.isspace():
            if "\n" in word or "\r" in word:
                sentence = _start_after(words, starts, i, sentence)
            continue
        if spaces[i] or words[i + 1].isspace():
            follows = _next_word(words, i + 1)
            if follows is None:
                continue
            chunk = _chunk_start(words, spaces, i)
            left = "".join(words[chunk : i + 1])
            before = _previous_word(words, chunk)
            after = words[follows + 1] if follows + 1 < n else ""
            core = _ends_sentence(left, before, words[follows], after, chunk == sentence)
        elif word == "." and _glued_end(words, spaces, i):
            chunk, left, core = i, ".", "."
        else:
            continue
        if core is None:
            continue
        depth = _open_brackets("".join(words[sentence:chunk]) + core)
        if depth > 0 and _closes_soon(words, spaces, chunk, core, depth):
            continue
        sentence = _start_after(words, starts, i, sentence)
    return starts


def _start_after(words: Sequence[str], starts: list[bool], i: int, sentence: int) -> int:
    """Make the first non-space token after token i a sentence start; return the new sentence start."""
    following = _next_word(words, i + 1)
    if following is None:
        return sentence
    starts[following] = True
    return following


def _next_word(words: Sequence[str], i: int) -> int | None:
    n = len(words)
    while i < n and words[i].isspace():
        i += 1
    return i if i < n else None


def _previous_word(words: Sequence[str], i: int) -> str:
    """The last non-space token before token i ("et" in "et\u00a0al.")."""
    i -= 1
    while i >= 0 and words[i].isspace():
        i -= 1
    return words[i] if i >= 0 else ""


def _chunk_start(words: Sequence[str], spaces: Sequence[object], i: int) -> int:
    """The first token of the whitespace-delimited chunk that ends with token i."""
    while i > 0 and not spaces[i - 1] and not words[i - 1].isspace():
        i -= 1
    return i


def _ends_sentence(left: str, before: str, right: str, after: str, starts_sentence: bool) -> str | None:
    """Whether a sentence ends after the chunk `left`, which whitespace separates from the token
    `right` (`before` is the token before the chunk, `after` the token after `right`). Returns the
    chunk up to its terminal (closers stripped) for the bracket check, or None."""
    core = left.rstrip(_CLOSERS)
    if not core:
        return None
    last = core[-1]
    if last in _DIGITS:
        stop = _reference_stop(core)
        return stop if stop and right[0].isupper() else None
    if last not in _TERMINALS:
        return None
    if last != ".":  # ?, !, …
        return core if _can_start(right, after, after_word=True) else None
    word = core[:-1].lstrip(_OPENERS)
    if word in NEVER_BEFORE_ANYTHING:
        return None
    if word in SPECIES_ABBREVIATIONS:
        return core if _is_plain_capitalised(right) else None
    if word == "al" and before == "et":
        return core if right in OPENERS_AFTER_ET_AL else None
    if word in MONTHS and right[0] in _DIGITS:
        return None
    if _is_list_marker(word) and (starts_sentence or before[-1:] in ":;" or before == "in"):
        return None
    if (
        len(word) == 1
        and word.isupper()
        and right not in OPENERS_AFTER_ET_AL
        and not (before.isalpha() and before.islower() and len(before) >= 3 and before not in LINKS_BEFORE_INITIALS)
    ):
        return None
    # a real word (or a number, or a closing bracket) before the full stop, not an initial or "i.p."
    after_word = (len(word) >= 3 and "." not in word) or (word != "" and word[-1] in _DIGITS + ")]%")
    return core if _can_start(right, after, after_word) else None


def _is_list_marker(word: str) -> bool:
    """ "1.", "ii.", "a." (with its full stop removed)."""
    return word in LIST_MARKERS or (len(word) <= 2 and word.isdigit()) or (len(word) == 1 and word.isalpha())


def _can_start(right: str, after: str, after_word: bool) -> bool:
    """Whether the token `right` (followed by `after`) can start a sentence."""
    first = right[0]
    if first.isupper() or first in _DIGITS or _is_greek(first) or first in _SYMBOL_STARTS:
        return True
    if first in _OPENERS:
        inner = right.lstrip(_OPENERS) or after
        return bool(inner) and (
            inner[0].isupper()
            or inner[0] in _DIGITS
            or _is_greek(inner[0])
            or _is_link(inner)
            or _is_list_marker(inner)
        )
    if _is_list_marker(right) and after == ")":  # "…extent? ii) What…"
        return True
    if first.islower() and after_word:
        # "mRNA", "iNOS", "miR-155", "n-3": a lowercase name with a capital or digit inside;
        # a web address ("clinicaltrials.gov, identifier …"); "we" (a sentence that forgot its capital)
        return right == "we" or any(c.isupper() or c in _DIGITS for c in right[1:]) or _is_link(right)
    return False


def _is_link(word: str) -> bool:
    """ "https://…", "www.…", "clinicaltrials.gov": not "e.g" or "i.p"."""
    if word.startswith(("http:", "https:", "www.")):
        return True
    head, dot, tail = word.partition(".")
    return bool(dot) and len(head) >= 2 and tail[:2].isalpha() and tail[:2].islower()


def _is_greek(char: str) -> bool:
    return "\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff"


def _is_plain_capitalised(word: str) -> bool:
    """ "After", "Prevotella", "A": not a strain designation such as "BR31" or "CAG-977"."""
    return word[0].isupper() and word.isalpha() and (len(word) == 1 or word[1:].islower())


def _reference_stop(core: str) -> str | None:
    """For reference numbers glued after a word's full stop ("PD.12", "disease.12,13",
    "disease.[1-3"), the chunk up to that full stop; else None."""
    base = core.rstrip(_DIGITS + ",-–[")
    if base == core or not base.endswith(".") or len(base) < 3 or not (base[-2].isalpha() and base[-3].isalpha()):
        return None
    word = base[:-1].lstrip(_OPENERS)
    return None if word in NEVER_BEFORE_ANYTHING or word in SPECIES_ABBREVIATIONS else base


def _glued_end(words: Sequence[str], spaces: Sequence[object], i: int) -> bool:
    """A full stop the tokenizer split from both neighbours: "…controls.The…", "disease.Methods"."""
    if i == 0 or spaces[i - 1]:
        return False
    before, right = words[i - 1], words[i + 1]
    return (
        len(before) >= 2
        and before.isalpha()
        and before not in NEVER_BEFORE_ANYTHING
        and len(right) >= 2
        and right[0].isupper()
        and right[1].islower()
    )


def _open_brackets(text: str) -> int:
    return text.count("(") + text.count("[") - text.count(")") - text.count("]")


def _closes_soon(words: Sequence[str], spaces: Sequence[object], chunk: int, core: str, depth: int) -> bool:
    """Whether the open brackets close within BRACKET_REACH characters after the terminal."""
    pieces: list[str] = []
    size = 0
    for k in range(chunk, len(words)):
        pieces.append(words[k] + " " if spaces[k] else words[k])
        size += len(pieces[-1])
        if size > BRACKET_REACH + len(core):
            break
    text = "".join(pieces)[len(core) : len(core) + BRACKET_REACH]
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth <= 0:
                return True
        elif char == "\n":
            return False
    return False


@Language.component("miner_sentences", assigns=["token.is_sent_start"])
def miner_sentences(doc: Doc) -> Doc:
    """Set `is_sent_start` on every token of `doc`.

    Token texts and spaces are read as one array (a third faster than `token.text` and
    `token.whitespace_` token by token) and the flags written as one (setting
    `token.is_sent_start` token by token costs time quadratic in the length of the doc).
    """
    if not len(doc):
        return doc
    orths, spaces = doc.to_array([ORTH, SPACY]).T.tolist()
    words = list(map(doc.vocab.strings.as_string, orths))
    flags = numpy.array(sentence_starts(words, spaces), dtype="int64") * 2 - 1  # 1 or -1
    # spaCy's stub asks for thinc's Ints2d; from_array takes any integer numpy array (this 1-d one too)
    doc.from_array([SENT_START], flags.view("uint64"))  # type: ignore[arg-type]
    return doc
