"""Study facts: the extractor on invented sentences, field by field (what it reads and what it must
leave alone), and their storage: ingest writes them, re-ingest replaces them, a deletion removes
them, and migration 0008 fills them for articles stored before it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from alembic import command
from conftest import FIXTURES
from sqlalchemy import func, select, text

from miner import records, reviews
from miner.parse import read_records
from miner.store import Database
from miner.store.database import alembic_config, head_revision, make_engine
from miner.store.models import Article, StudyFact
from miner.study_facts import BODY_SITES, DESIGNS, METHODS, StudyFacts, facts_of, number_value, study_facts


def facts(abstract: str, title: str = "", types: tuple[str, ...] = ()) -> StudyFacts:
    return study_facts(title, abstract, types)


# --- vocabularies and records --------------------------------------------------------------------


def test_vocabularies_are_the_guidelines_in_their_order():
    assert DESIGNS == (
        "case-control",
        "cohort",
        "cross-sectional",
        "RCT",
        "animal model",
        "in vitro",
        "Mendelian randomization",
        "review",
        "meta-analysis",
    )
    assert BODY_SITES == (
        "stool",
        "oral",
        "nasal",
        "skin",
        "vaginal",
        "intestinal mucosa",
        "intestinal content",
        "blood",
        "urine",
        "cerebrospinal fluid",
        "brain",
    )
    assert METHODS == ("16S rRNA", "shotgun metagenomics", "qPCR", "culture")


def test_to_json_has_lists_and_numbers_and_rows_have_the_store_kinds():
    found = facts(
        "We recruited 45 patients with schizophrenia and 40 healthy controls in Shanghai. Fecal samples were sequenced "
        "(16S rRNA gene, V3-V4)."
    )
    assert found.to_json() == {
        "design": ["case-control"],
        "host": ["human"],
        "sample_size": 85,
        "cases": 45,
        "controls": 40,
        "body_sites": ["stool"],
        "methods": ["16S rRNA"],
        "countries": ["China"],
    }
    assert found.rows() == [
        ("design", "case-control"),
        ("host", "human"),
        ("body_site", "stool"),
        ("method", "16S rRNA"),
        ("country", "China"),
    ]
    json.dumps(found.to_json())


def test_facts_of_an_article_read_its_sections_and_publication_types():
    article = records.Article(
        pmid="1",
        title="Probiotics in depression",
        sections=(
            records.Section("Background text.", "BACKGROUND"),
            records.Section("A total of 80 adults took part."),
        ),
        publication_types=("Randomized Controlled Trial",),
    )
    assert facts_of(article) == StudyFacts(design=("RCT",), host=("human",), sample_size=80)


def test_guidelines_worked_example():
    found = facts(
        "We recruited 45 drug-naive patients with first-episode schizophrenia and 40 healthy controls in Shanghai. "
        "Fecal "
        "microbiota was profiled by 16S rRNA gene sequencing and the abundance of Bifidobacterium confirmed by qPCR. "
        "Transplanting patients' microbiota into germ-free mice induced anxiety-like behaviour."
    )
    assert found == StudyFacts(
        design=("case-control", "animal model"),
        host=("human", "mouse"),
        sample_size=85,
        cases=45,
        controls=40,
        body_sites=("stool",),
        methods=("16S rRNA", "qPCR"),
        countries=("China",),
    )


# --- designs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "types, design",
    [
        (("Journal Article", "Meta-Analysis"), ("review", "meta-analysis")),
        (("Systematic Review",), ("review",)),
        (("Review",), ("review",)),
        (("Randomized Controlled Trial",), ("RCT",)),
    ],
)
def test_publication_types_give_the_design(types, design):
    assert facts("Probiotics were given to adults with depression.", types=types).design == design


@pytest.mark.parametrize(
    "title, abstract",
    [
        (
            "Gut microbiota in autism: a systematic review and meta-analysis",
            "Twelve studies (1,203 participants) were included.",
        ),
        ("The gut-brain axis", "In this review, we summarise how the microbiota signals to the brain."),
        ("", "We searched PubMed and Embase; 24 studies were included and pooled with a random-effects model."),
        ("", "We performed a review of patients' records at two hospitals; 120 patients with epilepsy were included."),
        ("Faecalibacterium in depression", "Faecalibacterium was lower in 40 patients than in 40 healthy controls."),
    ],
)
def test_review_design_agrees_with_reviews_is_review(title, abstract):
    article = records.Article(pmid="1", title=title, sections=(records.Section(abstract),))
    assert ("review" in facts_of(article).design) == reviews.is_review(article) == facts_of(article).is_review


def test_records_review_is_not_a_review_and_systematic_review_with_meta_analysis_gets_both():
    assert (
        facts(
            "We performed a review of patients' records at two hospitals; 120 patients with epilepsy were included."
        ).design
        == ()
    )
    meta = facts(
        "Twelve studies (1,203 participants) were included.",
        "Gut microbiota in autism: a systematic review and meta-analysis",
    )
    assert meta == StudyFacts(design=("review", "meta-analysis"), host=("human",))  # no numbers for a review


def test_a_review_that_does_not_pool_and_one_that_only_names_prisma_are_not_meta_analyses():
    assert facts(
        "We searched three databases. A meta-analysis was not possible because the studies differed.",
        "Probiotics and anxiety: a systematic review",
    ).design == ("review",)
    assert facts(
        "We followed the Preferred Reporting Items for Systematic Reviews and Meta-Analyses.",
        "Diet and mood: a systematic review",
    ).design == ("review",)


def test_the_review_gets_none_of_the_designs_it_reviews_and_hosts_only_as_named():
    found = facts(
        "In this review, we summarise randomized controlled trials and case-control studies, and studies in mice and "
        "rodent models. Stool samples were analysed by 16S rRNA sequencing in most."
    )
    assert found.design == ("review",)
    assert found.host == ("human", "mouse")  # "rodent models" names no species


@pytest.mark.parametrize(
    "abstract, design",
    [
        (
            "In this randomized, double-blind, placebo-controlled trial, 60 adults received a probiotic or placebo.",
            ("RCT",),
        ),
        ("Participants were randomly assigned to a probiotic or a placebo for eight weeks.", ("RCT",)),
        ("Mice were randomly assigned to three groups and fed a high-fat diet.", ("animal model",)),
        ("Randomized controlled trials are needed to confirm that probiotics help patients with depression.", ()),
        (
            "In this cross-sectional study, 300 community-dwelling adults completed questionnaires and gave stool "
            "samples.",
            ("cross-sectional",),
        ),
        ("We followed 120 infants for two years and collected fecal samples at three time points.", ("cohort",)),
        ("In this prospective cohort study, 900 women were followed during pregnancy.", ("cohort",)),
        (
            "Twenty patients with PD received an open-label synbiotic; stool was sampled before and after the "
            "intervention.",
            ("cohort",),
        ),
        (
            "This case-control study compared patients with bipolar disorder and age- and sex-matched controls.",
            ("case-control",),
        ),
        (
            "We performed a two-sample Mendelian randomization study using GWAS summary statistics (18,340 "
            "individuals).",
            ("Mendelian randomization",),
        ),
        ("Butyrate protected SH-SY5Y cells in vitro against rotenone toxicity.", ("in vitro",)),
        ("We treated rat PC12 cells with rotenone.", ("in vitro",)),
        ("C57BL/6 mice were exposed to chronic unpredictable mild stress for four weeks.", ("animal model",)),
        ("Previous studies have shown that mice lacking a microbiota are anxious. We surveyed 200 students.", ()),
    ],
)
def test_designs(abstract, design):
    assert facts(abstract).design == design


def test_healthy_volunteers_alone_are_not_a_case_control_study():
    assert "case-control" not in facts("Twenty-two healthy volunteers received a probiotic for four weeks.").design
    assert facts("Twenty-two healthy volunteers and 20 patients with IBS gave stool samples.").design == (
        "case-control",
    )


def test_mendelian_randomization_has_people_but_no_numbers_nor_gwas_designs():
    found = facts(
        "Two-sample Mendelian randomization was performed with the FinnGen consortium (5,000 cases and 300,000 "
        "controls) "
        "and a cohort study of the microbiome."
    )
    assert (found.design, found.host, found.sample_size, found.cases, found.controls) == (
        ("Mendelian randomization",),
        ("human",),
        None,
        None,
        None,
    )


def test_a_protocol_or_a_discussion_has_no_facts():
    assert (
        facts(
            "Participants will be randomized to probiotic or placebo; stool will be sequenced.",
            "Probiotics in depression: study protocol for a randomised controlled trial",
        )
        == StudyFacts()
    )
    discussion = facts(
        "Here we discuss how fecal microbiota may shape mood in mice and men.", "A perspective on the gut-brain axis"
    )
    assert discussion == StudyFacts()


# --- hosts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "abstract, host",
    [
        ("Sprague-Dawley rats received antibiotics for two weeks.", ("rat",)),
        ("Zebrafish larvae were exposed to the probiotic for 7 days.", ("zebrafish",)),
        ("Fecal samples from 30 patients with depression were transplanted into germ-free mice.", ("mouse",)),
        (
            (
                "We recruited 30 patients with depression and sequenced their stool. It was then transplanted into "
                "germ-free mice, which "
                "developed anhedonia."
            ),
            ("human", "mouse"),
        ),
        ("Drosophila flies and C. elegans worms were fed Lactobacillus.", ("fruit fly", "nematode")),
        ("Butyrate protected SH-SY5Y cells in vitro.", ()),
        ("Guinea pigs were sensitised and their colons examined.", ("guinea pig",)),
    ],
)
def test_hosts(abstract, host):
    assert facts(abstract).host == host


# --- numbers ---------------------------------------------------------------------------------------


def test_number_words():
    assert [
        number_value(t)
        for t in ("120", "1,203", "forty-two", "Forty two", "one hundred and twenty", "two thousand", "many")
    ] == [120, 1203, 42, 42, 120, 2000, None]


@pytest.mark.parametrize(
    "abstract, numbers",
    [
        ("We enrolled 40 patients with MDD and 30 healthy controls (HCs).", (70, 40, 30)),
        ("Forty-two patients with Parkinson's disease and thirty-eight healthy controls were recruited.", (80, 42, 38)),
        ("A total of 1,203 participants were included in the analysis.", (1203, None, None)),
        ("Stool was sequenced in adults with obesity (n = 120).", (120, 120, None)),
        (
            "The study included 393 subjects (148 healthy controls, 140 with PD, and 105 with essential tremor).",
            (393, 245, 148),
        ),
        (
            "We compared patients with PD (n = 58), patients with MSA (n = 60) and control subjects (n = 90).",
            (208, 118, 90),
        ),
        (
            "Plasma was measured in 587 individuals (healthy controls, n = 319; Parkinson's disease, n = 268).",
            (587, 268, 319),
        ),
        ("Thirty male C57BL/6 mice were used.", (30, None, None)),
        ("Mice were divided into three groups (n = 12 mice per group).", (36, None, None)),
        ("Mice (n = 12 mice per group) received saline or LPS.", (None, None, None)),
        ("Depression affects more than 300 million people worldwide. We studied stool in rats.", (None, None, None)),
        ("One hundred and ninety samples were collected from 32 patients with MDD.", (32, 32, None)),
        ("Of these, 20 patients had constipation. Levels of IL-6 in COVID-19 patients were high.", (None, None, None)),
    ],
)
def test_numbers_of_participants(abstract, numbers):
    found = facts(abstract)
    assert (found.sample_size, found.cases, found.controls) == numbers


def test_a_trial_gets_its_total_only_and_a_review_no_numbers():
    trial = facts(
        "In this randomized placebo-controlled trial, 156 healthy adults were assigned to the probiotic (n = 78) or "
        "placebo (n = 78)."
    )
    assert (trial.sample_size, trial.cases, trial.controls) == (156, None, None)
    review = facts("In this review we summarise studies of 40 patients with MDD and 30 healthy controls.")
    assert (review.sample_size, review.cases, review.controls) == (None, None, None)


# --- body sites, methods, countries -----------------------------------------------------------------


@pytest.mark.parametrize(
    "abstract, sites",
    [
        ("Fecal samples were collected from all participants.", ("stool",)),
        ("Faeces were collected on day 7.", ("stool",)),
        ("Fecal microbiota transplantation improved symptoms.", ()),
        ("Constipation was scored with the Bristol stool form scale.", ()),
        ("Saliva and stool samples were sequenced.", ("stool", "oral")),
        ("Cecal contents of the mice were sequenced.", ("intestinal content",)),
        ("Colonic biopsies were taken during colonoscopy.", ("intestinal mucosa",)),
        ("Nasal swabs and vaginal swabs were analysed.", ("nasal", "vaginal")),
        ("The gut microbiota was altered in patients.", ()),
    ],
)
def test_body_sites(abstract, sites):
    assert facts(abstract).body_sites == sites


@pytest.mark.parametrize(
    "abstract, methods",
    [
        ("The V3-V4 region of the 16S rRNA gene was sequenced.", ("16S rRNA",)),
        ("Shotgun metagenomic sequencing was performed on stool.", ("shotgun metagenomics",)),
        ("We used 16S rRNA metagenomic sequencing of stool.", ("16S rRNA",)),
        ("Both 16S rRNA and shotgun sequencing were performed.", ("16S rRNA", "shotgun metagenomics")),
        ("Bifidobacterium was quantified by qPCR.", ("qPCR",)),
        ("The mRNA expression of BDNF in the hippocampus was measured by qPCR.", ()),
        ("Lactobacillus strains were isolated from the feces of healthy infants.", ("culture",)),
        ("Cell cultures of microglia were exposed to bacterial lipopolysaccharide.", ()),
        ("Serum metabolites were measured by mass spectrometry.", ()),
    ],
)
def test_methods(abstract, methods):
    assert facts(abstract).methods == methods


@pytest.mark.parametrize(
    "abstract, countries",
    [
        ("We studied 40 Chinese patients with depression.", ("China",)),
        ("Dutch adults (n = 500) from the general population took part.", ("Netherlands",)),
        ("Patients were recruited in Shanghai and Tokyo.", ("China", "Japan")),
        ("We used data of the Flemish Gut Flora Project.", ("Belgium",)),
        ("Mice were given a traditional Chinese medicine formula.", ()),
        ("Pathways were annotated with the Kyoto Encyclopedia of Genes and Genomes.", ()),
        ("Anxiety was scored with the Spanish version of the questionnaire.", ()),
        ("Patients met the Rome IV criteria for IBS.", ()),
        ("Depression affects 10% of adults in the United States.", ()),
        ("Studies from the United Kingdom and the USA were compared.", ("United Kingdom", "United States")),
        ("Guinea pigs were used.", ()),
    ],
)
def test_countries(abstract, countries):
    assert facts(abstract).countries == countries


def test_review_design_agrees_with_reviews_on_real_records():
    for article in read_records(str(FIXTURES / "gutbrain-20.xml")):
        if isinstance(article, records.Article):
            assert facts_of(article).is_review == reviews.is_review(article), article.pmid


@pytest.mark.slow
def test_a_huge_abstract_is_read_in_linear_time():
    import time

    started = time.perf_counter()
    facts("In 40 patients with PD (n = 40) and 30 healthy controls (n = 30) stool was sequenced " * 20000)
    assert time.perf_counter() - started < 20


# --- storage ---------------------------------------------------------------------------------------

RECORDS = [
    {
        "pmid": "9000001",
        "title": "Gut microbiota of Chinese patients with depression: a case-control study",
        "abstract": "We recruited 45 patients with major depressive disorder and 40 healthy controls in Shanghai. "
        "Fecal samples were "
        "sequenced (16S rRNA gene). Faecalibacterium was decreased in patients with depression.",
    },
    {
        "pmid": "9000002",
        "title": "Lactobacillus reduces anxiety-like behaviour in mice",
        "abstract": "Thirty C57BL/6 mice were exposed to chronic stress. Cecal contents were analysed by shotgun "
        "metagenomic sequencing.",
    },
    {
        "pmid": "9000003",
        "title": "The gut-brain axis in autism: a systematic review and meta-analysis",
        "abstract": "We searched PubMed; 18 studies (1,203 participants) were included and pooled with a "
        "random-effects model.",
    },
]


def write_jsonl(path, items) -> str:
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return str(path)


def stored_facts(database) -> dict[str, set[tuple[str, str]]]:
    with database.session() as session:
        found: dict[str, set[tuple[str, str]]] = {}
        for fact in session.scalars(select(StudyFact)):
            found.setdefault(fact.pmid, set()).add((fact.kind, fact.value))
        return found


@pytest.mark.slow
def test_ingest_stores_the_facts_and_replaces_them(database, extractor, tmp_path):
    from miner.ingest import ingest

    ingest(database, extractor, [write_jsonl(tmp_path / "in.jsonl", RECORDS)])
    assert stored_facts(database) == {
        "9000001": {
            ("design", "case-control"),
            ("host", "human"),
            ("body_site", "stool"),
            ("method", "16S rRNA"),
            ("country", "China"),
        },
        "9000002": {
            ("design", "animal model"),
            ("host", "mouse"),
            ("body_site", "intestinal content"),
            ("method", "shotgun metagenomics"),
        },
        "9000003": {("design", "review"), ("design", "meta-analysis"), ("host", "human")},
    }
    with database.session() as session:
        numbers = session.execute(
            select(Article.pmid, Article.sample_size, Article.cases, Article.controls, Article.is_review).order_by(
                Article.pmid
            )
        ).all()
        assert [tuple(row) for row in numbers] == [
            ("9000001", 85, 45, 40, False),
            ("9000002", 30, None, None, False),
            ("9000003", None, None, None, True),
        ]
        by_kind = session.execute(
            select(StudyFact.kind, func.count()).group_by(StudyFact.kind).order_by(StudyFact.kind)
        ).all()
        assert [tuple(row) for row in by_kind] == [
            ("body_site", 2),
            ("country", 1),
            ("design", 4),
            ("host", 3),
            ("method", 2),
        ]
        mice = session.scalars(select(StudyFact.pmid).where(StudyFact.kind == "host", StudyFact.value == "mouse")).all()
        assert mice == ["9000002"]

    changed = dict(
        RECORDS[1],
        title="Lactobacillus reduces anxiety-like behaviour in rats",
        abstract="Thirty Wistar rats were exposed to chronic stress. Stool was cultured.",
    )
    summary = ingest(database, extractor, [write_jsonl(tmp_path / "changed.jsonl", [changed])])
    assert summary.updated == 1
    assert stored_facts(database)["9000002"] == {("design", "animal model"), ("host", "rat"), ("body_site", "stool")}
    with database.session() as session:
        assert session.get(Article, "9000002").sample_size == 30


@pytest.mark.slow
def test_unchanged_reingest_keeps_the_facts_and_deletion_removes_them(database, extractor, tmp_path):
    from miner.ingest import ingest

    path = write_jsonl(tmp_path / "in.jsonl", RECORDS)
    ingest(database, extractor, [path])
    before = stored_facts(database)
    assert ingest(database, extractor, [path]).unchanged == 3
    assert stored_facts(database) == before
    deletion = tmp_path / "delete.xml"
    deletion.write_text(
        "<PubmedArticleSet><DeleteCitation><PMID Version='1'>9000001</PMID></DeleteCitation></PubmedArticleSet>"
    )
    assert ingest(database, extractor, [str(deletion)]).deleted == 1
    assert set(stored_facts(database)) == {"9000002", "9000003"}


def test_migration_0008_fills_the_facts_of_stored_articles(database_url):
    engine = make_engine(database_url)
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    with engine.begin() as connection:
        for item in RECORDS:
            types = ["Journal Article"] + (["Review"] if item["pmid"] == "9000003" else [])
            connection.execute(
                text(
                    "INSERT INTO article (pmid, version, title, title_italics, abstract, sections, journal, "
                    "language, authors, mesh, "
                    "publication_types, is_review, is_retracted, content_hash, source, first_seen_at, updated_at) "
                    "VALUES (:pmid, 1, :title, "
                    "'[]', :abstract, '[]', '', '', '[]', '[]', :types, false, false, 'x', '', CURRENT_TIMESTAMP, "
                    "CURRENT_TIMESTAMP)"
                ),
                {
                    "pmid": item["pmid"],
                    "title": item["title"],
                    "abstract": item["abstract"],
                    "types": json.dumps(types),
                },
            )
    database = Database(engine)
    assert database.upgrade() == ("0007", head_revision())
    assert stored_facts(database)["9000001"] == {
        ("design", "case-control"),
        ("host", "human"),
        ("body_site", "stool"),
        ("method", "16S rRNA"),
        ("country", "China"),
    }
    assert len(stored_facts(database)["9000002"]) == 4
    with database.session() as session:
        assert (session.get(Article, "9000001").sample_size, session.get(Article, "9000001").cases) == (85, 45)
        assert session.get(Article, "9000003").sample_size is None
    engine.dispose()
