"""Is an article a review or meta-analysis (secondary evidence)? By its PubMed publication types,
and by what its title and abstract say of themselves, since many records (JSON Lines input,
new records not yet indexed) carry no publication type.
Imports: stdlib, `miner.records`.
"""

from __future__ import annotations

import re

from miner import records

REVIEW_TYPES = {"Review", "Systematic Review", "Meta-Analysis", "Scoping Review"}
_TITLE = re.compile(r"\b(?:review|meta-?analys[ie]s|umbrella review|scoping|systematic search)\b", re.IGNORECASE)
_SELF = re.compile(
    r"\b(?:this|our|the present|the current|a) "
    r"(?:narrative |systematic |scoping |mini[- ]?|comprehensive |critical |literature |umbrella )?"
    r"(?:review|meta-?analysis)\b(?! of (?:the )?(?:patients|participants|subjects))"
    r"|\bwe (?:review|summari[sz]e|searched|systematically"
    r"|conducted a (?:systematic|meta)|performed a (?:systematic|meta))"
    r"|\bsystematic(?:ally)? (?:review|search|searched)"
    r"|\b(?:studies|articles|trials|publications) (?:were|was) (?:included|identified|screened|retrieved|reviewed)\b"
    r"|\bpooled (?:analysis|estimate|effect)",
    re.IGNORECASE,
)


def is_review_text(title: str, abstract: str) -> bool:
    """The title names a review or meta-analysis, or the abstract describes itself as one ("In
    this review, …", "We searched PubMed …", "24 studies were included")."""
    return bool(_TITLE.search(title or "") or _SELF.search(abstract or ""))


def is_review(article: records.Article) -> bool:
    if REVIEW_TYPES.intersection(article.publication_types):
        return True
    return is_review_text(article.title, " ".join(section.text for section in article.sections))
