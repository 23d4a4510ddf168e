"""The consensus of the literature per taxon–disorder pair: how many papers report the taxon
increased, decreased or unchanged in the disorder group, from when to when, whether the pair is
in conflict, and one score.

The consensus score is (papers increased − papers decreased) / (papers increased + decreased +
unchanged): +1 when every paper reports an increase, −1 when every one reports a decrease, near
0 when they disagree or find no change. Each paper (PMID) votes once per direction; directions
are read through the curators' verdicts and rejected claims do not vote. The label is
"increased" or "decreased" when the score is at least 0.5 away from 0 with two or more papers,
"unchanged" when most papers found no change, "single paper" with one paper, else "mixed".
Pairs are (taxon, disorder group, subject): human and animal findings are kept apart.
Imports: SQLAlchemy, `miner.errors`, `miner.store`, `miner.query.filters`.
"""
from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue
from miner.query.filters import RelationFilter, resolve
from miner.store.claims import effective_direction, verdict_on_relation
from miner.store.models import Conflict, Disorder, Relation, Taxon, Verdict

MAX_PAIRS = 500
CONSENSUS_TEXT = (
    "Consensus score = (papers increased − papers decreased) / (papers increased + decreased + unchanged), "
    "from +1 (every paper reports an increase) to −1 (every paper reports a decrease). Each PMID votes once per "
    "direction, read through curators' verdicts; rejected claims do not vote. The label is increased or decreased "
    "when |score| ≥ 0.5 with two or more papers, unchanged when most papers found no change, single paper with one, "
    "else mixed; no direction when every claim is an association. Pairs are (taxon, disorder group, subject): human and animal findings are kept apart."
)
PAIR_SORTS = ("papers", "score", "-score", "taxon")
PAIR_COLUMNS = (
    "taxon", "taxid", "rank", "disorder_group", "subject", "increased", "decreased", "unchanged", "papers", "claims",
    "score", "consensus", "conflict", "first_year", "latest_year",
)


def _papers(direction: str):
    return func.count(func.distinct(case((effective_direction == direction, Relation.pmid))))


def pairs(session: Session, f: RelationFilter, *, sort: str = "papers", limit: int | None = 100, offset: int = 0) -> list[dict]:
    """The pairs the filter matches with their consensus; `limit=None` (exports) gives them all.
    Counted over the relation table alone (the disorder group comes from the descriptor by a
    CASE, the verdict by an outer join on its unique key); names are looked up for the page."""
    if sort not in PAIR_SORTS:
        raise InvalidValue(f"no sort {sort!r}; use one of {', '.join(PAIR_SORTS)}")
    if (limit is not None and not 1 <= limit <= MAX_PAIRS) or offset < 0:
        raise InvalidValue(f"limit is between 1 and {MAX_PAIRS} and offset at least 0")
    descriptors = {mesh: (name, group) for mesh, name, group in session.execute(select(Disorder.mesh, Disorder.name, Disorder.group))}
    group = case({mesh: group for mesh, (_, group) in descriptors.items()}, value=Relation.mesh, else_=Relation.mesh) if descriptors else Relation.mesh
    up, down, same = _papers("increased"), _papers("decreased"), _papers("unchanged")
    papers = func.count(func.distinct(Relation.pmid))
    query = (
        select(
            Relation.taxon_id, group.label("disorder_group"), Relation.subject, up.label("increased"), down.label("decreased"),
            same.label("unchanged"), papers.label("papers"), func.count().label("claims"),
            func.min(func.nullif(Relation.year, 0)).label("first_year"), func.max(func.nullif(Relation.year, 0)).label("latest_year"),
        )
        .select_from(Relation)
        .outerjoin(Verdict, verdict_on_relation)
        .where(*resolve(session, f).conditions(verdict_joined=True))
        .group_by(Relation.taxon_id, group, Relation.subject)
    )
    score = (up - down) * 1.0 / func.nullif(up + down + same, 0)
    if sort == "taxon":
        name = select(Taxon.name).where(Taxon.id == Relation.taxon_id).scalar_subquery()
        order = (func.min(name), group, Relation.subject)
    else:
        order = {
            "papers": (papers.desc(), Relation.taxon_id, group, Relation.subject),
            "score": (score.desc().nulls_last(), papers.desc(), Relation.taxon_id, group),
            "-score": (score.asc().nulls_last(), papers.desc(), Relation.taxon_id, group),
        }[sort]
    rows = [dict(row) for row in session.execute(query.order_by(*order).limit(limit).offset(offset)).mappings()]
    taxa = _taxa(session, {row["taxon_id"] for row in rows})
    names = {}
    for mesh, (name, group_name) in sorted(descriptors.items()):
        names.setdefault(group_name, name)
    statuses = _conflict_statuses(session, rows)
    for row in rows:
        row["taxon"], row["taxid"], row["rank"] = taxa[row["taxon_id"]]
        row["disorder"] = names.get(row["disorder_group"], row["disorder_group"])
        row.update(consensus(row["increased"], row["decreased"], row["unchanged"]))
        row["conflict"], row["conflict_id"] = statuses.get((row["taxon_id"], row["disorder_group"], row["subject"]), (None, None))
    return rows


def _taxa(session: Session, ids: set[int]) -> dict[int, tuple]:
    if not ids:
        return {}
    return {i: (name, taxid, rank) for i, name, taxid, rank in session.execute(select(Taxon.id, Taxon.name, Taxon.taxid, Taxon.rank).where(Taxon.id.in_(ids)))}


def consensus(increased: int, decreased: int, unchanged: int) -> dict:
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


def _conflict_statuses(session: Session, rows: list[dict]) -> dict[tuple, tuple[str, int]]:
    keys = {(row["taxon_id"], row["disorder_group"], row["subject"]) for row in rows}
    if not keys:
        return {}
    query = select(Conflict.taxon_id, Conflict.disorder_group, Conflict.subject, Conflict.status, Conflict.id).where(
        Conflict.taxon_id.in_({key[0] for key in keys})
    )
    return {(t, g, s): (status, conflict_id) for t, g, s, status, conflict_id in session.execute(query) if (t, g, s) in keys}
