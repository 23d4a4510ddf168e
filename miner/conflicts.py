"""Conflicting findings: a (taxon, disorder group, subject) that at least two distinct PMIDs
report in opposite directions (increased vs decreased). `unchanged` reports are listed beside a
conflict as non-replications, never as a side of it; human and animal findings never conflict
with each other; retracted articles do not count.

This first version derives conflicts on read from the stored relations.
Imports: SQLAlchemy, `miner.store.models`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from miner.store.models import Article, Disorder, Relation, Taxon


@dataclass
class Conflict:
    taxon: str
    taxid: int | None
    rank: str
    group: str
    subject: str
    increased: list[str] = field(default_factory=list)
    decreased: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    meshes: list[str] = field(default_factory=list)

    @property
    def papers(self) -> int:
        return len(set(self.increased) | set(self.decreased))

    def to_json(self) -> dict:
        return {
            "taxon": self.taxon,
            "taxid": self.taxid,
            "rank": self.rank,
            "disorder": self.group,
            "mesh": self.meshes,
            "subject": self.subject,
            "increased": self.increased,
            "decreased": self.decreased,
            "unchanged": self.unchanged,
        }


def find_conflicts(session: Session, group: str | None = None) -> list[Conflict]:
    """Every conflict, most evidence first (papers on the smaller side, then in all)."""
    query = (
        select(Taxon.id, Taxon.name, Taxon.taxid, Taxon.rank, Disorder.group, Relation.mesh, Relation.subject, Relation.direction, Relation.pmid)
        .join(Taxon, Relation.taxon_id == Taxon.id)
        .join(Disorder, Relation.mesh == Disorder.mesh)
        .join(Article, Relation.pmid == Article.pmid)
        .where(Article.is_retracted.is_(False))
    )
    if group:
        query = query.where(Disorder.group == group)
    pairs: dict[tuple, dict] = defaultdict(lambda: {"sides": defaultdict(set), "meshes": set()})
    for taxon_id, name, taxid, rank, disorder_group, mesh, subject, direction, pmid in session.execute(query):
        entry = pairs[(taxon_id, disorder_group, subject)]
        entry["taxon"] = (name, taxid, rank)
        entry["sides"][direction].add(pmid)
        entry["meshes"].add(mesh)
    conflicts = []
    for (_, disorder_group, subject), entry in pairs.items():
        up, down = entry["sides"]["increased"], entry["sides"]["decreased"]
        if not up or not down or len(up | down) < 2:
            continue
        name, taxid, rank = entry["taxon"]
        conflicts.append(
            Conflict(name, taxid, rank, disorder_group, subject, sorted(up), sorted(down), sorted(entry["sides"]["unchanged"]), sorted(entry["meshes"]))
        )
    conflicts.sort(key=lambda c: (-min(len(c.increased), len(c.decreased)), -c.papers, c.taxon, c.group))
    return conflicts
