"""Extraction on hand-checked sentences, through the real pipeline (miner/pipelines/miner.cfg)."""

from __future__ import annotations

import pytest

from miner.extract import article_text
from miner.extract.phrases import PhraseIndex, normalize
from miner.records import Article, Section

pytestmark = pytest.mark.slow


def extract(extractor, abstract: str, title: str = "Gut microbiota study.", italics=()):
    article = Article(pmid="1", title=title, sections=(Section(abstract, italics=tuple(italics)),))
    [(_, relations)] = list(extractor.extract([article]))
    return relations


def triples(relations):
    return {(r.taxon, r.mesh, r.direction) for r in relations}


def test_list_before_trigger_takes_its_direction(extractor):
    relations = extract(
        extractor,
        "We studied Parkinson's disease (PD). The genera Blautia (P=0.018), Faecalibacterium (P=0.048) and "
        "Ruminococcus (P=0.019) were significantly decreased in PD compared to healthy controls.",
    )
    assert triples(relations) == {(t, "D010300", "decreased") for t in ("Blautia", "Faecalibacterium", "Ruminococcus")}
    assert {r.taxid for r in relations} == {572511, 216851, 1263}


def test_comparison_read_the_right_way_round(extractor):
    relations = extract(extractor, "Lactobacillus was lower in healthy controls than in patients with schizophrenia.")
    assert triples(relations) == {("Lactobacillus", "D012559", "increased")}
    relations = extract(
        extractor, "Bacteroides was enriched in healthy controls compared with patients with schizophrenia."
    )
    assert triples(relations) == {("Bacteroides", "D012559", "decreased")}


def test_coordination_with_two_triggers(extractor):
    relations = extract(
        extractor,
        "Patients with depression showed increased Alistipes and Oscillibacter but decreased Coprococcus and "
        "Dialister.",
    )
    assert triples(relations) == {
        ("Alistipes", "D003863", "increased"),
        ("Oscillibacter", "D003863", "increased"),
        ("Coprococcus", "D003863", "decreased"),
        ("Dialister", "D003863", "decreased"),
    }


def test_abbreviation_defined_in_text_resolves_the_disorder(extractor):
    relations = extract(
        extractor,
        "We recruited 40 patients with major depressive disorder (MDD). In MDD, Eggerthella was more abundant than "
        "in controls.",
    )
    assert triples(relations) == {("Eggerthella", "D003865", "increased")}


def test_abbreviated_species_after_first_mention(extractor):
    relations = extract(
        extractor,
        "Faecalibacterium prausnitzii is a butyrate producer. F. prausnitzii was reduced in patients with depression.",
    )
    assert triples(relations) == {("Faecalibacterium prausnitzii", "D003863", "decreased")}
    assert relations[0].taxid == 853 and relations[0].rank == "species"


def test_negated_finding_is_unchanged(extractor):
    relations = extract(extractor, "Prevotella was not reduced in children with autism spectrum disorder.")
    assert triples(relations) == {("Prevotella", "D000067877", "unchanged")}


@pytest.mark.parametrize(
    "sentence",
    [
        "We investigated whether Lactobacillus is reduced in depression.",
        "Probiotic treatment increased Bifidobacterium in patients with depression.",
        "Prevotella was associated with depression.",
        "Faecalibacterium was decreased in patients.",  # no disorder anywhere
    ],
)
def test_not_findings(extractor, sentence):
    assert extract(extractor, sentence) == []


def test_correlation_with_severity_keeps_its_sign(extractor):
    relations = extract(
        extractor, "In patients with depression, Faecalibacterium was negatively correlated with HAMD scores."
    )
    assert triples(relations) == {("Faecalibacterium", "D003863", "decreased")}


def test_reference_database_labels_keep_their_spelling(extractor):
    relations = extract(
        extractor,
        "Ruminococcaceae UCG-002 and Escherichia-Shigella were more abundant in patients with bipolar disorder.",
    )
    assert triples(relations) == {
        ("Ruminococcaceae UCG-002", "D001714", "increased"),
        ("Escherichia-Shigella", "D001714", "increased"),
    }
    assert all(r.taxid is None for r in relations)


def test_animal_model_named_disorder_and_subject(extractor):
    relations = extract(extractor, "Depressive-like behavior in CUMS mice was accompanied by decreased Lactobacillus.")
    assert triples(relations) == {("Lactobacillus", "D003863", "decreased")}
    assert relations[0].subject == "animal"


def test_old_and_new_phylum_names_share_a_taxid(extractor):
    old = extract(extractor, "Firmicutes were decreased in patients with Parkinson's disease.")
    new = extract(extractor, "Bacillota were decreased in patients with Parkinson's disease.")
    assert [r.taxid for r in old] == [r.taxid for r in new] == [1239]


def test_offsets_point_into_the_evidence_sentence(extractor):
    relations = extract(
        extractor,
        "Background text here. Compared with controls, patients with major depressive disorder had lower Coprococcus.",
    )
    [relation] = relations
    assert relation.evidence.startswith("Compared with controls")
    assert relation.evidence[relation.taxon_start : relation.taxon_end] == "Coprococcus"
    assert relation.evidence[relation.disorder_start : relation.disorder_end] == "major depressive disorder"
    assert relation.trigger == "lower"
    full = article_text(
        Article(
            pmid="1",
            title="Gut microbiota study.",
            sections=(
                Section(
                    "Background text here. Compared with controls, patients with major depressive disorder had lower "
                    "Coprococcus."
                ),
            ),
        )
    )
    assert full.text[relation.sentence_start : relation.sentence_start + len(relation.evidence)] == relation.evidence


def test_record_format_is_the_guidelines(extractor):
    [relation] = extract(extractor, "Coprococcus was depleted in patients with depression.")
    assert set(relation.record()) == {
        "taxon",
        "taxid",
        "rank",
        "disorder",
        "mesh",
        "direction",
        "subject",
        "evidence",
        "confidence",
    }
    assert 0 < relation.record()["confidence"] <= 1


def test_title_is_its_own_sentence(extractor):
    relations = extract(extractor, "Blautia was increased.", title="Gut bacteria in schizophrenia")
    # the title names the disorder; the finding's sentence is not the title
    assert triples(relations) == {("Blautia", "D012559", "increased")}
    assert relations[0].evidence == "Blautia was increased."


def test_normalize_and_phrase_index(nlp):
    assert normalize("[Eubacterium]  rectale") == "eubacterium rectale"
    assert normalize("Escherichia–Shigella") == "escherichia shigella"
    assert normalize("Parkinson’s disease") == "parkinson's disease"
    index = PhraseIndex()
    index.add("major depressive disorder", "MDD")
    index.add("major depression", "MD")
    doc = nlp.make_doc("Major depressive-disorder and major depression.")
    assert [(doc[s:e].text, v) for s, e, v in index.find(doc)] == [
        ("Major depressive-disorder", ["MDD"]),
        ("major depression", ["MD"]),
    ]
