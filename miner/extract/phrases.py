"""Longest-match lookup of known phrases (taxon names, disorder terms) over a spaCy Doc's tokens.

A phrase matches a run of tokens when the text those tokens cover, normalized by `normalize`
(lower case, hyphens and slashes read as spaces, brackets and curly quotes dropped, whitespace
collapsed), equals the normalized phrase. Matching on text rather than on token lists means the
index works whatever the tokenizer does inside a name ("Escherichia-Shigella", "[Eubacterium]").
Imports: stdlib and spaCy types only.
"""
from __future__ import annotations

import re
from typing import Generic, Iterable, Iterator, TypeVar

from spacy.tokens import Doc

V = TypeVar("V")

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-", "\u2013": "-"})
_DROP = re.compile(r"[\[\]]")
_SPACES = re.compile(r"[\s\-/]+")


def normalize(text: str) -> str:
    """The comparison form of a phrase: "[Eubacterium] rectale" → "eubacterium rectale"."""
    text = _DROP.sub("", text.translate(_QUOTES).lower())
    return _SPACES.sub(" ", text).strip()


class PhraseIndex(Generic[V]):
    """Normalized phrase → values, with the longest-first search the recognizers share."""

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
        text = doc.text
        i = start
        while i < end:
            first = normalize(doc[i].text)
            head = first.split(" ", 1)[0] if first else ""
            if head not in self._first_words:
                i += 1
                continue
            match = None
            for j in range(min(end, i + self.max_tokens), i, -1):
                values = self._phrases.get(normalize(text[doc[i].idx : doc[j - 1].idx + len(doc[j - 1].text)]))
                if values:
                    match = (i, j, values)
                    break
            if match:
                yield match
                i = match[1]
            else:
                i += 1
