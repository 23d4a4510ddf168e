"""Known content for the digest tests, around the ISO week 2026-W47 (Monday 16 to Sunday 22
November 2026, UTC), and the plain-Python model of what that week's digest should say.

Articles first seen before the week (3000 long ago; 3001 and 3005 in W45; 3002 and 3003 in W46),
during it (3104 at its first instant, retracted; 3101, 3105 with no findings, 3102 with a title
full of markup; 3103 at its last second) and after it (3201 at the first instant of W48). The
week's papers turn Faecalibacterium in depression from "decreased" to "mixed", Bacteroides in
depression and Roseburia in Parkinson's disease from a single paper to "mixed" and "decreased".

Curators: "correct" on 3101's Blautia claim (confirmed), "wrong direction" on 3102's Akkermansia
claim (extracted increased, read decreased), "not a finding" on 3103's Coprococcus claim
(rejected). Conflicts: Faecalibacterium and Bacteroides in depression open during the week;
Prevotella in Parkinson's disease opened in W45 and a curator confirmed it during the week.

The model (`Claim`, `claims()`, `week_claims()`, `chart_counts()`) is computed here from the
tables above, without the code under test, so the tests derive their expectations from it.
Imports: `builders`, `miner.accounts`, `miner.conflicts`, `miner.curation`, `miner.store`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from builders import cohort_finding, make_article, store_papers
from sqlalchemy import select, update

from miner.accounts import create_user
from miner.curation import give_verdict, set_conflict_status
from miner.store import Database
from miner.store.models import Article, Conflict, Relation, Taxon

UTC = UTC
WEEK = "2026-W47"
WEEK_START = datetime(2026, 11, 16, tzinfo=UTC)
WEEK_END = datetime(2026, 11, 23, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # the Monday morning the scheduler sends it
LABEL = "16–22 November 2026"
CURATOR = ("alice", "curates-gut-papers-1")
CONFIRM_REASON = "both cohorts are sound"
HOSTILE_TITLE = 'Akkermansia <script>alert("x")</script> & *stars* _under_ [cohort] #2 in depression'
SCRIPT = '<script>alert("x")</script>'

TAXA = {  # name → NCBI taxid
    "Faecalibacterium": 216851,
    "Blautia": 572511,
    "Roseburia": 841,
    "Akkermansia": 239934,
    "Bacteroides": 816,
    "Prevotella": 838,
    "Coprococcus": 33042,
    "Lactobacillus": 1578,
    "Sutterella": 40545,
}
MDD, DEP, PD, BD = "D003865", "D003863", "D010300", "D001714"
DISORDERS = {  # MeSH → (name, group)
    MDD: ("major depressive disorder", "depression"),
    DEP: ("depression", "depression"),
    PD: ("Parkinson's disease", "parkinson"),
    BD: ("bipolar disorder", "bipolar"),
}
GROUP_NAMES = {"depression": "depression", "parkinson": "Parkinson's disease", "bipolar": "bipolar disorder"}
TRIGGERS = {"increased": "increased", "decreased": "reduced"}

# pmid → (first seen, title or None, retracted, [(taxon, mesh, extracted direction)])
ARTICLES: dict[str, tuple[datetime, str | None, bool, list[tuple[str, str, str]]]] = {
    "3000": (datetime(2025, 6, 2, 9, tzinfo=UTC), None, False, [("Blautia", BD, "increased")]),
    "3001": (
        datetime(2026, 11, 2, 10, tzinfo=UTC),
        None,
        False,
        [("Faecalibacterium", MDD, "decreased"), ("Prevotella", PD, "increased")],
    ),
    "3005": (datetime(2026, 11, 4, 11, tzinfo=UTC), None, False, [("Prevotella", PD, "decreased")]),
    "3002": (
        datetime(2026, 11, 10, 12, tzinfo=UTC),
        None,
        False,
        [("Faecalibacterium", DEP, "decreased"), ("Roseburia", PD, "decreased")],
    ),
    "3003": (datetime(2026, 11, 15, 23, 59, 59, tzinfo=UTC), None, False, [("Bacteroides", DEP, "increased")]),
    "3104": (WEEK_START, "Lactobacillus in depression (retracted)", True, [("Lactobacillus", DEP, "increased")]),
    "3101": (
        datetime(2026, 11, 17, 9, tzinfo=UTC),
        None,
        False,
        [("Faecalibacterium", MDD, "increased"), ("Blautia", MDD, "increased"), ("Roseburia", PD, "decreased")],
    ),
    "3102": (
        datetime(2026, 11, 19, 14, tzinfo=UTC),
        HOSTILE_TITLE,
        False,
        [("Faecalibacterium", DEP, "increased"), ("Akkermansia", PD, "increased")],
    ),
    "3105": (datetime(2026, 11, 20, 8, tzinfo=UTC), "A gut–brain editorial without findings", False, []),
    "3103": (
        datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC),
        None,
        False,
        [("Bacteroides", DEP, "decreased"), ("Coprococcus", BD, "decreased")],
    ),
    "3201": (WEEK_END, None, False, [("Roseburia", PD, "decreased"), ("Sutterella", DEP, "increased")]),
}
VERDICTS = {  # (pmid, taxon) → verdict
    ("3101", "Blautia"): "correct",
    ("3102", "Akkermansia"): "wrong direction",
    ("3103", "Coprococcus"): "not a finding",
}
REJECTING = {"wrong taxon", "wrong disorder", "not a finding"}
# conflict (taxon, group) → (first seen, status changed at)
CONFLICT_TIMES = {
    ("Faecalibacterium", "depression"): (
        datetime(2026, 11, 17, 9, 5, tzinfo=UTC),
        datetime(2026, 11, 17, 9, 5, tzinfo=UTC),
    ),
    ("Bacteroides", "depression"): (
        datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC),
    ),
    ("Prevotella", "parkinson"): (datetime(2026, 11, 4, 11, 5, tzinfo=UTC), datetime(2026, 11, 19, 10, tzinfo=UTC)),
}


@dataclass(frozen=True)
class Claim:
    pmid: str
    taxon: str
    mesh: str
    group: str
    extracted: str
    direction: str  # read through the verdict
    verdict: str | None
    first_seen: datetime
    retracted: bool

    @property
    def shown(self) -> bool:
        """What every read shows: not rejected by a curator, not from a retracted article."""
        return self.verdict not in REJECTING and not self.retracted


def title_of(pmid: str) -> str:
    return ARTICLES[pmid][1] or f"Gut microbiota and the brain, cohort {pmid}"


def claims() -> list[Claim]:
    found = []
    for pmid, (seen, _, retracted, listed) in ARTICLES.items():
        for taxon, mesh, extracted in listed:
            verdict = VERDICTS.get((pmid, taxon))
            direction = (
                {"increased": "decreased", "decreased": "increased"}[extracted]
                if verdict == "wrong direction"
                else extracted
            )
            found.append(Claim(pmid, taxon, mesh, DISORDERS[mesh][1], extracted, direction, verdict, seen, retracted))
    return found


def in_week(moment: datetime) -> bool:
    return WEEK_START <= moment < WEEK_END


def week_articles() -> set[str]:
    """The week's new articles a reader is told of (the retracted one is not news)."""
    return {pmid for pmid, (seen, _, retracted, _) in ARTICLES.items() if in_week(seen) and not retracted}


def week_claims() -> list[Claim]:
    return [c for c in claims() if in_week(c.first_seen) and c.shown]


def chart_weeks() -> list[str]:
    """The twelve ISO weeks ending with WEEK, oldest first."""
    mondays = [WEEK_START.date() - timedelta(weeks=11 - i) for i in range(12)]
    return [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in mondays]


def chart_counts() -> dict[str, Counter]:
    """Disorder group → {week: findings shown from articles first seen that week}."""
    counts: dict[str, Counter] = {}
    for c in claims():
        if c.shown:
            year, number, _ = c.first_seen.date().isocalendar()
            counts.setdefault(c.group, Counter())[f"{year}-W{number:02d}"] += 1
    return counts


def _records(pmid: str):
    _, _, retracted, listed = ARTICLES[pmid]
    relations, sentences = [], []
    for taxon, mesh, direction in listed:
        disorder, group = DISORDERS[mesh][:2]
        sentence, relation = cohort_finding(
            pmid, taxon, TAXA[taxon], direction, TRIGGERS[direction], mesh, disorder, group
        )
        relations.append(relation)
        sentences.append(sentence)
    types = ("Journal Article", "Retracted Publication") if retracted else ("Journal Article",)
    article = make_article(
        pmid=pmid,
        title=title_of(pmid),
        text=" ".join(sentences) or "An editorial.",
        journal="Gut Microbes",
        year=2026,
        publication_types=types,
    )
    return article, relations


def _relation_id(session, pmid: str, taxon: str) -> int:
    return session.scalar(
        select(Relation.id).join(Taxon, Relation.taxon_id == Taxon.id).where(Relation.pmid == pmid, Taxon.name == taxon)
    )


def _conflict_id(session, taxon: str, group: str) -> int:
    return session.scalar(
        select(Conflict.id)
        .join(Taxon, Conflict.taxon_id == Taxon.id)
        .where(Taxon.name == taxon, Conflict.disorder_group == group)
    )


def seed(database: Database) -> None:
    """Store the corpus, the verdicts and the conflicts, then date everything as the model says."""
    with database.session() as session:
        store_papers(session, (_records(pmid) for pmid in ARTICLES))
        curator = create_user(session, CURATOR[0], "curator", CURATOR[1])
        for (pmid, taxon), verdict in VERDICTS.items():
            give_verdict(session, _relation_id(session, pmid, taxon), verdict, curator)
        set_conflict_status(
            session, _conflict_id(session, "Prevotella", "parkinson"), "confirmed", curator, CONFIRM_REASON
        )
        for pmid, (seen, *_rest) in ARTICLES.items():
            session.execute(update(Article).where(Article.pmid == pmid).values(first_seen_at=seen))
        for (taxon, group), (first_seen, status_at) in CONFLICT_TIMES.items():
            conflict_id = _conflict_id(session, taxon, group)
            assert conflict_id is not None, f"the seed expected a conflict on {taxon} in {group}"
            session.execute(
                update(Conflict).where(Conflict.id == conflict_id).values(first_seen_at=first_seen, status_at=status_at)
            )
        stored = session.scalars(select(Conflict)).all()
        assert len(stored) == len(CONFLICT_TIMES), "the seed made a conflict it does not date"
