"""The `miner_section_breaks` component: the title and each abstract section start a sentence.

The extractor joins title and sections with newlines; a sentence splitter may run across them
(a title has no full stop), so every token after a newline is made a sentence start.
Imports: spaCy only.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.component("miner_section_breaks")
def section_breaks(doc: Doc) -> Doc:
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n" in previous.whitespace_ or (previous.is_space and "\n" in previous.text):
            token.is_sent_start = True
    return doc
