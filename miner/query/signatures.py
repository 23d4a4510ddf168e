"""BugSigDB-style signatures: per article, disorder and subject, the taxa reported increased and
the taxa reported decreased, each as one row with NCBI taxids and MetaPhlAn-style lineage names,
ready for bugsigdbr-like tools (one signature = one set of taxa with one direction).
Imports: `miner.store`, `miner.taxon_tree`, `miner.query.*`.
"""
from __future__ import annotations

from itertools import groupby
from typing import Iterator

from sqlalchemy.orm import Session

from miner.query.filters import RelationFilter
from miner.query.relations import relation_select
from miner.store.models import Relation
from miner.taxon_tree import taxon_tree

SIGNATURE_COLUMNS = (
    "signature", "pmid", "doi", "journal", "year", "condition", "mesh", "disorder_group", "host", "abundance_in_group_1",
    "taxa", "ncbi_taxids", "ncbi_lineages", "metaphlan_names", "claims",
)
HOSTS = {"human": "Homo sapiens", "animal": "animal model"}


def signature_rows(session: Session, f: RelationFilter | None = None) -> Iterator[dict]:
    """One row per (PMID, MeSH descriptor, subject, direction), increased and decreased only."""
    tree = taxon_tree()
    query = (
        relation_select(session, f or RelationFilter())
        .order_by(Relation.pmid, Relation.mesh, Relation.subject, Relation.id)
        .execution_options(stream_results=True, yield_per=2000)
    )
    rows = (dict(row) for row in session.execute(query).mappings() if row["direction"] in ("increased", "decreased"))
    for (pmid, mesh, subject), claims in groupby(rows, key=lambda r: (r["pmid"], r["mesh"], r["subject"])):
        claims = sorted(claims, key=lambda r: (r["direction"], r["taxon"]))
        for direction, members in groupby(claims, key=lambda r: r["direction"]):
            members = _unique_taxa(list(members))
            first = members[0]
            yield {
                "signature": f"{pmid}/{mesh}/{subject}/{'UP' if direction == 'increased' else 'DOWN'}",
                "pmid": pmid, "doi": first["doi"], "journal": first["journal"], "year": first["year"],
                "condition": first["disorder"], "mesh": mesh, "disorder_group": first["disorder_group"], "host": HOSTS.get(subject, subject),
                "abundance_in_group_1": direction,
                "taxa": [m["taxon"] for m in members],
                "ncbi_taxids": [m["taxid"] for m in members if m["taxid"] is not None],
                "ncbi_lineages": ["|".join(str(n.taxid) for n in tree.lineage(m["taxid"])) for m in members if m["taxid"] is not None],
                "metaphlan_names": [tree.metaphlan(m["taxid"]) for m in members if m["taxid"] is not None],
                "claims": [m["id"] for m in members],
            }


def _unique_taxa(members: list[dict]) -> list[dict]:
    seen: set = set()
    unique = []
    for member in members:
        key = member["taxid"] or member["taxon"]
        if key not in seen:
            seen.add(key)
            unique.append(member)
    return unique
