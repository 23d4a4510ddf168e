"""A small corpus with two conflicts, and the accounts the web tests log in with.

Prevotella in depression: PMID 1001 decreased; 1002 increased (the one a curator will find
wrong); 1003 increased (a review). Bacteroides in depression: 1004 decreased, with markup in its
title and sentence to prove the pages escape it; 1005 increased.
"""

from __future__ import annotations

from builders import make_article, make_relation, store_papers

from miner.accounts import create_user
from miner.store import Database

PASSWORDS = {"alice": "curates-gut-papers-1", "bob": "only-reads-papers", "root": "administers-accounts"}
HOSTILE = '<script>alert("x")</script>'


def _claim(pmid: str, taxon: str, taxid: int, direction: str, sentence: str, trigger: str, **article):
    start = sentence.index(taxon)
    disorder = sentence.index("depression")
    at = sentence.index(trigger)
    relation = make_relation(
        pmid=pmid,
        taxon=taxon,
        taxid=taxid,
        direction=direction,
        mesh="D003863",
        disorder="depression",
        evidence=sentence,
        taxon_text=taxon,
        taxon_start=start,
        taxon_end=start + len(taxon),
        disorder_text="depression",
        disorder_start=disorder,
        disorder_end=disorder + len("depression"),
        trigger=trigger,
        trigger_start=at,
        trigger_end=at + len(trigger),
        taxon_lineage=(2, 976, taxid),
        parent_taxid=976,
    )
    return make_article(pmid=pmid, text=sentence, **article), [relation]


CLAIMS = [
    ("1001", "Prevotella", 838, "decreased", "Prevotella was decreased in patients with depression.", "decreased", {}),
    (
        "1002",
        "Prevotella",
        838,
        "increased",
        "Unlike Prevotella, Blautia was increased in depression.",
        "increased",
        {},
    ),
    (
        "1003",
        "Prevotella",
        838,
        "increased",
        "Prevotella was increased in depression in most cohorts.",
        "increased",
        {
            "title": "Gut microbiota in depression: a systematic review",
            "publication_types": ("Journal Article", "Review"),
        },
    ),
    (
        "1004",
        "Bacteroides",
        816,
        "decreased",
        f"Bacteroides {HOSTILE} was lower in depression & anxiety.",
        "lower",
        {"title": f"Title with {HOSTILE} markup"},
    ),
    ("1005", "Bacteroides", 816, "increased", "Bacteroides was higher in depression.", "higher", {}),
]


def seed(database: Database) -> None:
    with database.session() as session:
        store_papers(
            session,
            (
                _claim(pmid, taxon, taxid, direction, sentence, trigger, **article)
                for pmid, taxon, taxid, direction, sentence, trigger, article in CLAIMS
            ),
        )
        create_user(session, "alice", "curator", PASSWORDS["alice"])
        create_user(session, "bob", "reader", PASSWORDS["bob"])
        create_user(session, "root", "admin", PASSWORDS["root"])
