"""The consensus of the literature per taxon–disorder pair: how many papers report the taxon
increased, decreased or unchanged in the disorder group, from when to when, whether the pair is
in conflict, and one score. One meaning everywhere (API, CLI, pages, digest, exports):

- A pair is (taxon, disorder group, subject): human and animal findings are kept apart.
- Its consensus counts every claim of the pair that curators did not reject, read through their
  verdicts. A filter chooses which pairs are listed, never which claims vote: with
  `direction=decreased` or `year_from=2020` a pair is listed when one of its claims matches, and
  its consensus is still that of all its papers.
- `evidence="primary"` (the default) counts primary studies only; reviews and meta-analyses
  (`Article.is_review`) are shown apart (`reviews`). `evidence="all"` counts them too.
- Each paper (PMID) votes once per direction. Score = (papers increased − papers decreased) /
  (papers increased + decreased + unchanged), from +1 (every paper reports an increase) to −1.
  The label is "increased" or "decreased" when |score| ≥ 0.5 with two or more papers, "unchanged"
  when most papers found no change, "single paper" with one paper, else "mixed".
- `min_papers` keeps pairs with at least that many counted papers; `roll_up` (a rank) pools each
  taxon's findings into its ancestor at that rank, a paper counting once per ancestor.

How: the claims of every pair the filter's pair-level conditions allow are read in one query
(one row a claim; verdict by its unique key, review flag from the reviews' PMIDs) and counted in
Python; that table is kept per state of the data (`miner.query.kept`), so the next request on
the same taxa or groups is served from memory. Claim-level conditions then choose pairs by a
DISTINCT query of their keys, and sorting and paging are done on the table.
Imports: SQLAlchemy, `miner.errors`, `miner.reference`, `miner.store`, `miner.query.filters`,
`miner.query.kept`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, get_args

from sqlalchemy import ColumnElement, Row, select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue
from miner.query.filters import RelationFilter, Resolved, resolve
from miner.query.kept import kept
from miner.reference import reference_of
from miner.store.claims import REJECTING, effective_direction, verdict_on_relation
from miner.store.models import Article, Conflict, Disorder, Relation, Taxon, Verdict

MAX_PAIRS = 500
CONSENSUS_TEXT = (
    "Consensus score = (papers increased − papers decreased) / (papers increased + decreased + unchanged), "
    "from +1 (every paper reports an increase) to −1 (every paper reports a decrease). "
    "It counts every claim of the pair that curators did not reject, read through their verdicts; "
    "filters choose which pairs are listed, never which claims vote. "
    "evidence=primary (default) counts primary studies only, with reviews and meta-analyses shown apart (reviews); "
    "evidence=all counts them too. Each PMID votes once per direction. "
    "The label is increased or decreased when |score| ≥ 0.5 with two or more papers, "
    "unchanged when most papers found no change, single paper with one, else mixed; "
    "no direction when every claim is an association. "
    "Pairs are (taxon, disorder group, subject): human and animal findings are kept apart."
)
PairSortName = Literal["papers", "-consensus", "consensus", "taxon"]
PAIR_SORTS: dict[PairSortName, str] = {
    "papers": "most papers first",
    "-consensus": "most increased first (score +1 → −1)",
    "consensus": "most decreased first (score −1 → +1)",
    "taxon": "taxon name A → Z",
}
EvidenceName = Literal["primary", "all"]
EVIDENCE: tuple[EvidenceName, ...] = get_args(EvidenceName)
RollUpRank = Literal["phylum", "class", "order", "family", "genus", "species"]
ROLL_UP_RANKS: tuple[RollUpRank, ...] = get_args(RollUpRank)
DIRECTED = ("increased", "decreased", "unchanged")
Descriptors = dict[str, tuple[str, str]]  # MeSH descriptor → (name, disorder group)
PairKey = tuple[int, str, str]  # (taxon row id or ancestor taxid, disorder group, subject)
PAIR_COLUMNS = (
    "taxon",
    "taxid",
    "rank",
    "disorder_group",
    "subject",
    "increased",
    "decreased",
    "unchanged",
    "papers",
    "claims",
    "score",
    "consensus",
    "conflict",
    "first_year",
    "latest_year",
    "evidence",
    "reviews_increased",
    "reviews_decreased",
    "reviews_unchanged",
    "reviews_papers",
    "pooled_taxa",
)


class Consensus(TypedDict):
    """A pair's score and label (`consensus`)."""

    score: float | None
    consensus: str


@dataclass
class _Pool:
    """One pair's claims while counting (`_pooled`): PMIDs per direction, voting and reviews."""

    votes: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    reviews: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    claims: int = 0
    years: list[int] = field(default_factory=list)
    taxa: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class PairOptions:
    """How pairs are counted and which are kept, besides the claim filter."""

    evidence: str = "primary"
    min_papers: int = 1
    roll_up: str | None = None

    def check(self) -> None:
        if self.evidence not in EVIDENCE:
            raise InvalidValue(f"no evidence {self.evidence!r}; use one of {', '.join(EVIDENCE)}")
        if not 1 <= self.min_papers <= 1_000_000:
            raise InvalidValue(f"min_papers is between 1 and 1000000, not {self.min_papers}")
        if self.roll_up is not None and self.roll_up not in ROLL_UP_RANKS:
            raise InvalidValue(f"no roll_up rank {self.roll_up!r}; use one of {', '.join(ROLL_UP_RANKS)}")


def secondary() -> ColumnElement[bool]:
    """The claim comes from a review or meta-analysis (the list of reviews' PMIDs is read once a
    query from `ix_article_review_pmid`)."""
    return Relation.pmid.in_(select(Article.pmid).where(Article.is_review.is_(True)))


def _kept() -> ColumnElement[bool]:
    return Verdict.verdict.is_(None) | Verdict.verdict.not_in(REJECTING)


def pairs(
    session: Session,
    f: RelationFilter,
    *,
    sort: str = "papers",
    limit: int | None = 100,
    offset: int = 0,
    options: PairOptions = PairOptions(),
) -> list[dict[str, Any]]:
    """The pairs the filter chooses with their consensus; `limit=None` (exports) gives them all."""
    if sort not in PAIR_SORTS:
        raise InvalidValue(f"no sort {sort!r}; use one of {', '.join(PAIR_SORTS)}")
    if (limit is not None and not 1 <= limit <= MAX_PAIRS) or offset < 0:
        raise InvalidValue(f"limit is between 1 and {MAX_PAIRS} and offset at least 0")
    options.check()
    descriptors = {
        mesh: (name, group)
        for mesh, name, group in session.execute(select(Disorder.mesh, Disorder.name, Disorder.group))
    }
    resolved = resolve(session, f)
    group_meshes = _group_meshes(descriptors, resolved.meshes)
    table = _table(session, f, resolved, group_meshes, descriptors, options)
    chooser = _chooser(resolved, group_meshes)
    if chooser is not None:
        chosen = _chosen(session, resolved, group_meshes, chooser, descriptors, options)
        table = [row for row in table if row["key"] in chosen]
    table = [row for row in table if row["papers"] >= options.min_papers]
    rows = [dict(row) for row in _ordered(table, sort)[offset : None if limit is None else offset + limit]]
    for row in rows:
        del row["key"]
    return _finished(session, rows, descriptors, options)


def _table(
    session: Session,
    f: RelationFilter,
    resolved: Resolved,
    group_meshes: list[str] | None,
    descriptors: Descriptors,
    options: PairOptions,
) -> list[dict[str, Any]]:
    """Every pair the filter's pair-level conditions allow (taxa, descriptors' groups, rank,
    subject, conflict), counted over all their claims, with names; kept per state of the data
    (`miner.query.kept`) except under `conflict_only`, which curators' statuses change."""

    def compute() -> list[dict[str, Any]]:
        claims = _claims(session, resolved, group_meshes)
        if options.roll_up:
            ancestors = _ancestors(session, {claim[0] for claim in claims}, options.roll_up)
            rows = _pooled(claims, ancestors.get, descriptors, options.evidence)
            tree = reference_of(session).taxon_tree
            for row in rows:
                node = tree.node(row["taxid"])
                row["taxon"], row["rank"], row["taxon_id"] = (
                    node.name if node else str(row["taxid"]),
                    options.roll_up,
                    None,
                )
            return rows
        rows = _pooled(claims, lambda taxon_id: taxon_id, descriptors, options.evidence)
        taxa = _taxa(session, {row["taxid"] for row in rows})
        for row in rows:
            row["taxon_id"] = row["taxid"]
            row["taxon"], row["taxid"], row["rank"] = taxa[row["taxon_id"]]
        return rows

    if f.conflict_only:
        return compute()
    taxa = tuple(resolved.taxon_ids) if resolved.taxon_ids is not None else None
    return kept(
        session,
        (
            "pairs",
            taxa,
            tuple(group_meshes) if group_meshes is not None else None,
            f.rank,
            f.subject,
            options.evidence,
            options.roll_up,
        ),
        compute,
    )


def _chosen(
    session: Session,
    resolved: Resolved,
    group_meshes: list[str] | None,
    chooser: ColumnElement[bool],
    descriptors: Descriptors,
    options: PairOptions,
) -> set[PairKey]:
    """The keys (taxon or ancestor, group, subject) of the pairs with a claim that passes `chooser`."""
    found = session.execute(
        select(Relation.taxon_id, Relation.mesh, Relation.subject)
        .select_from(Relation)
        .outerjoin(Verdict, verdict_on_relation)
        .where(*resolved.pair_conditions(meshes=group_meshes), chooser)
        .distinct()
    ).all()
    ancestors = _ancestors(session, {row[0] for row in found}, options.roll_up) if options.roll_up else None
    keys: set[PairKey] = set()
    for taxon_id, mesh, subject in found:
        key = ancestors.get(taxon_id) if ancestors is not None else taxon_id
        if key is not None:
            keys.add((key, descriptors[mesh][1] if mesh in descriptors else mesh, subject))
    return keys


def _group_meshes(descriptors: Descriptors, meshes: list[str] | None) -> list[str] | None:
    """Every descriptor of the groups the filter's descriptors belong to."""
    if meshes is None:
        return None
    groups = {descriptors[mesh][1] for mesh in meshes if mesh in descriptors}
    return sorted(mesh for mesh, (_, group) in descriptors.items() if group in groups)


def _claims(session: Session, resolved: Resolved, group_meshes: list[str] | None) -> Sequence[Row[*tuple[Any, ...]]]:
    """(taxon_id, mesh, subject, pmid, direction through the verdict, year, kept, secondary) of
    every claim of the pairs the filter can choose: all descriptors of its groups, and
    only the pair-level conditions (a pair counts all its claims). One row a claim from the
    relation table, its verdict by an outer join on the verdict's unique key, the review flag
    from one list of the reviews' PMIDs (`ix_article_review_pmid`); counted in Python."""
    query = (
        select(
            Relation.taxon_id,
            Relation.mesh,
            Relation.subject,
            Relation.pmid,
            effective_direction,
            Relation.year,
            _kept(),
            secondary(),
        )
        .select_from(Relation)
        .outerjoin(Verdict, verdict_on_relation)
        .where(*resolved.pair_conditions(meshes=group_meshes))
    )
    # Core rows, no ORM processing: a pair can have thousands of claims
    return session.connection().execute(query).all()


def _chooser(resolved: Resolved, group_meshes: list[str] | None) -> ColumnElement[bool] | None:
    """The test a pair needs one claim to pass to be listed: the filter's claim-level conditions,
    and its descriptors when narrower than the pair's group (disorder=MDD lists depression pairs
    with an MDD claim)."""
    narrower = resolved.meshes is not None and set(resolved.meshes) != set(group_meshes or ())
    return resolved.claim_test([Relation.mesh.in_(resolved.meshes)] if narrower and resolved.meshes else [])


def _pooled(
    claims: Sequence[Row[*tuple[Any, ...]]],
    key_of: Callable[[int], int | None],
    descriptors: Descriptors,
    evidence: str,
) -> list[dict[str, Any]]:
    """The counted pairs: (key_of(taxon_id), disorder group, subject) → papers per direction
    (each PMID once per direction, so a paper naming two genera of a family counts once for the
    family), reviews apart unless `evidence` is "all"; a pair with no paper that votes is left
    out. `key` is the pair's (key, group, subject); `taxid` is the key until names are added."""
    pooled: dict[PairKey, _Pool] = {}
    vote_all = evidence == "all"
    for taxon_id, mesh, subject, pmid, direction, year, kept_claim, review in claims:
        key = key_of(taxon_id)
        if key is None or not kept_claim:
            continue
        pair = (key, descriptors[mesh][1] if mesh in descriptors else mesh, subject)
        entry = pooled.get(pair)
        if entry is None:
            entry = pooled[pair] = _Pool()
        entry.taxa.add(taxon_id)
        if review:
            entry.reviews[direction].add(pmid)
        if vote_all or not review:
            entry.votes[direction].add(pmid)
            entry.claims += 1
            if year:
                entry.years.append(year)
    found: list[dict[str, Any]] = []
    for pair, entry in pooled.items():
        papers = set[str]().union(*entry.votes.values())
        if not papers:
            continue
        reviews = entry.reviews
        found.append(
            {
                "key": pair,
                "taxid": pair[0],
                "disorder_group": pair[1],
                "subject": pair[2],
                "papers": len(papers),
                "claims": entry.claims,
                **{direction: len(entry.votes[direction]) for direction in DIRECTED},
                "first_year": min(entry.years, default=None),
                "latest_year": max(entry.years, default=None),
                **{f"reviews_{direction}": len(reviews[direction]) for direction in DIRECTED},
                "reviews_papers": len(set[str]().union(*reviews.values())) if reviews else 0,
                "pooled_taxa": len(entry.taxa),
            }
        )
    return found


def _ancestors(session: Session, taxon_ids: set[int], rank: str) -> dict[int, int]:
    """Stored taxon row id → the taxid of its ancestor (or itself) at `rank`; taxa above the rank
    have none."""
    if not taxon_ids:
        return {}
    tree = reference_of(session).taxon_tree
    found: dict[int, int] = {}
    for taxon_id, taxid in session.execute(select(Taxon.id, Taxon.taxid).where(Taxon.id.in_(taxon_ids))):
        for node in tree.lineage(taxid) if taxid is not None else ():
            if node.rank == rank:
                found[taxon_id] = node.taxid
                break
    return found


def _ordered(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """`PAIR_SORTS` in Python, for pooled rows (the same keys as the SQL orders)."""

    def score(row: dict[str, Any]) -> float:
        return consensus(row["increased"], row["decreased"], row["unchanged"])["score"] or 0.0

    def unscored(row: dict[str, Any]) -> bool:
        return consensus(row["increased"], row["decreased"], row["unchanged"])["score"] is None

    keys: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
        "papers": lambda r: (-r["papers"], r["taxon"], r["disorder_group"], r["subject"]),
        "-consensus": lambda r: (unscored(r), -score(r), -r["papers"], r["taxon"], r["disorder_group"], r["subject"]),
        "consensus": lambda r: (unscored(r), score(r), -r["papers"], r["taxon"], r["disorder_group"], r["subject"]),
        "taxon": lambda r: (r["taxon"], r["disorder_group"], r["subject"]),
    }
    return sorted(rows, key=keys[sort])


def _finished(
    session: Session, rows: list[dict[str, Any]], descriptors: Descriptors, options: PairOptions
) -> list[dict[str, Any]]:
    """Names, consensus labels and conflict statuses on the counted rows."""
    names: dict[str, str] = {}
    for _mesh, (name, group_name) in sorted(descriptors.items()):
        names.setdefault(group_name, name)
    statuses = _conflict_statuses(session, rows)
    for row in rows:
        row["disorder"] = names.get(row["disorder_group"], row["disorder_group"])
        row["evidence"] = options.evidence
        row.update(consensus(row["increased"], row["decreased"], row["unchanged"]))
        row["conflict"], row["conflict_id"] = statuses.get(
            (row["taxon_id"], row["disorder_group"], row["subject"]), (None, None)
        )
    return rows


def _taxa(session: Session, ids: set[int]) -> dict[int, tuple[str, int | None, str]]:
    if not ids:
        return {}
    return {
        i: (name, taxid, rank)
        for i, name, taxid, rank in session.execute(
            select(Taxon.id, Taxon.name, Taxon.taxid, Taxon.rank).where(Taxon.id.in_(ids))
        )
    }


def consensus(increased: int, decreased: int, unchanged: int) -> Consensus:
    """The score and label of the module docstring."""
    voted = increased + decreased + unchanged
    if voted == 0:  # only "associated" claims: no direction to weigh
        return {"score": None, "consensus": "no direction"}
    score = round((increased - decreased) / voted, 3)
    if voted == 1:
        label = "single paper"
    elif unchanged * 2 > voted:
        label = "unchanged"
    elif score >= 0.5:
        label = "increased"
    elif score <= -0.5:
        label = "decreased"
    else:
        label = "mixed"
    return {"score": score, "consensus": label}


def _conflict_statuses(session: Session, rows: list[dict[str, Any]]) -> dict[PairKey, tuple[str, int]]:
    keys = {(row["taxon_id"], row["disorder_group"], row["subject"]) for row in rows if row["taxon_id"] is not None}
    if not keys:
        return {}
    query = select(Conflict.taxon_id, Conflict.disorder_group, Conflict.subject, Conflict.status, Conflict.id).where(
        Conflict.taxon_id.in_({key[0] for key in keys})
    )
    return {
        (t, g, s): (status, conflict_id) for t, g, s, status, conflict_id in session.execute(query) if (t, g, s) in keys
    }
