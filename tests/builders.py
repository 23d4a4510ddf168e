"""Builders of parsed records for tests: an article and a relation with every field filled, any of
which a test may override, and the one-sentence finding of a cohort that the digest seeds use."""

from __future__ import annotations

from datetime import UTC, datetime

from miner import records


def make_article(pmid="100", title="Gut microbiota in depression", text="Faecalibacterium was lower in MDD.", **extra):
    values = {
        "pmid": pmid,
        "title": title,
        "sections": (records.Section(text, "RESULTS", "RESULTS"),),
        "journal": "J Test",
        "year": 2021,
        "entrez_date": datetime(2021, 3, 4, 5, 6, tzinfo=UTC),
        "doi": "10.1000/xyz",
        "language": "eng",
        "authors": ("Ada Lovelace",),
        "mesh": (records.MeshHeading("D003865", "Depressive Disorder, Major", True, ("microbiology",)),),
        "publication_types": ("Journal Article",),
    }
    values.update(extra)
    return records.Article(**values)


def make_relation(
    pmid="100", taxon="Faecalibacterium", taxid=216851, direction="decreased", mesh="D003865", confidence=0.9, **extra
):
    values = {
        "pmid": pmid,
        "taxon": taxon,
        "taxid": taxid,
        "rank": "genus" if taxid else "",
        "disorder": "major depressive disorder",
        "mesh": mesh,
        "direction": direction,
        "subject": "human",
        "evidence": "Faecalibacterium was lower in MDD.",
        "confidence": confidence,
        "taxon_text": taxon,
        "taxon_start": 0,
        "taxon_end": len(taxon),
        "disorder_text": "MDD",
        "disorder_start": 29,
        "disorder_end": 32,
        "trigger": "lower",
        "trigger_start": 20,
        "trigger_end": 25,
        "sentence_start": 30,
        "section": "RESULTS",
        "pipeline_version": "test",
        "taxon_lineage": (2, 1239, 216851) if taxid else (),
        "parent_taxid": 541000 if taxid else None,
        "disorder_group": "depression",
    }
    values.update(extra)
    return records.Relation(**values)


def cohort_finding(
    pmid: str, taxon: str, taxid: int, direction: str, trigger: str, mesh: str, disorder: str, group: str
) -> tuple[str, records.Relation]:
    """ "In cohort {pmid}, {taxon} was {trigger} in {disorder} patients." and the relation it states,
    its offsets into the sentence filled (a genus under Bacteria)."""
    sentence = f"In cohort {pmid}, {taxon} was {trigger} in {disorder} patients."
    at, where, said = sentence.index(taxon), sentence.index(disorder), sentence.index(f" {trigger} ") + 1
    return sentence, make_relation(
        pmid=pmid,
        taxon=taxon,
        taxid=taxid,
        direction=direction,
        mesh=mesh,
        disorder=disorder,
        evidence=sentence,
        confidence=0.8,
        taxon_text=taxon,
        taxon_start=at,
        taxon_end=at + len(taxon),
        disorder_text=disorder,
        disorder_start=where,
        disorder_end=where + len(disorder),
        trigger=trigger,
        trigger_start=said,
        trigger_end=said + len(trigger),
        taxon_lineage=(2, taxid),
        parent_taxid=2,
        disorder_group=group,
    )


def store_papers(session, papers) -> None:
    """Save (article, relations) pairs as the writer does, then derive the conflicts."""
    from miner import conflicts
    from miner.store.writer import save_article

    for article, relations in papers:
        save_article(session, article, relations, pipeline_version="test")
    session.flush()
    conflicts.refresh(session)
