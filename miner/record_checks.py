"""The record boundary: every `Article` a reader makes passes `check_article` before any later
stage (extraction, the database, exports, feeds) sees it.

One place decides what a record may hold, so SQLite and PostgreSQL store the same records and a
value that one backend would refuse (a NUL, an over-long DOI) never aborts a batch:
- characters no later stage can carry (NUL and other C0 controls, lone UTF-16 surrogates,
  U+FFFE/U+FFFF) become U+FFFD one for one, so `<i>` offsets stay true (a warning);
- a section label or NLM category longer than `MAX_LABEL` is cut (a warning); a DOI longer
  than `MAX_DOI` or a language longer than `MAX_LANGUAGE` is dropped, since a cut one would be
  wrong (a warning); a version number beyond a 32-bit integer becomes 1 (a warning);
- a PMID of more than `MAX_PMID_DIGITS` digits, or a title and abstract of more than
  `MAX_TEXT_CHARS` characters, skip the record (a reason).
The sizes match the columns of `miner.store.models` (a test holds them equal).
Imports: stdlib, `miner.records`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from miner.records import Article, MeshHeading, Section

MAX_PMID_DIGITS = 16
MAX_LABEL = 64
MAX_DOI = 255
MAX_LANGUAGE = 16
MAX_NAME = 255  # taxon names and the mention texts a relation quotes
MAX_TEXT_CHARS = 2_000_000  # title + abstract; longer records are skipped
MAX_INT32 = 2**31 - 1

_UNCARRIABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Checked:
    """The article as it may go on (None when skipped), what was changed, and why it was skipped."""

    article: Article | None
    warnings: tuple[str, ...] = ()
    reason: str | None = None


def check_article(article: Article) -> Checked:
    """`article` made safe for every later stage, or the reason it cannot be used."""
    if len(article.pmid) > MAX_PMID_DIGITS:
        return Checked(None, reason=f"PMID of {len(article.pmid)} digits (at most {MAX_PMID_DIGITS})")
    size = len(article.title) + sum(len(section.text) for section in article.sections)
    if size > MAX_TEXT_CHARS:
        return Checked(
            None,
            reason=f"title and abstract hold {size:,} characters, more than the cap of {MAX_TEXT_CHARS:,}; skipped",
        )
    warnings: list[str] = []
    cleaned = _replace_uncarriable(article)
    if cleaned != article:
        warnings.append("control characters or lone surrogates replaced by U+FFFD (record kept)")
    checked = _fit_fields(cleaned, warnings)
    return Checked(checked, tuple(warnings))


def clip(text: str, limit: int = MAX_NAME) -> str:
    """`text` cut to `limit` characters (names and mention texts a relation quotes)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_text(text: str) -> str:
    """`text` with every character no later stage can carry replaced by U+FFFD, one for one."""
    return text if text.isascii() and text.isprintable() else _UNCARRIABLE.sub("\ufffd", text)


def _replace_uncarriable(article: Article) -> Article:
    c = clean_text
    return dataclasses.replace(
        article,
        title=c(article.title),
        sections=tuple(
            dataclasses.replace(s, text=c(s.text), label=c(s.label), category=c(s.category)) for s in article.sections
        ),
        journal=c(article.journal),
        doi=c(article.doi) if article.doi is not None else None,
        language=c(article.language),
        authors=tuple(c(name) for name in article.authors),
        mesh=tuple(MeshHeading(c(m.ui), c(m.name), m.major, tuple(c(q) for q in m.qualifiers)) for m in article.mesh),
        publication_types=tuple(c(kind) for kind in article.publication_types),
    )


def _fit_fields(article: Article, warnings: list[str]) -> Article:
    changes: dict = {}
    if any(len(s.label) > MAX_LABEL or len(s.category) > MAX_LABEL for s in article.sections):
        warnings.append(f"section label longer than {MAX_LABEL} characters cut")
        changes["sections"] = tuple(_fit_section(s) for s in article.sections)
    if article.doi is not None and len(article.doi) > MAX_DOI:
        warnings.append(f"DOI of {len(article.doi):,} characters (at most {MAX_DOI}) dropped")
        changes["doi"] = None
    if len(article.language) > MAX_LANGUAGE:
        warnings.append(f"language of {len(article.language):,} characters (at most {MAX_LANGUAGE}) dropped")
        changes["language"] = ""
    if not 0 < article.version <= MAX_INT32:
        warnings.append(f"version {str(article.version)[:20]} out of range; read as 1")
        changes["version"] = 1
    return dataclasses.replace(article, **changes) if changes else article


def _fit_section(section: Section) -> Section:
    return dataclasses.replace(section, label=section.label[:MAX_LABEL], category=section.category[:MAX_LABEL])
