"""Plain records that flow between stages: parse → extract → store, and out to JSON.

They hold only strings, numbers, dates and tuples, so they pickle across `nlp.pipe(n_process=N)`
workers and the store never sees lxml or spaCy objects. Imports: stdlib only.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

DIRECTIONS = ("increased", "decreased", "unchanged", "associated")
SUBJECTS = ("human", "animal")


@dataclass(frozen=True)
class Section:
    """One part of an abstract; `label` and `category` are PubMed's (RESULTS / RESULTS), or empty.

    `italics` holds the (start, end) character offsets in `text` of `<i>` spans, in order.
    """

    text: str
    label: str = ""
    category: str = ""
    italics: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class MeshHeading:
    ui: str
    name: str
    major: bool = False
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """One PubMed record, as much of it as miner uses."""

    pmid: str
    title: str
    sections: tuple[Section, ...] = ()
    version: int = 1
    journal: str = ""
    year: int | None = None
    entrez_date: datetime | None = None
    doi: str | None = None
    language: str = ""
    authors: tuple[str, ...] = ()
    mesh: tuple[MeshHeading, ...] = ()
    publication_types: tuple[str, ...] = ()
    title_italics: tuple[tuple[int, int], ...] = ()  # (start, end) offsets of `<i>` spans in `title`

    @property
    def abstract(self) -> str:
        """The abstract as one paragraph (sections joined by a space, labels left out)."""
        return " ".join(section.text for section in self.sections if section.text)

    def to_json(self) -> dict:
        data = asdict(self)
        data["entrez_date"] = self.entrez_date.isoformat() if self.entrez_date else None
        data["abstract"] = self.abstract
        return data


@dataclass(frozen=True)
class Deletion:
    """A `DeleteCitation` entry: PubMed withdrew these PMIDs."""

    pmids: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """A record or file part that could not be used (`severity` "error": skipped), or was used
    with a caveat ("warning": kept), reported instead of passing silently."""

    source: str
    message: str
    pmid: str | None = None
    position: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        """One line, whatever the parts hold: line breaks and control characters (terminal
        escapes included) become spaces or "?"."""
        where = f"PMID {self.pmid}" if self.pmid else f"record {self.position}" if self.position else "file"
        return one_line(f"{self.source}: {where}: {self.message}")


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(text: str) -> str:
    """`text` as one printable line: whitespace runs (line breaks too) made one space, control
    characters and lone surrogates made "?"."""
    return _CONTROL.sub("?", " ".join(text.split()))


@dataclass(frozen=True)
class Relation:
    """One (taxon, disorder, direction) finding of one article, with its provenance.

    Offsets are character offsets into `evidence` (the sentence); `sentence_start` is the
    sentence's offset in the article text the pipeline read (title, newline, abstract).
    """

    pmid: str
    taxon: str
    taxid: int | None
    rank: str
    disorder: str
    mesh: str
    direction: str
    subject: str
    evidence: str
    confidence: float
    taxon_text: str = ""
    disorder_text: str = ""
    taxon_start: int = 0
    taxon_end: int = 0
    disorder_start: int | None = None
    disorder_end: int | None = None
    trigger: str = ""
    trigger_start: int | None = None
    trigger_end: int | None = None
    sentence_start: int = 0
    section: str = ""
    pipeline_version: str = ""
    taxon_lineage: tuple[int, ...] = ()
    parent_taxid: int | None = None
    disorder_group: str = ""

    def record(self) -> dict:
        """The record format of the annotation guidelines (what `miner extract` writes)."""
        return {
            "taxon": self.taxon,
            "taxid": self.taxid,
            "rank": self.rank,
            "disorder": self.disorder,
            "mesh": self.mesh,
            "direction": self.direction,
            "subject": self.subject,
            "evidence": self.evidence,
            "confidence": round(self.confidence, 3),
        }
