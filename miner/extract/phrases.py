"""Longest-match lookup of known phrases (taxon names, disorder terms, cue words) over a spaCy
Doc's tokens.

A phrase matches a run of tokens when the text those tokens cover, normalized by `normalize`
(lower case; hyphens, slashes and underscores read as spaces; brackets dropped; curly quotes
straightened; whitespace collapsed), equals the normalized phrase. Matching on text rather than
on token lists means the index works whatever the tokenizer does inside a name
("Escherichia-Shigella", "[Eubacterium]", "Scardovia_inopinata"). Each token's normal form is
computed once per Doc (`token_norms`) and shared by every index.
Imports: stdlib and spaCy types only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

from spacy.attrs import IDX, LENGTH, SPACY
from spacy.tokens import Doc

V = TypeVar("V")

_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2212": "-"}
)
_DROP = re.compile(r"[\[\]]")
_SPACES = re.compile(r"[\s\-/_]+")
_PLAIN = re.compile(r"[a-z0-9.,;:()%+=<>']*")
NORMS, TEXTS, STARTS, TEXT, SPACES = "miner_norms", "miner_texts", "miner_starts", "miner_text", "miner_spaces"
_SEPARATORS = set("-/_\u2010\u2011\u2013\u2212")
_SUFFIX = re.compile(r"-[a-z]+$")  # a lower-case suffix after a hyphen ("-related"), not "-Shigella"


def normalize(text: str) -> str:
    """The comparison form of a phrase: "[Eubacterium] rectale" → "eubacterium rectale"."""
    text = text.lower()
    if _PLAIN.fullmatch(text):
        return text
    text = _DROP.sub("", text.translate(_QUOTES))
    return _SPACES.sub(" ", text).strip()


def token_texts(doc: Doc) -> list[str]:
    """Every token's text, read once per Doc (spaCy builds a Token object per access)."""
    texts = doc.user_data.get(TEXTS)
    if texts is None or len(texts) != len(doc):
        table = doc.to_array([IDX, LENGTH, SPACY]).tolist() if len(doc) else []
        text = doc_text(doc)
        texts = doc.user_data[TEXTS] = [text[start : start + length] for start, length, _ in table]
        doc.user_data[STARTS] = [start for start, _, _ in table]
        doc.user_data[SPACES] = [bool(space) for _, _, space in table]
    return texts


def token_spaces(doc: Doc) -> list[bool]:
    """Whether each token is followed by whitespace."""
    token_texts(doc)
    spaces: list[bool] = doc.user_data[SPACES]
    return spaces


def token_starts(doc: Doc) -> list[int]:
    """Every token's character offset."""
    token_texts(doc)
    starts: list[int] = doc.user_data[STARTS]
    return starts


def doc_text(doc: Doc) -> str:
    """`doc.text`, joined at most once per Doc (the extractor stores the text it tokenized)."""
    text = doc.user_data.get(TEXT)
    if text is None:
        text = doc.user_data[TEXT] = doc.text
    return text


def token_norms(doc: Doc) -> list[str]:
    """`normalize(token.text)` of every token, computed once per Doc."""
    norms = doc.user_data.get(NORMS)
    if norms is None or len(norms) != len(doc):
        norms = [normalize(text) for text in token_texts(doc)]
        doc.user_data[NORMS] = norms
    return norms


class PhraseIndex(Generic[V]):
    """Normalized phrase → values, with the longest-first search every recognizer shares."""

    def __init__(self, max_tokens: int = 8):
        self.max_tokens = max_tokens
        self._phrases: dict[str, list[V]] = {}
        self._first_words: set[str] = set()

    def add(self, phrase: str, value: V) -> None:
        key = normalize(phrase)
        if not key:
            return
        values = self._phrases.setdefault(key, [])
        if value not in values:
            values.append(value)
        self._first_words.add(key.split(" ", 1)[0])

    def get(self, phrase: str) -> list[V]:
        return self._phrases.get(normalize(phrase), [])

    def __contains__(self, phrase: str) -> bool:
        return normalize(phrase) in self._phrases

    def __len__(self) -> int:
        return len(self._phrases)

    def keys(self) -> Iterable[str]:
        return self._phrases.keys()

    def find(self, doc: Doc, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, list[V]]]:
        """Non-overlapping (start token, end token, values), longest match first, left to right."""
        end = len(doc) if end is None else end
        norms = token_norms(doc)
        texts, starts, spaces = token_texts(doc), token_starts(doc), token_spaces(doc)
        first_words = self._first_words
        phrases = self._phrases
        i = start
        while i < end:
            norm = norms[i]
            head = norm.split(" ", 1)[0] if " " in norm else norm
            if head not in first_words:
                i += 1
                continue
            keys = _span_keys(norms, texts, spaces, i, min(end, i + self.max_tokens))
            match = None
            for j in range(len(keys) + i, i, -1):
                if not norms[j - 1]:
                    continue  # a match never ends on "/" or a bracket
                values = phrases.get(keys[j - i - 1])
                last = texts[j - 1]
                if not values and "-" in last:
                    suffix = _SUFFIX.search(last)
                    # "Helicobacter pylori-related", "depression-like": the name ends at the hyphen
                    if suffix and starts[j - 1] + suffix.start() > starts[i]:
                        values = phrases.get(normalize(doc_text(doc)[starts[i] : starts[j - 1] + suffix.start()]))
                if values:
                    match = (i, j, values)
                    break
            if match:
                yield match
                i = match[1]
            else:
                i += 1


def _span_keys(norms: list[str], texts: list[str], spaces: list[bool], i: int, stop: int) -> list[str]:
    """normalize(text of tokens i..j) for every j up to `stop`, built one token at a time from the
    tokens' own normal forms (what `normalize` would give for the joined text)."""
    keys = []
    key = norms[i]
    pending_space = False
    for k in range(i, stop):
        if k > i:
            norm = norms[k]
            if spaces[k - 1] or texts[k - 1][-1] in _SEPARATORS or texts[k][0] in _SEPARATORS:
                pending_space = True
            if not norm:
                if texts[k] not in ("[", "]"):
                    pending_space = True  # "-", "/", "_" read as a space
            else:
                key = f"{key} {norm}" if pending_space and key else key + norm
                pending_space = False
        keys.append(key)
    return keys
