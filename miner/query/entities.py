"""One thing at a time: a taxon (lineage, names, findings by disorder), the disorders, one
disorder (its terms and the taxa most reported up and down), one article with its claims, and
name suggestions for the search box.
Imports: SQLAlchemy, `miner.errors`, `miner.reference`, `miner.store`, `miner.query.*`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.query.estimates import counts
from miner.query.filters import RelationFilter
from miner.query.kept import kept
from miner.query.names import disorder_meshes, folded, known_disorders
from miner.query.pairs import PairOptions, pairs
from miner.query.relations import relation_page
from miner.query.study import empty_study, study_of
from miner.reference import reference_of
from miner.store.claims import not_rejected
from miner.store.models import Article, Conflict, Disorder, Relation, Taxon


def taxon_detail(
    session: Session, taxid: int, *, descendants: bool = False, evidence: str = "primary"
) -> dict[str, Any]:
    """A taxon by NCBI taxid: name, rank, lineage, names, what is reported of it by disorder
    (with its descendants' findings too when asked) and which descendants have claims. Kept per
    state of the data (a phylum's descendants' claims are hundreds of thousands to count)."""
    return kept(
        session, ("taxon", taxid, descendants, evidence), lambda: _taxon_detail(session, taxid, descendants, evidence)
    )


def _taxon_detail(session: Session, taxid: int, descendants: bool, evidence: str) -> dict[str, Any]:
    stored = session.scalars(select(Taxon).where(Taxon.taxid == taxid)).first()
    tree = reference_of(session).taxon_tree
    node = tree.node(taxid)
    if stored is None and node is None:
        raise NotFound(f"no taxon with NCBI taxid {taxid}")
    lineage = [{"taxid": n.taxid, "name": n.name, "rank": n.rank} for n in tree.lineage(taxid)]
    name = stored.name if stored else node.name if node else str(taxid)
    written = (
        session.execute(
            select(Relation.taxon_text, func.count())
            .where(Relation.taxon_id == stored.id)
            .group_by(Relation.taxon_text)
            .order_by(func.count().desc())
            .limit(20)
        ).all()
        if stored
        else []
    )
    below = session.execute(
        select(Taxon.id, Taxon.name, Taxon.taxid, Taxon.rank).where(
            Taxon.lineage.like(f"%/{taxid}/%"), Taxon.taxid != taxid
        )
    ).all()
    claims = (
        dict(
            session.execute(
                select(Relation.taxon_id, func.count())
                .where(Relation.taxon_id.in_([row.id for row in below]), not_rejected())
                .group_by(Relation.taxon_id)
            ).all()
        )
        if below
        else {}
    )
    found_below = sorted(
        (
            {"taxon": row.name, "taxid": row.taxid, "rank": row.rank, "claims": claims[row.id]}
            for row in below
            if claims.get(row.id)
        ),
        key=lambda item: (-item["claims"], item["taxon"]),
    )
    return {
        "taxid": taxid,
        "name": name,
        "rank": (stored.rank if stored else "") or (node.rank if node else ""),
        "lineage": lineage,
        "names": sorted(set(tree.names_of(taxid)) - {name}),
        "written_as": [{"text": text, "claims": n} for text, n in written],
        "findings": pairs(
            session,
            RelationFilter(taxon=str(taxid), descendants=descendants),
            limit=None,
            options=PairOptions(evidence),
        ),
        "findings_include_descendants": descendants,
        "descendants_with_findings": found_below[:100],
    }


def disorders(session: Session) -> list[dict[str, Any]]:
    """Every disorder descriptor with its group and how many claims name it (through verdicts)."""
    counts = dict(
        session.execute(select(Relation.mesh, func.count()).where(not_rejected()).group_by(Relation.mesh)).all()
    )
    rows = session.execute(
        select(Disorder.mesh, Disorder.name, Disorder.group).order_by(Disorder.group, Disorder.name)
    ).all()
    return [{"mesh": mesh, "name": name, "group": group, "claims": counts.get(mesh, 0)} for mesh, name, group in rows]


def disorder_detail(session: Session, mesh: str, top: int = 15, evidence: str = "primary") -> dict[str, Any]:
    """A descriptor by MeSH id or by any name that means that one descriptor; one of the lexicon
    that no claim names yet gets an empty answer, not an unknown name."""
    row = session.get(Disorder, mesh.upper())
    if row is not None:
        descriptor, name, group = row.mesh, row.name, row.group
    else:
        meshes = disorder_meshes(session, mesh)
        if len(meshes) != 1:
            raise InvalidValue(f"{mesh!r} names {len(meshes)} descriptors ({', '.join(meshes)}); use one of them")
        descriptor, name, group = next(known for known in known_disorders(session) if known[0] == meshes[0])
    entry = reference_of(session).disorder_lexicon.get(descriptor)
    found = pairs(session, RelationFilter(disorder=descriptor), limit=None, options=PairOptions(evidence))
    voted = [p for p in found if p["papers"] >= 2]
    return {
        "mesh": descriptor,
        "name": name,
        "group": group,
        "terms": list(entry.terms[1:26]) if entry else [],
        "abbreviations": list(entry.abbreviations) if entry else [],
        "pairs": len(found),
        "most_increased": sorted(voted, key=lambda p: (-p["score"], -p["papers"], p["taxon"]))[:top],
        "most_decreased": sorted(voted, key=lambda p: (p["score"], -p["papers"], p["taxon"]))[:top],
        "most_studied": found[:top],
        "conflicts": session.scalar(
            select(func.count())
            .select_from(Conflict)
            .where(Conflict.disorder_group == group, Conflict.status.in_(("open", "confirmed")))
        ),
    }


def article_detail(session: Session, pmid: str) -> dict[str, Any]:
    if not pmid.isdigit():
        raise InvalidValue(f"a PMID is digits, not {pmid!r}")
    article = session.get(Article, pmid)
    if article is None:
        raise NotFound(f"no article with PMID {pmid} is stored")
    claims = relation_page(session, RelationFilter(pmid=pmid, verdict="any"), sort="id", limit=500).items
    return {
        "pmid": article.pmid,
        "title": article.title,
        "journal": article.journal,
        "year": article.year,
        "doi": article.doi,
        "publication_types": article.publication_types,
        "secondary": article.is_review,
        "retracted": article.is_retracted,
        "authors": article.authors,
        "mesh": [m["ui"] for m in article.mesh],
        "abstract": article.abstract,
        "pipeline_version": article.pipeline_version,
        "study": study_of(session, [pmid]).get(pmid) or empty_study(),
        "claims": claims,
    }


def most_reported(session: Session, top: int = 12) -> dict[str, Any]:
    """The taxa and disorder groups with the most claims, from the kept counts
    (`miner.query.estimates`, at most ten minutes old): where a search can start."""
    known = counts(session)
    taxa_ids = sorted(known.by_taxon, key=lambda i: -known.by_taxon[i])[:top]
    names = (
        {
            i: (n, t)
            for i, n, t in session.execute(select(Taxon.id, Taxon.name, Taxon.taxid).where(Taxon.id.in_(taxa_ids)))
        }
        if taxa_ids
        else {}
    )
    groups: dict[str, int] = {}
    for mesh, group in session.execute(select(Disorder.mesh, Disorder.group)):
        groups[group] = groups.get(group, 0) + known.by_mesh.get(mesh, 0)
    return {
        "taxa": [
            {"name": names[i][0], "taxid": names[i][1], "claims": known.by_taxon[i]} for i in taxa_ids if i in names
        ],
        "disorders": [{"group": g, "claims": n} for g, n in sorted(groups.items(), key=lambda item: -item[1]) if n][
            :top
        ],
    }


def suggest(session: Session, text: str, limit: int = 10) -> dict[str, Any]:
    """Taxa and disorders for a search box: stored taxa whose names contain `text` (those
    starting with it first), then taxa any gazetteer name of which (synonym, former name)
    starts with it — `matched` says which name matched; disorders whose name, group, lexicon term
    or abbreviation contains it."""
    text = " ".join(text.split())
    if len(text) < 2:
        return {"taxa": [], "disorders": []}
    pattern = text.lower().replace("\\", "").replace("%", "").replace("_", "")
    name = func.lower(Taxon.name)
    stored = session.execute(
        select(Taxon.name, Taxon.taxid, Taxon.rank)
        .where(name.like(f"%{pattern}%"))
        .order_by(name.like(f"{pattern}%").desc(), func.length(Taxon.name), Taxon.name)
        .limit(limit)
    ).all()
    taxa: list[dict[str, Any]] = [{"name": n, "taxid": t, "rank": r, "matched": n} for n, t, r in stored]
    if len(taxa) < limit:
        taxa += _taxa_by_other_names(session, text, {t["taxid"] for t in taxa}, limit - len(taxa))
    return {"taxa": taxa, "disorders": _disorders_named(session, text, limit)}


def _taxa_by_other_names(session: Session, text: str, seen: set[int | None], limit: int) -> list[dict[str, Any]]:
    """Taxa a gazetteer name starting with `text` points at, stored ones (with findings) first."""
    tree = reference_of(session).taxon_tree
    matches: dict[int, str] = {}
    for written, taxids in sorted(tree.names_starting(text), key=lambda item: len(item[0])):
        for taxid in taxids:
            if taxid not in seen:
                matches.setdefault(taxid, written)
    if not matches:
        return []
    stored = {
        taxid: (n, r)
        for taxid, n, r in session.execute(
            select(Taxon.taxid, Taxon.name, Taxon.rank).where(Taxon.taxid.in_(list(matches)[:2000]))
        )
    }
    ordered = sorted(matches, key=lambda taxid: (taxid not in stored, len(matches[taxid])))[:limit]
    found = []
    for taxid in ordered:
        node = tree.node(taxid)
        known_name, rank = stored.get(taxid, (node.name if node else matches[taxid], node.rank if node else ""))
        found.append({"name": known_name, "taxid": taxid, "rank": rank, "matched": matches[taxid]})
    return found


def _disorders_named(session: Session, text: str, limit: int) -> list[dict[str, Any]]:
    wanted = folded(text)
    lexicon = reference_of(session).disorder_lexicon
    found = []
    for mesh, name, group in session.execute(
        select(Disorder.mesh, Disorder.name, Disorder.group).order_by(Disorder.group, Disorder.name)
    ):
        entry = lexicon.get(mesh)
        written = [name, group, *(entry.terms if entry else ()), *(entry.abbreviations if entry else ())]
        matched = next((w for w in written if wanted in folded(w)), None)
        if matched is not None:
            found.append({"name": name, "mesh": mesh, "group": group, "matched": matched})
    return sorted(found, key=lambda d: (not folded(d["matched"]).startswith(wanted), d["group"], d["name"]))[:limit]
