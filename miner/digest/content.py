"""What the weekly digest says, as data: for one ISO week, the headline numbers, the new
findings by disorder (curator-confirmed first, extraction-only ones marked), the late additions
(papers of earlier weeks that missed their week's digest, each with its Entrez date and
findings), the pairs whose consensus moved, new and changed conflicts, twelve weeks of findings
for the chart, and the note on method.

"New" follows PubMed's calendar (`miner.digest.calendar`): the articles whose Entrez date (else
first storage) falls in the week, as stored when the digest is built. A pair moved when its
consensus label over the papers up to the week's end differs from the label before the week; a
conflict is new in the digest that lists the paper that completed it, and changed when its status
was set during the week and it was neither new in it nor first stored in it.
Imports: SQLAlchemy, `miner.conflicts`, `miner.reference`, `miner.store`,
`miner.query`, `miner.digest.calendar`, `miner.digest.weeks`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, RowMapping, func, select
from sqlalchemy.orm import Session

from miner.conflicts import Evidence
from miner.digest.calendar import ADDED, CHUNK, Calendar, during
from miner.digest.weeks import Week
from miner.query import stats
from miner.query.pairs import consensus
from miner.reference import reference_of
from miner.store.claims import effective_direction, joined_claims, trusted
from miner.store.models import Article, Conflict, Disorder, Relation, Taxon, Verdict

CHART_WEEKS = 12
PER_DISORDER = 6  # findings shown per disorder; the rest are counted and linked
PAPERS_SHOWN = 3  # papers shown per finding; the rest are counted and linked
LATE_SHOWN = 25  # late additions shown; the rest are counted
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/{}/"


class Claim(TypedDict):
    """One trusted, shown claim as `_claims` selects it (its columns, by label)."""

    taxon_id: int
    taxon: str
    taxid: int | None
    group: str
    subject: str
    direction: str  # as it reads after the verdicts (a corrected direction turned round)
    verdict: str | None  # None: no curator has judged it
    pmid: str
    title: str
    journal: str
    year: int | None
    is_review: bool
    evidence: str
    diagnosis: str
    confidence: float
    taxon_start: int
    taxon_end: int
    trigger_start: int | None
    trigger_end: int | None


class Reading(TypedDict):
    """A pair's consensus over one set of papers (`miner.query.pairs.consensus`) and its votes."""

    score: float | None
    consensus: str
    increased: int
    decreased: int
    unchanged: int
    papers: int


@dataclass
class Paper:
    pmid: str
    title: str
    journal: str
    year: int | None
    secondary: bool

    @property
    def url(self) -> str:
        return PUBMED.format(self.pmid)


@dataclass
class Finding:
    taxon: str
    taxid: int | None
    direction: str
    subject: str
    papers: list[Paper]
    review: str  # "confirmed" (a curator said correct), "corrected" (a curator turned it round), "extraction only"
    link: str
    diagnoses: list[str]  # the descriptors the papers name ("major depressive disorder", "depression")
    evidence: str  # one sentence behind it, shortened

    @property
    def shown(self) -> list[Paper]:
        return self.papers[:PAPERS_SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.papers) - PAPERS_SHOWN)


@dataclass
class Section:
    group: str
    name: str
    findings: list[Finding]
    more: int  # findings not shown
    link: str


@dataclass
class LateFinding:
    taxon: str
    direction: str
    disorder: str  # the disorder group's name for a reader
    subject: str


@dataclass
class LateAddition:
    paper: Paper
    entrez_date: datetime | None  # None: no Entrez date (JSON Lines input)
    first_seen: datetime
    findings: list[LateFinding]

    @property
    def dated(self) -> str:
        """ "Entrez date 12 November 2026 (2026-W46)", or its first storage when it has none."""
        if self.entrez_date is None:
            return f"no Entrez date; first stored {_day(self.first_seen)} ({Week.containing(self.first_seen)})"
        return f"Entrez date {_day(self.entrez_date)} ({Week.containing(self.entrez_date)})"


@dataclass
class Move:
    taxon: str
    group: str
    subject: str
    before: Reading
    after: Reading
    link: str


@dataclass
class ConflictNote:
    id: int
    taxon: str
    group: str
    subject: str
    status: str
    increased: list[str]
    decreased: list[str]
    unchanged: list[str]
    change: str  # for a changed conflict: who set which status, and why
    link: str

    def side(self, direction: str) -> str:
        pmids = {"increased": self.increased, "decreased": self.decreased, "unchanged": self.unchanged}[direction]
        shown = ", ".join(pmids[:5]) + (f" and {len(pmids) - 5} more" if len(pmids) > 5 else "")
        return f"{direction} in {len(pmids)} paper{'' if len(pmids) == 1 else 's'} (PMID {shown})"


@dataclass
class Digest:
    week: str
    label: str
    generated_at: datetime
    numbers: dict[str, int]
    sections: list[Section]
    moves: list[Move]
    late: list[LateAddition]  # the first LATE_SHOWN; numbers["late_additions"] counts them all
    new_conflicts: list[ConflictNote]
    changed_conflicts: list[ConflictNote]
    chart_weeks: list[str]
    chart_series: dict[str, list[int]]  # disorder name → findings per week, oldest first
    method: dict[str, Any]  # the pipeline's quality.json, as `miner.reference` reads it
    links: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Gut–brain literature, week {self.week} ({self.label})"

    @property
    def summary(self) -> str:
        n = self.numbers
        return (
            f"{plural(n['new_articles'], 'new article')} ({n['articles_with_findings']} with findings), "
            f"{plural(n['new_claims'], 'new finding')} on {plural(n['new_pairs'], 'taxon–disorder pair')}, "
            f"{n['new_conflicts']} new and {n['changed_conflicts']} changed "
            f"{'conflict' if n['new_conflicts'] + n['changed_conflicts'] == 1 else 'conflicts'}; "
            f"{plural(len(self.moves), 'pair')} whose consensus moved"
            + (f"; {plural(n['late_additions'], 'late addition')} from earlier weeks." if n["late_additions"] else ".")
        )

    @property
    def late_more(self) -> int:
        return self.numbers["late_additions"] - len(self.late)


def plural(count: int, noun: str) -> str:
    """ "1 paper", "2 papers"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _day(moment: datetime) -> str:
    """ "12 November 2026"."""
    return f"{moment.day} {moment:%B %Y}"


def build_digest(session: Session, week: Week, public_url: str, now: datetime) -> Digest:
    base = public_url.rstrip("/")
    names = _group_names(session)
    calendar = Calendar.load(session, week, now)
    claims = _claims(session, calendar.added_in(week))
    late_pmids = calendar.late_pmids(session)
    late_claims = _claims_of_articles(session, late_pmids)
    sections = _sections(claims, names, base)
    listed = {c["pmid"] for c in claims} | set(late_pmids)
    new_conflicts, changed_conflicts = _conflicts(session, calendar, claims + late_claims, listed, names, base)
    chart_weeks, chart_series = _chart(session, calendar, names)
    totals = stats(session)
    numbers = {
        "new_articles": session.scalar(
            select(func.count()).select_from(Article).where(calendar.added_in(week), Article.is_retracted.is_(False))
        )
        or 0,
        "articles_with_findings": len({c["pmid"] for c in claims}),
        "new_claims": len(claims),
        "new_pairs": len({(c["taxon_id"], c["group"], c["subject"]) for c in claims}),
        "new_conflicts": len(new_conflicts),
        "changed_conflicts": len(changed_conflicts),
        "late_additions": len(late_pmids),
        "confirmed": sum(1 for c in claims if c["verdict"] == "correct"),
        "total_articles": totals["articles"],
        "total_claims": totals["relations"],
        "open_conflicts": totals["conflicts"],
    }
    return Digest(
        week=str(week),
        label=week.label(),
        generated_at=now,
        numbers=numbers,
        sections=sections,
        moves=_moves(session, calendar, claims, names, base),
        new_conflicts=new_conflicts,
        changed_conflicts=changed_conflicts,
        late=_late_additions(session, late_pmids[:LATE_SHOWN], late_claims, names),
        chart_weeks=chart_weeks,
        chart_series=chart_series,
        method=reference_of(session).quality,
        links={
            "search": f"{base}/search",
            "conflicts": f"{base}/conflicts",
            "api": f"{base}/docs",
            "digest": f"{base}/digest/{week}",
            "feed": f"{base}/digest/feed.xml",
        },
    )


def _group_names(session: Session) -> dict[str, str]:
    """Disorder group → a name fit for a reader (the pipeline's disorder_groups.json; else the
    group's lowest-numbered descriptor's name)."""
    names = dict(reference_of(session).group_names)
    for _mesh, name, group in session.execute(
        select(Disorder.mesh, Disorder.name, Disorder.group).order_by(Disorder.mesh)
    ):
        names.setdefault(group, name)
    return names


def _claims(session: Session, articles: ColumnElement[bool]) -> list[Claim]:
    """The trusted, shown claims of the articles `articles` (SQL over Article) selects."""
    query = joined_claims(
        select(
            Relation.taxon_id,
            Taxon.name.label("taxon"),
            Taxon.taxid,
            Disorder.group,
            Relation.subject,
            effective_direction.label("direction"),
            Verdict.verdict,
            Relation.pmid,
            Article.title,
            Article.journal,
            Article.year,
            Article.is_review,
            Relation.evidence,
            Disorder.name.label("diagnosis"),
            Relation.confidence,
            Relation.taxon_start,
            Relation.taxon_end,
            Relation.trigger_start,
            Relation.trigger_end,
        ),
        include_rejected=False,
        include_retracted=False,
    ).where(articles, trusted(session))
    return [_claim(row) for row in session.execute(query).mappings()]


def _claim(row: RowMapping) -> Claim:
    return Claim(
        taxon_id=row["taxon_id"],
        taxon=row["taxon"],
        taxid=row["taxid"],
        group=row["group"],
        subject=row["subject"],
        direction=row["direction"],
        verdict=row["verdict"],
        pmid=row["pmid"],
        title=row["title"],
        journal=row["journal"],
        year=row["year"],
        is_review=row["is_review"],
        evidence=row["evidence"],
        diagnosis=row["diagnosis"],
        confidence=row["confidence"],
        taxon_start=row["taxon_start"],
        taxon_end=row["taxon_end"],
        trigger_start=row["trigger_start"],
        trigger_end=row["trigger_end"],
    )


def _claims_of_articles(session: Session, pmids: list[str]) -> list[Claim]:
    return [
        claim
        for start in range(0, len(pmids), CHUNK)
        for claim in _claims(session, Article.pmid.in_(pmids[start : start + CHUNK]))
    ]


def _late_additions(
    session: Session, pmids: list[str], claims: list[Claim], names: dict[str, str]
) -> list[LateAddition]:
    """The late additions of `pmids`, in that order, each with its findings."""
    findings: dict[str, dict[tuple[str, str, str, str], LateFinding]] = defaultdict(dict)
    for c in claims:
        key = (c["taxon"].lower(), c["group"], c["direction"], c["subject"])
        findings[c["pmid"]][key] = LateFinding(
            c["taxon"], c["direction"], names.get(c["group"], c["group"]), c["subject"]
        )
    rows = {row.pmid: row for row in session.scalars(select(Article).where(Article.pmid.in_(pmids)))} if pmids else {}
    return [
        LateAddition(
            Paper(pmid, row.title, row.journal or "", row.year, row.is_review),
            row.entrez_date,
            row.first_seen_at,
            [found for _, found in sorted(findings[pmid].items())],
        )
        for pmid, row in ((pmid, rows[pmid]) for pmid in pmids)
    ]


def _excerpt(claim: Claim, limit: int = 240) -> str:
    """The evidence sentence, or the part of it around the taxon and the trigger when it is long."""
    sentence = claim["evidence"]
    if len(sentence) <= limit:
        return sentence
    marks = [
        m
        for m in (claim["taxon_start"], claim["taxon_end"], claim["trigger_start"], claim["trigger_end"])
        if m is not None
    ]
    low, high = (min(marks), max(marks)) if marks else (0, 0)
    start = max(0, min(low - (limit - (high - low)) // 2, len(sentence) - limit))
    end = min(len(sentence), start + limit)
    piece = sentence[start:end]
    if start > 0:
        piece = "…" + piece.split(" ", 1)[-1]
    if end < len(sentence):
        piece = piece.rsplit(" ", 1)[0] + "…"
    return piece


def _sections(claims: list[Claim], names: dict[str, str], base: str) -> list[Section]:
    found: dict[tuple[str, int, str, str], list[Claim]] = defaultdict(list)
    for claim in claims:
        found[(claim["group"], claim["taxon_id"], claim["direction"], claim["subject"])].append(claim)
    by_group: dict[str, list[Finding]] = defaultdict(list)
    for (group, _, direction, subject), rows in found.items():
        papers = {
            row["pmid"]: Paper(row["pmid"], row["title"], row["journal"] or "", row["year"], row["is_review"])
            for row in rows
        }
        verdicts = {row["verdict"] for row in rows}
        review = (
            "corrected"
            if "wrong direction" in verdicts
            else "confirmed"
            if verdicts == {"correct"}
            else "extraction only"
        )
        first = rows[0]
        link = f"{base}/search/claims?" + urlencode(
            {"taxon": first["taxid"] or first["taxon"], "disorder": group, "subject": subject}
        )
        best = max(rows, key=lambda row: (row["verdict"] == "correct", row["confidence"]))
        diagnoses = sorted({row["diagnosis"] for row in rows})
        by_group[group].append(
            Finding(
                first["taxon"],
                first["taxid"],
                direction,
                subject,
                sorted(papers.values(), key=lambda p: p.pmid),
                review,
                link,
                diagnoses,
                _excerpt(best),
            )
        )
    sections = []
    for group, findings in by_group.items():
        findings.sort(key=lambda f: (f.review == "extraction only", -len(f.papers), f.taxon.lower(), f.direction))
        link = f"{base}/search?" + urlencode({"disorder": group})
        sections.append(
            Section(group, names.get(group, group), findings[:PER_DISORDER], max(0, len(findings) - PER_DISORDER), link)
        )
    sections.sort(key=lambda s: (-sum(len(f.papers) for f in s.findings) - s.more, s.name))
    return sections


def _moves(session: Session, calendar: Calendar, claims: list[Claim], names: dict[str, str], base: str) -> list[Move]:
    """Pairs touched this week whose consensus label is not what it was before the week (primary
    studies voting, as everywhere)."""
    week = calendar.week
    keys = {(c["taxon_id"], c["group"], c["subject"]) for c in claims}
    if not keys:
        return []
    votes: dict[tuple[int, str, str], dict[str, dict[str, set[str]]]] = defaultdict(
        lambda: {"before": defaultdict(set), "after": defaultdict(set)}
    )
    query = joined_claims(
        select(
            Relation.taxon_id,
            Disorder.group,
            Relation.subject,
            effective_direction.label("direction"),
            Relation.pmid,
            ADDED,
        ),
        include_rejected=False,
        include_retracted=False,
    ).where(
        Relation.taxon_id.in_({k[0] for k in keys}),
        Disorder.group.in_({k[1] for k in keys}),
        week.end > ADDED,
        calendar.stored(),
        Article.is_review.is_(
            False
        ),  # the consensus of /pairs (evidence=primary): primary studies vote, reviews do not
    )
    for taxon_id, group, subject, direction, pmid, added in session.execute(query):
        key = (taxon_id, group, subject)
        if key not in keys:
            continue
        votes[key]["after"][direction].add(pmid)
        if added < week.start:
            votes[key]["before"][direction].add(pmid)
    taxa = dict(session.execute(select(Taxon.id, Taxon.name).where(Taxon.id.in_({k[0] for k in keys}))).all())
    moves = []
    for key, sides in votes.items():
        before, after = (_reading(sides[when]) for when in ("before", "after"))
        if before["papers"] and before["consensus"] != after["consensus"]:
            link = f"{base}/search/claims?" + urlencode({"taxon": taxa[key[0]], "disorder": key[1], "subject": key[2]})
            moves.append(Move(taxa[key[0]], names.get(key[1], key[1]), key[2], before, after, link))
    moves.sort(key=lambda m: (-m.after["papers"], m.taxon))
    return moves[:15]


def _reading(side: dict[str, set[str]]) -> Reading:
    increased, decreased, unchanged = (len(side.get(d, ())) for d in ("increased", "decreased", "unchanged"))
    papers = len(set[str]().union(*side.values())) if side else 0
    label = consensus(increased, decreased, unchanged)
    return Reading(
        score=label["score"],
        consensus=label["consensus"],
        increased=increased,
        decreased=decreased,
        unchanged=unchanged,
        papers=papers,
    )


def _conflicts(
    session: Session, calendar: Calendar, claims: list[Claim], listed: set[str], names: dict[str, str], base: str
) -> tuple[list[ConflictNote], list[ConflictNote]]:
    """New conflicts (completed by a paper this digest lists) and changed ones (status set this week)."""
    week = calendar.week
    keys = {(c["taxon_id"], c["group"], c["subject"]) for c in claims}
    rows = session.execute(
        select(Conflict, Taxon.name)
        .join(Taxon, Conflict.taxon_id == Taxon.id)
        .where(during(Conflict.status_at, week) | (Conflict.contradicted & Conflict.taxon_id.in_({k[0] for k in keys})))
        .order_by((Conflict.papers_increased + Conflict.papers_decreased).desc(), Taxon.name)
    ).all()
    touched = [c for c, _ in rows if c.contradicted and (c.taxon_id, c.disorder_group, c.subject) in keys]
    arrival = calendar.arrivals(session, {v["pmid"] for c in touched for v in c.increased + c.decreased})
    opened = {c.id for c in touched if _opener(c, arrival) in listed}
    new, changed = [], []
    for conflict, taxon in rows:
        note = ConflictNote(
            conflict.id,
            taxon,
            names.get(conflict.disorder_group, conflict.disorder_group),
            conflict.subject,
            conflict.status,
            [v["pmid"] for v in conflict.increased],
            [v["pmid"] for v in conflict.decreased],
            [v["pmid"] for v in conflict.unchanged],
            f"{conflict.status} ({conflict.status_by}"
            f"{': ' + conflict.status_reason if conflict.status_reason else ''})",
            f"{base}/conflicts/{conflict.id}",
        )
        if conflict.id in opened:
            new.append(note)
        elif conflict.status_at in week and conflict.first_seen_at not in week:
            changed.append(note)
    return new, changed


def _opener(conflict: Conflict, arrival: dict[str, datetime]) -> str | None:
    """The PMID whose arrival made the conflict's two sides contradict (None: the papers stored by
    now do not)."""
    evidence = Evidence()
    votes: list[tuple[datetime, str, str]] = sorted(
        (arrival[v["pmid"]], v["pmid"], side)
        for side in ("increased", "decreased")
        for v in getattr(conflict, side)
        if v["pmid"] in arrival
    )
    for _, pmid, side in votes:
        evidence.sides[side].add(pmid, 0.0, False)
        if evidence.contradicted:
            return pmid
    return None


def _chart(session: Session, calendar: Calendar, names: dict[str, str]) -> tuple[list[str], dict[str, list[int]]]:
    """New findings per week (by PubMed's calendar) for the last CHART_WEEKS weeks, by disorder
    (the five largest, then "other"): the claims the digest's findings count (trusted, not
    rejected, not retracted), so the week's bar and its "new findings" agree."""
    week = calendar.week
    weeks = [week.previous(CHART_WEEKS - 1 - i) for i in range(CHART_WEEKS)]
    index = {str(w): i for i, w in enumerate(weeks)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * CHART_WEEKS)
    query = joined_claims(select(Disorder.group, ADDED), include_rejected=False, include_retracted=False).where(
        weeks[0].start <= ADDED,
        week.end > ADDED,
        calendar.stored(),
        trusted(session),  # the claims the findings count
    )
    for group, added in session.execute(query):
        counts[group][index[str(Week.containing(added))]] += 1
    largest = sorted(counts, key=lambda g: -sum(counts[g]))
    series = {names.get(g, g): counts[g] for g in largest[:5]}
    if len(largest) > 5:
        series["other"] = [sum(counts[g][i] for g in largest[5:]) for i in range(CHART_WEEKS)]
    return [str(w) for w in weeks], series
