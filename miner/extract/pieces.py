"""Long articles in pieces: an article whose text is longer than `PIECE_CHARS` is read as several
shorter articles, each with the title (for context) and a run of whole sections, a section longer
than a piece cut into windows at sentence ends. Findings come back with offsets into the whole
article's text, so nothing downstream knows the article was cut.

Real abstracts are a few thousand characters; pieces exist so a record of up to
`miner.record_checks.MAX_TEXT_CHARS` characters is read in bounded memory instead of being
refused by spaCy (its `max_length`) or exhausting memory.
Imports: stdlib, `miner.records`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from miner.records import Article, Section

PIECE_CHARS = 100_000
MAX_TITLE_CONTEXT = 2_000  # a longer "title" is read as body text, not repeated in every piece

_SENTENCE_END = re.compile(r"[.!?;]\s+")


@dataclass(frozen=True)
class Piece:
    """One piece: the article to read, and where its body parts lie in the whole text.

    `shifts` holds (piece offset, whole-text offset) at the start of each body part, in order;
    offsets before `body_start` (the title) are the same in both.
    """

    article: Article
    body_start: int
    shifts: tuple[tuple[int, int], ...]

    def whole_offset(self, offset: int) -> int:
        """Where a character offset in this piece's text lies in the whole article's text."""
        if offset < self.body_start or not self.shifts:
            return offset
        at_piece, at_whole = self.shifts[0]
        for piece_start, whole_start in self.shifts:
            if piece_start > offset:
                break
            at_piece, at_whole = piece_start, whole_start
        return at_whole + offset - at_piece


def text_size(article: Article) -> int:
    """Characters of the text the pipeline reads: title, newline, sections joined by newlines."""
    parts = [article.title, *(section.text for section in article.sections)]
    present = [part for part in parts if part]
    return sum(map(len, present)) + max(0, len(present) - 1)


def pieces(article: Article, size: int = PIECE_CHARS) -> list[Piece]:
    """The article as one piece when it is short enough, else as pieces of about `size` characters."""
    if text_size(article) <= size:
        return [Piece(article, 0, ())]
    title, sections = article.title, list(article.sections)
    title_italics = article.title_italics
    whole_start = len(title) + 1 if title else 0
    if len(title) > MAX_TITLE_CONTEXT:
        sections.insert(0, Section(title, "TITLE", "", title_italics))
        title, title_italics, whole_start = "", (), 0
    body_start = len(title) + 1 if title else 0
    parts: list[tuple[Section, int]] = []  # (section or window of one, whole-text offset)
    for section in sections:
        if section.text:
            parts += [(window, whole_start + offset) for window, offset in _windows(section, size)]
            whole_start += len(section.text) + 1
    result: list[Piece] = []
    current: list[tuple[Section, int]] = []
    used = 0
    for part, offset in parts:
        if current and used + len(part.text) + 1 > size:
            result.append(_piece(article, title, title_italics, body_start, current))
            current, used = [], 0
        current.append((part, offset))
        used += len(part.text) + 1
    if current:
        result.append(_piece(article, title, title_italics, body_start, current))
    return result


def _piece(
    article: Article,
    title: str,
    italics: tuple[tuple[int, int], ...],
    body_start: int,
    parts: list[tuple[Section, int]],
) -> Piece:
    shifts, at = [], body_start
    for section, whole in parts:
        shifts.append((at, whole))
        at += len(section.text) + 1
    piece = dataclasses.replace(article, title=title, title_italics=italics, sections=tuple(s for s, _ in parts))
    return Piece(piece, body_start if title else 0, tuple(shifts))


def _windows(section: Section, size: int) -> list[tuple[Section, int]]:
    """The section cut into windows of at most `size` characters, at sentence ends where it can
    (else at a space, else anywhere), each with its offset in the section's text."""
    text, windows, start = section.text, [], 0
    while len(text) - start > size:
        cut = _cut(text, start, start + size)
        windows.append((_window(section, start, cut), start))
        start = cut
    windows.append((_window(section, start, len(text)), start))
    return windows


def _cut(text: str, start: int, limit: int) -> int:
    ends = [m.end() for m in _SENTENCE_END.finditer(text, start + (limit - start) // 2, limit)]
    if ends:
        return ends[-1]
    space = text.rfind(" ", start + 1, limit)
    return space + 1 if space > start else limit


def _window(section: Section, start: int, end: int) -> Section:
    italics = tuple((max(a, start) - start, min(b, end) - start) for a, b in section.italics if a < end and b > start)
    return Section(section.text[start:end], section.label, section.category, italics)
