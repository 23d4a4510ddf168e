"""One thing at a time: a taxon (lineage, names, findings by disorder), the disorders, one
disorder (its terms and the taxa most reported up and down), one article with its claims, and
name suggestions for the search box.
Imports: SQLAlchemy, `miner.errors`, `miner.resources`, `miner.store`, `miner.taxon_tree`,
`miner.query.*`.
"""
from __future__ import annotations

import json
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.query.estimates import counts
from miner.query.filters import RelationFilter
from miner.query.pairs import pairs
from miner.query.relations import relation_page
from miner.resources import resolve
from miner.store.claims import not_rejected
from miner.store.models import Article, Conflict, Disorder, Relation, Taxon
from miner.taxon_tree import taxon_tree

DISORDER_LEXICON = "pipelines/disorders.jsonl"


def taxon_detail(session: Session, taxid: int, *, descendants: bool = False) -> dict:
    """A taxon by NCBI taxid: name, rank, lineage, names, what is reported of it by disorder
    (with its descendants' findings too when asked) and which descendants have claims."""
    stored = session.scalars(select(Taxon).where(Taxon.taxid == taxid)).first()
    tree = taxon_tree()
    node = tree.node(taxid)
    if stored is None and node is None:
        raise NotFound(f"no taxon with NCBI taxid {taxid}")
    lineage = [{"taxid": n.taxid, "name": n.name, "rank": n.rank} for n in tree.lineage(taxid)]
    name = stored.name if stored else node.name
    written = session.execute(
        select(Relation.taxon_text, func.count()).where(Relation.taxon_id == stored.id).group_by(Relation.taxon_text).order_by(func.count().desc()).limit(20)
    ).all() if stored else []
    below = session.execute(select(Taxon.id, Taxon.name, Taxon.taxid, Taxon.rank).where(Taxon.lineage.like(f"%/{taxid}/%"), Taxon.taxid != taxid)).all()
    claims = dict(
        session.execute(
            select(Relation.taxon_id, func.count()).where(Relation.taxon_id.in_([row.id for row in below]), not_rejected()).group_by(Relation.taxon_id)
        ).all()
    ) if below else {}
    found_below = sorted(
        ({"taxon": row.name, "taxid": row.taxid, "rank": row.rank, "claims": claims[row.id]} for row in below if claims.get(row.id)),
        key=lambda item: (-item["claims"], item["taxon"]),
    )
    return {
        "taxid": taxid,
        "name": name,
        "rank": (stored.rank if stored else "") or (node.rank if node else ""),
        "lineage": lineage,
        "names": sorted(set(tree.names_of(taxid)) - {name}),
        "written_as": [{"text": text, "claims": n} for text, n in written],
        "findings": pairs(session, RelationFilter(taxon=str(taxid), descendants=descendants), limit=None),
        "findings_include_descendants": descendants,
        "descendants_with_findings": found_below[:100],
    }


def disorders(session: Session) -> list[dict]:
    """Every disorder descriptor with its group and how many claims name it (through verdicts)."""
    counts = dict(session.execute(select(Relation.mesh, func.count()).where(not_rejected()).group_by(Relation.mesh)).all())
    rows = session.execute(select(Disorder.mesh, Disorder.name, Disorder.group).order_by(Disorder.group, Disorder.name)).all()
    return [{"mesh": mesh, "name": name, "group": group, "claims": counts.get(mesh, 0)} for mesh, name, group in rows]


def disorder_detail(session: Session, mesh: str, top: int = 15) -> dict:
    row = session.get(Disorder, mesh.upper())
    if row is None:
        raise NotFound(f"no disorder with MeSH descriptor {mesh}")
    found = pairs(session, RelationFilter(disorder=row.mesh), limit=None)
    voted = [p for p in found if p["papers"] >= 2]
    return {
        "mesh": row.mesh,
        "name": row.name,
        "group": row.group,
        "terms": _lexicon().get(row.mesh, [])[:25],
        "pairs": len(found),
        "most_increased": sorted(voted, key=lambda p: (-p["score"], -p["papers"], p["taxon"]))[:top],
        "most_decreased": sorted(voted, key=lambda p: (p["score"], -p["papers"], p["taxon"]))[:top],
        "most_studied": found[:top],
        "conflicts": session.scalar(
            select(func.count()).select_from(Conflict).where(Conflict.disorder_group == row.group, Conflict.status.in_(("open", "confirmed")))
        ),
    }


def article_detail(session: Session, pmid: str) -> dict:
    if not pmid.isdigit():
        raise InvalidValue(f"a PMID is digits, not {pmid!r}")
    article = session.get(Article, pmid)
    if article is None:
        raise NotFound(f"no article with PMID {pmid} is stored")
    claims = relation_page(session, RelationFilter(pmid=pmid, verdict="any"), sort="id", limit=500).items
    return {
        "pmid": article.pmid, "title": article.title, "journal": article.journal, "year": article.year, "doi": article.doi,
        "publication_types": article.publication_types, "secondary": article.is_review, "retracted": article.is_retracted,
        "authors": article.authors, "mesh": [m["ui"] for m in article.mesh], "abstract": article.abstract,
        "pipeline_version": article.pipeline_version, "claims": claims,
    }


def most_reported(session: Session, top: int = 12) -> dict:
    """The taxa and disorder groups with the most claims, from the kept counts
    (`miner.query.estimates`, at most ten minutes old): where a search can start."""
    known = counts(session)
    taxa_ids = sorted(known.by_taxon, key=lambda i: -known.by_taxon[i])[:top]
    names = {i: (n, t) for i, n, t in session.execute(select(Taxon.id, Taxon.name, Taxon.taxid).where(Taxon.id.in_(taxa_ids)))} if taxa_ids else {}
    groups: dict[str, int] = {}
    for mesh, group in session.execute(select(Disorder.mesh, Disorder.group)):
        groups[group] = groups.get(group, 0) + known.by_mesh.get(mesh, 0)
    return {
        "taxa": [{"name": names[i][0], "taxid": names[i][1], "claims": known.by_taxon[i]} for i in taxa_ids if i in names],
        "disorders": [{"group": g, "claims": n} for g, n in sorted(groups.items(), key=lambda item: -item[1]) if n][:top],
    }


def suggest(session: Session, text: str, limit: int = 10) -> dict:
    """Stored taxa and disorders whose names start with (then contain) `text`."""
    text = " ".join(text.split())
    if len(text) < 2:
        return {"taxa": [], "disorders": []}
    pattern = text.lower().replace("\\", "").replace("%", "").replace("_", "")
    name = func.lower(Taxon.name)
    taxa = session.execute(
        select(Taxon.name, Taxon.taxid, Taxon.rank)
        .where(name.like(f"%{pattern}%"))
        .order_by(name.like(f"{pattern}%").desc(), func.length(Taxon.name), Taxon.name)
        .limit(limit)
    ).all()
    disorders_found = session.execute(
        select(Disorder.name, Disorder.mesh, Disorder.group)
        .where(func.lower(Disorder.name).like(f"%{pattern}%") | func.lower(Disorder.group).like(f"%{pattern}%"))
        .order_by(Disorder.group, Disorder.name)
        .limit(limit)
    ).all()
    return {
        "taxa": [{"name": n, "taxid": t, "rank": r} for n, t, r in taxa],
        "disorders": [{"name": n, "mesh": m, "group": g} for n, m, g in disorders_found],
    }


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {}
    with open(resolve(DISORDER_LEXICON), encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                terms[row["mesh"]] = list(row.get("terms", []))
    return terms
