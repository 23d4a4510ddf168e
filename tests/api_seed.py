"""A known corpus for the API and search-page tests, and the plain-Python model of what every read
of it should return.

Fifteen articles (PMIDs 2001–2015, years 2015–2024, 2004 a review) with 47 claims about the
Lachnospiraceae family (and its genera Blautia, Coprococcus, Roseburia and the species Blautia
obeum), Faecalibacterium (and F. prausnitzii), Bacteroides and Prevotella, in depression (MeSH
D003865 major depressive disorder and D003863 depression, one group), Parkinson's disease and
bipolar disorder, human and animal. Taxa carry their real NCBI lineages from
`miner.taxon_tree`, so descendant filters walk the stored lineage as they do in production.

Curators' verdicts: "correct" on 2001's Faecalibacterium claim, "wrong direction" on 2010's
Blautia claim (extracted increased, read decreased: it opens a Blautia conflict) and "wrong
taxon" on 2010's Prevotella claim (rejected: it resolves the Prevotella conflict). The Bacteroides
conflict is confirmed by a curator.

`claims()` is the model: every claim with its article and its direction read through the
verdicts, computed here without the code under test, so tests derive expectations from it.
Imports: `builders`, `miner.accounts`, `miner.conflicts`, `miner.curation`, `miner.records`,
`miner.store`, `miner.reference` (lineages only).
"""

from __future__ import annotations

from dataclasses import dataclass

from builders import make_article, make_relation, store_papers
from sqlalchemy import select

from miner import conflicts, records
from miner.accounts import create_user
from miner.curation import give_verdict
from miner.reference import ReferenceData
from miner.store import Database
from miner.store.models import Conflict, Relation, Taxon
from miner.store.writer import save_article

CURATOR = ("carol", "curates-gut-papers-2")

# name → (NCBI taxid, rank, how the sentences write it)
TAXA = {
    "Lachnospiraceae": (186803, "family", "Lachnospiraceae"),
    "Blautia": (572511, "genus", "Blautia"),
    "Blautia obeum": (40520, "species", "B. obeum"),
    "Coprococcus": (33042, "genus", "Coprococcus"),
    "Roseburia": (841, "genus", "Roseburia"),
    "Faecalibacterium": (216851, "genus", "Faecalibacterium"),
    "Faecalibacterium prausnitzii": (853, "species", "F. prausnitzii"),
    "Bacteroides": (816, "genus", "Bacteroides"),
    "Prevotella": (838, "genus", "Prevotella"),
}
LACHNOSPIRACEAE_AND_BELOW = {"Lachnospiraceae", "Blautia", "Blautia obeum", "Coprococcus", "Roseburia"}

# MeSH → (name as in miner/pipelines/disorders.jsonl, group, how the sentences write it)
DISORDERS = {
    "D003865": ("major depressive disorder", "depression", "major depressive disorder"),
    "D003863": ("depression", "depression", "depression"),
    "D010300": ("Parkinson's disease", "parkinson", "Parkinson's disease"),
    "D001714": ("bipolar disorder", "bipolar", "bipolar disorder"),
}
TRIGGERS = {"increased": "increased", "decreased": "reduced", "unchanged": "unchanged", "associated": "associated"}
JOURNALS = ("Gut Microbes", "Microbiome", "Brain Behav Immun")

MDD, DEP, PD, BD = "D003865", "D003863", "D010300", "D001714"
H, A = "human", "animal"

# pmid → (year, [(taxon, mesh, extracted direction, subject, confidence)])
ARTICLES: dict[str, tuple[int, list[tuple[str, str, str, str, float]]]] = {
    "2001": (
        2015,
        [
            ("Faecalibacterium", MDD, "decreased", H, 0.95),
            ("Blautia", MDD, "increased", H, 0.80),
            ("Lachnospiraceae", MDD, "decreased", H, 0.70),
        ],
    ),
    "2002": (
        2016,
        [
            ("Faecalibacterium", MDD, "decreased", H, 0.90),
            ("Coprococcus", DEP, "decreased", H, 0.85),
            ("Bacteroides", DEP, "increased", H, 0.60),
        ],
    ),
    "2003": (
        2017,
        [
            ("Faecalibacterium", DEP, "increased", H, 0.75),
            ("Roseburia", MDD, "decreased", H, 0.65),
            ("Blautia obeum", MDD, "increased", H, 0.55),
        ],
    ),
    "2004": (
        2018,
        [
            ("Faecalibacterium", MDD, "decreased", H, 0.88),
            ("Coprococcus", MDD, "decreased", H, 0.82),
            ("Lachnospiraceae", DEP, "unchanged", H, 0.50),
        ],
    ),
    "2005": (
        2019,
        [
            ("Faecalibacterium prausnitzii", MDD, "decreased", H, 0.92),
            ("Faecalibacterium", PD, "decreased", H, 0.91),
            ("Blautia", PD, "increased", H, 0.45),
        ],
    ),
    "2006": (
        2019,
        [
            ("Faecalibacterium", PD, "decreased", H, 0.85),
            ("Roseburia", PD, "decreased", H, 0.70),
            ("Bacteroides", PD, "unchanged", H, 0.40),
        ],
    ),
    "2007": (
        2020,
        [
            ("Faecalibacterium", MDD, "increased", A, 0.77),
            ("Blautia", MDD, "decreased", A, 0.66),
            ("Lachnospiraceae", MDD, "increased", A, 0.58),
        ],
    ),
    "2008": (
        2020,
        [
            ("Bacteroides", MDD, "increased", H, 0.81),
            ("Prevotella", MDD, "decreased", H, 0.79),
            ("Coprococcus", BD, "decreased", H, 0.51),
        ],
    ),
    "2009": (
        2021,
        [
            ("Bacteroides", MDD, "decreased", H, 0.73),
            ("Faecalibacterium", BD, "decreased", H, 0.84),
            ("Roseburia", MDD, "unchanged", H, 0.52),
            ("Bacteroides", BD, "unchanged", H, 0.42),
        ],
    ),
    "2010": (
        2021,
        [
            ("Blautia", DEP, "increased", H, 0.69),
            ("Prevotella", DEP, "increased", H, 0.64),
            ("Faecalibacterium prausnitzii", PD, "decreased", H, 0.87),
        ],
    ),
    "2011": (
        2022,
        [
            ("Coprococcus", MDD, "decreased", H, 0.93),
            ("Faecalibacterium", MDD, "unchanged", H, 0.62),
            ("Blautia obeum", PD, "increased", H, 0.47),
        ],
    ),
    "2012": (
        2022,
        [
            ("Roseburia", BD, "decreased", H, 0.71),
            ("Lachnospiraceae", PD, "decreased", H, 0.68),
            ("Bacteroides", BD, "unchanged", H, 0.59),
        ],
    ),
    "2013": (
        2023,
        [
            ("Faecalibacterium", MDD, "decreased", H, 0.97),
            ("Blautia", MDD, "increased", H, 0.74),
            ("Prevotella", PD, "increased", H, 0.56),
        ],
    ),
    "2014": (
        2024,
        [
            ("Faecalibacterium prausnitzii", MDD, "decreased", A, 0.83),
            ("Coprococcus", DEP, "decreased", A, 0.61),
            ("Roseburia", MDD, "decreased", H, 0.90),
        ],
    ),
    "2015": (
        2024,
        [
            ("Bacteroides", DEP, "decreased", H, 0.57),
            ("Faecalibacterium", MDD, "decreased", H, 0.86),
            ("Faecalibacterium", DEP, "decreased", H, 0.66),
            ("Blautia", BD, "associated", H, 0.50),
        ],
    ),
}
REVIEW = "2004"

# (pmid, taxon, mesh) → verdict; "wrong direction" flips increased ↔ decreased
VERDICTS = {
    ("2001", "Faecalibacterium", MDD): "correct",
    ("2010", "Blautia", DEP): "wrong direction",
    ("2010", "Prevotella", DEP): "wrong taxon",
}
REJECTING = {"wrong taxon", "wrong disorder", "not a finding"}
CONFIRMED = ("Bacteroides", "depression", H)  # a curator confirms this conflict


@dataclass(frozen=True)
class Claim:
    pmid: str
    year: int
    journal: str
    doi: str
    taxon: str
    taxid: int
    rank: str
    taxon_text: str
    mesh: str
    disorder: str
    group: str
    extracted: str
    direction: str  # read through the verdict
    verdict: str | None
    subject: str
    confidence: float
    evidence: str

    @property
    def rejected(self) -> bool:
        return self.verdict in REJECTING

    @property
    def key(self) -> tuple:
        """What identifies a claim in an API row: (pmid, taxon, mesh, subject, extracted direction)."""
        return (self.pmid, self.taxon, self.mesh, self.subject, self.extracted)


def journal_of(pmid: str) -> str:
    return JOURNALS[int(pmid) % len(JOURNALS)]


def doi_of(pmid: str) -> str:
    return f"10.5555/miner.{pmid}"


def sentence(pmid: str, taxon: str, mesh: str, direction: str, subject: str) -> str:
    who = "patients" if subject == H else "model mice"
    return f"In cohort {pmid}, {TAXA[taxon][2]} was {TRIGGERS[direction]} in {DISORDERS[mesh][2]} {who}."


def _flipped(direction: str) -> str:
    return {"increased": "decreased", "decreased": "increased"}.get(direction, direction)


def claims() -> list[Claim]:
    """Every claim of the corpus, rejected ones too, as the model reads it."""
    return [
        make_claim(pmid, year, taxon, mesh, direction, subject, confidence, VERDICTS.get((pmid, taxon, mesh)))
        for pmid, (year, listed) in ARTICLES.items()
        for taxon, mesh, direction, subject, confidence in listed
    ]


def make_claim(
    pmid: str,
    year: int,
    taxon: str,
    mesh: str,
    direction: str,
    subject: str,
    confidence: float,
    verdict: str | None = None,
) -> Claim:
    """A claim as extracted (`direction`), read through its verdict."""
    taxid, rank, text = TAXA[taxon]
    name, group, _ = DISORDERS[mesh]
    return Claim(
        pmid,
        year,
        journal_of(pmid),
        doi_of(pmid),
        taxon,
        taxid,
        rank,
        text,
        mesh,
        name,
        group,
        direction,
        _flipped(direction) if verdict == "wrong direction" else direction,
        verdict,
        subject,
        confidence,
        sentence(pmid, taxon, mesh, direction, subject),
    )


def visible() -> list[Claim]:
    """The claims every default read shows: all but the rejected."""
    return [c for c in claims() if not c.rejected]


def lineage(taxid: int) -> tuple[int, ...]:
    return tuple(node.taxid for node in ReferenceData.of().taxon_tree.lineage(taxid))


def relation_record(claim: Claim) -> records.Relation:
    text = claim.evidence
    start = text.index(claim.taxon_text)
    disorder_text = DISORDERS[claim.mesh][2]
    at = text.index(disorder_text)
    trigger = TRIGGERS[claim.extracted]
    where = text.index(f" {trigger} ") + 1
    path = lineage(claim.taxid)
    return make_relation(
        pmid=claim.pmid,
        taxon=claim.taxon,
        taxid=claim.taxid,
        rank=claim.rank,
        disorder=claim.disorder,
        mesh=claim.mesh,
        direction=claim.extracted,
        subject=claim.subject,
        evidence=text,
        confidence=claim.confidence,
        taxon_text=claim.taxon_text,
        taxon_start=start,
        taxon_end=start + len(claim.taxon_text),
        disorder_text=disorder_text,
        disorder_start=at,
        disorder_end=at + len(disorder_text),
        trigger=trigger,
        trigger_start=where,
        trigger_end=where + len(trigger),
        taxon_lineage=path,
        parent_taxid=path[-2],
        disorder_group=claim.group,
    )


def article_record(
    pmid: str, extra_claims: list[Claim] | None = None
) -> tuple[records.Article, list[records.Relation]]:
    listed = extra_claims if extra_claims is not None else [c for c in claims() if c.pmid == pmid]
    year = listed[0].year
    types = ("Journal Article", "Review") if pmid == REVIEW else ("Journal Article",)
    title = f"Gut microbiota in psychiatric and neurological disorders, study {pmid}" + (
        ": a systematic review" if pmid == REVIEW else ""
    )
    article = make_article(
        pmid=pmid,
        title=title,
        text=" ".join(c.evidence for c in listed),
        journal=journal_of(pmid),
        year=year,
        doi=doi_of(pmid),
        publication_types=types,
    )
    return article, [relation_record(c) for c in listed]


def relation_id(session, pmid: str, taxon: str, mesh: str) -> int:
    return session.scalar(
        select(Relation.id)
        .join(Taxon, Relation.taxon_id == Taxon.id)
        .where(Relation.pmid == pmid, Taxon.taxid == TAXA[taxon][0], Relation.mesh == mesh)
    )


def seed(database: Database) -> None:
    """Store the corpus, refresh the conflicts, give the verdicts and confirm one conflict."""
    with database.session() as session:
        store_papers(session, (article_record(pmid) for pmid in ARTICLES))
        curator = create_user(session, CURATOR[0], "curator", CURATOR[1])
        for (pmid, taxon, mesh), verdict in VERDICTS.items():
            give_verdict(session, relation_id(session, pmid, taxon, mesh), verdict, curator)
        taxon_id = session.scalar(select(Taxon.id).where(Taxon.taxid == TAXA[CONFIRMED[0]][0]))
        conflict = session.scalar(
            select(Conflict.id).where(
                Conflict.taxon_id == taxon_id, Conflict.disorder_group == CONFIRMED[1], Conflict.subject == CONFIRMED[2]
            )
        )
        conflicts.set_status(session, conflict, "confirmed", CURATOR[0], "cohorts differ")


def add_claims(database: Database, pmid: str, year: int, wanted: list[tuple[str, str, str, str, float]]) -> None:
    """Store one more article (for pagination while claims are added)."""
    added = [make_claim(pmid, year, *claim) for claim in wanted]
    with database.session() as session:
        article, relations = article_record(pmid, added)
        save_article(session, article, relations, pipeline_version="test")
        session.flush()
        conflicts.refresh(session, conflicts.affected_keys(session, [pmid]))


# ---- the model's reads -----------------------------------------------------------------------


def consensus(increased: int, decreased: int, unchanged: int) -> tuple[float | None, str]:
    """The score and label as miner/query/pairs.py defines them in words."""
    voted = increased + decreased + unchanged
    if voted == 0:
        return None, "no direction"
    score = round((increased - decreased) / voted, 3)
    if voted == 1:
        return score, "single paper"
    if abs(score) >= 0.5:
        return score, "increased" if score > 0 else "decreased"
    if unchanged > voted / 2:
        return score, "unchanged"
    return score, "mixed"


def expected_pairs(
    chosen: list[Claim], evidence: str = "primary", min_papers: int = 1
) -> dict[tuple[str, str, str], dict]:
    """(taxon, disorder group, subject) → counts, years, score and label, worked out here from the
    seed: the pairs are those of the `chosen` claims (a filter chooses pairs); each pair counts
    all its visible claims, without the review's unless `evidence` is "all"."""
    keys = {(claim.taxon, claim.group, claim.subject) for claim in chosen}
    grouped: dict[tuple, list[Claim]] = {}
    for claim in visible():
        if (claim.taxon, claim.group, claim.subject) in keys and (evidence == "all" or claim.pmid != REVIEW):
            grouped.setdefault((claim.taxon, claim.group, claim.subject), []).append(claim)
    found = {}
    for key, members in grouped.items():
        papers = {
            d: len({c.pmid for c in members if c.direction == d}) for d in ("increased", "decreased", "unchanged")
        }
        if len({c.pmid for c in members}) < min_papers:
            continue
        score, label = consensus(papers["increased"], papers["decreased"], papers["unchanged"])
        found[key] = {
            **papers,
            "papers": len({c.pmid for c in members}),
            "claims": len(members),
            "score": score,
            "consensus": label,
            "first_year": min(c.year for c in members),
            "latest_year": max(c.year for c in members),
        }
    return found


def contradicted() -> set[tuple[str, str, str]]:
    """Pairs that distinct papers report in opposite directions (the conflicts left open or confirmed)."""
    sides: dict[tuple, dict[str, set[str]]] = {}
    for c in visible():
        sides.setdefault((c.taxon, c.group, c.subject), {}).setdefault(c.direction, set()).add(c.pmid)
    return {
        key
        for key, side in sides.items()
        if side.get("increased") and side.get("decreased") and len(side["increased"] | side["decreased"]) >= 2
    }
