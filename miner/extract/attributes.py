"""The Doc extension attributes the extractor fills before the pipeline runs, registered once:
- `doc._.italics`: (start, end) character spans set in italics in the source (evidence for taxon
  names);
- `doc._.sections`: (start, end, label) of the title ("TITLE") and each abstract section.
Imports: spaCy only.
"""

from __future__ import annotations

from spacy.tokens import Doc

Doc.set_extension("italics", default=(), force=True)
Doc.set_extension("sections", default=(), force=True)


def section_of(doc: Doc, char: int) -> str:
    """The label of the section holding character `char` ("" when none does)."""
    return next((label for start, end, label in doc._.sections if start <= char < end), "")


def title_end(doc: Doc) -> int | None:
    """Where the title ends, when the extractor marked one."""
    return next((end for start, end, label in doc._.sections if label == "TITLE"), None)
