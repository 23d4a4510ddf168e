"""Taxon and disorder recognition on their own: the forms abstracts use, the evidence flagged
names need, and the abbreviation rules. Real phrases carry their PMID."""

from __future__ import annotations

import pytest
from conftest import ROOT

from miner import records
from miner.extract import article_text
from miner.extract.phrases import _span_keys, normalize, token_norms, token_spaces, token_texts
from miner.parse import read_records

pytestmark = pytest.mark.slow


def doc_of(nlp, text: str, italics=()):
    doc = nlp.make_doc(text)
    doc._.italics = tuple(italics)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def taxa(nlp, text: str, italics=()):
    doc = doc_of(nlp, text, italics)
    return [(s.text, s._.taxon.name, s._.taxon.taxid) for s in doc.spans["taxa"]]


def disorders(nlp, text: str):
    doc = doc_of(nlp, text)
    return [(s.text, tuple(r.group for r in s._.disorders)) for s in doc.spans["disorders"]]


@pytest.mark.parametrize(
    "text, expected",
    [
        # plural and vernacular forms
        (
            "Lactobacilli and bifidobacteria were depleted.",
            [("Lactobacilli", "Lactobacillus", 1578), ("bifidobacteria", "Bifidobacterium", 1678)],
        ),
        # a bracketed name and its 2025 name (Agathobacter rectalis) are one taxon
        (
            "[Eubacterium] rectale and Agathobacter rectalis",
            [
                ("Eubacterium] rectale", "[Eubacterium] rectale", 39491),
                ("Agathobacter rectalis", "[Eubacterium] rectale", 39491),
            ],
        ),
        # old and new phylum names share a taxid
        (
            "Firmicutes (Bacillota) and Bacteroidetes (Bacteroidota)",
            [
                ("Firmicutes", "Firmicutes", 1239),
                ("Bacillota", "Firmicutes", 1239),
                ("Bacteroidetes", "Bacteroidetes", 976),
                ("Bacteroidota", "Bacteroidetes", 976),
            ],
        ),
        (
            "Prevotella copri, now Segatella copri",
            [("Prevotella copri", "Prevotella copri", 165179), ("Segatella copri", "Prevotella copri", 165179)],
        ),
        # bioinformatic spellings: PMID 36686268 (underscore), QIIME prefixes (PMID 34276644)
        (
            "Scardovia_inopinata (p = 0.022) and g__Bifidobacterium",
            [("Scardovia_inopinata", "Scardovia inopinata", 78259), ("Bifidobacterium", "Bifidobacterium", 1678)],
        ),
        # database labels kept as written, UCG numbers regularised (PMID 38229613, 36719617)
        (
            "Clostridia UCG 014, Lachnospiraceae_NK4A136_group, Lachnospiraceae ND3007 group and CAG-977",
            [
                ("Clostridia UCG 014", "Clostridia UCG-014", None),
                ("Lachnospiraceae_NK4A136_group", "Lachnospiraceae NK4A136 group", None),
                ("Lachnospiraceae ND3007 group", "Lachnospiraceae ND3007 group", None),
                ("CAG-977", "CAG-977", None),
            ],
        ),
        (
            "Escherichia-Shigella, Escherichia/Shigella and Clostridium cluster III",
            [
                ("Escherichia-Shigella", "Escherichia-Shigella", None),
                ("Escherichia/Shigella", "Escherichia/Shigella", None),
                ("Clostridium cluster III", "Clostridium cluster III", None),
            ],
        ),
        # qualifiers keep the taxon: SILVA numbers, "group" after a species, spp. (PMIDs 38010793, 36719617)
        (
            "Coprococcus 1, Prevotella7, Eubacterium hallii group and Blautia spp.",
            [
                ("Coprococcus 1", "Coprococcus", 33042),
                ("Prevotella7", "Prevotella7", None),
                ("Eubacterium hallii group", "Eubacterium hallii group", None),
                ("Blautia spp.", "Blautia", 572511),
            ],
        ),
        # a strain after sp. is a label of its own (PMID 38010793)
        ("the decreased Clostridium sp. BR31", [("Clostridium sp. BR31", "Clostridium sp. BR31", None)]),
        # typos one or two edits from one name (PMID 38229613); a hyphen suffix ends a name
        (
            "Lachinospiracea, Cristensenellaceae and H. pylori-related gastritis in Helicobacter pylori carriers",
            [
                ("Lachinospiracea", "Lachnospiraceae", 186803),
                ("Cristensenellaceae", "Christensenellaceae", 990719),
                ("H. pylori-related", "Helicobacter pylori", 210),
                ("Helicobacter pylori", "Helicobacter pylori", 210),
            ],
        ),
    ],
)
def test_taxon_forms(nlp, text, expected):
    assert taxa(nlp, text) == expected


def test_abbreviated_species_prefer_the_genus_written_out(nlp):
    # PMID 38582087: "R. intestinalis … B. longum"
    text = (
        "Bifidobacterium longum and Roseburia intestinalis were depleted. R. intestinalis enhances B. longum abundance."
    )
    assert [name for _, name, _ in taxa(nlp, text)] == [
        "Bifidobacterium longum",
        "Roseburia intestinalis",
        "Roseburia intestinalis",
        "Bifidobacterium longum",
    ]


def test_abbreviated_fungus_needs_its_genus(nlp):
    # PMID 36517709: "M. auratus" is the hamster Mesocricetus auratus, not the fungus Marasmius auratus
    assert taxa(nlp, "Syrian hamsters (M. auratus) were housed singly.") == []


def test_ordinary_words_and_non_microbes_are_not_taxa(nlp):
    # "Tuber" and "Proteus" are genera flagged as English words: they need evidence
    assert taxa(nlp, "Tuber intake was higher in patients.") == []
    assert taxa(nlp, "The Proteus syndrome is rare.") == []
    # … which a list of taxa gives (PMID 28536926)
    assert ("Proteus", "Proteus", 583) in taxa(
        nlp, "Streptococcus (P=0.01), Proteus (P=0.022), and Enterococcus (P=0.006)"
    )
    # lower case never names a genus: "melanogaster" is not the fungus Melanogaster (PMID 35327401)
    assert taxa(nlp, "flies of the species drosophila melanogaster") == []
    # a typo fix must keep a binomial real: a plant is not the fungus Scutellinia (PMID 37764277)
    assert taxa(nlp, "an extract of Scutellaria baicalensis") == []
    assert taxa(nlp, "Fecalibacterium prausnitzii") == [
        ("Fecalibacterium prausnitzii", "Faecalibacterium prausnitzii", 853)
    ]


def test_italics_are_evidence(nlp):
    text = "Tuber was abundant."
    assert taxa(nlp, text) == []
    assert taxa(nlp, text, italics=[(0, 5)]) == [("Tuber", "Tuber", taxa(nlp, text, italics=[(0, 5)])[0][2])]


def test_a_name_split_by_markup_is_whole(extractor):
    xml = (
        b'<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">7</PMID>'
        b"<Article><ArticleTitle>t</ArticleTitle>\n"
        b"    <Abstract><AbstractText>Lower <i>Faecali</i><i>bacterium</i> abundance in patients with depression."
        b"</AbstractText></Abstract>\n"
        b"    </Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )
    import io

    from miner.parse import read_pubmed

    [article] = [item for item in read_pubmed(io.BytesIO(xml), name="t.xml") if isinstance(item, records.Article)]
    [(_, relations)] = list(extractor.extract([article]))
    assert [(r.taxon, r.direction) for r in relations] == [("Faecalibacterium", "decreased")]


ABBREVIATIONS = [
    ("major depressive disorder (MDD)", "MDD", "depression"),
    ("bipolar disorder (BD)", "BD", "bipolar"),
    ("schizophrenia (SZ)", "SZ", "schizophrenia"),
    ("schizophrenia (SCZ)", "SCZ", "schizophrenia"),
    ("autism spectrum disorder (ASD)", "ASD", "autism"),
    ("attention-deficit/hyperactivity disorder (ADHD)", "ADHD", "adhd"),
    ("generalized anxiety disorder (GAD)", "GAD", "anxiety"),
    ("post-traumatic stress disorder (PTSD)", "PTSD", "ptsd"),
    ("obsessive-compulsive disorder (OCD)", "OCD", "ocd"),
    ("anorexia nervosa (AN)", "AN", "eating"),
    ("Parkinson's disease (PD)", "PD", "parkinson"),
    ("Alzheimer's disease (AD)", "AD", "alzheimer"),
    ("multiple sclerosis (MS)", "MS", "ms"),
]


@pytest.mark.parametrize("long_form, short, group", ABBREVIATIONS)
def test_abbreviations_resolve_through_their_definition(nlp, long_form, short, group):
    found = disorders(nlp, f"We studied {long_form}. In {short}, the microbiota differed.")
    assert (short, (group,)) in found


def test_ambiguous_abbreviations_need_the_disorder_named(nlp):
    assert disorders(nlp, "Samples were analysed by MS and PD was measured.") == []
    # a local definition wins: here AD means affective disorders, not Alzheimer's disease …
    both = ("bipolar", "depression")
    assert disorders(nlp, "Affective disorders (AD) were frequent. AD patients had lower Blautia.") == [
        ("Affective disorders", both),
        ("AD", both),
        ("AD", both),
    ]
    # … and defined as something else it is no disorder at all (rule 5 of miner/pipelines/DISORDERS.md)
    assert disorders(nlp, "Atopic dermatitis (AD) was frequent. AD patients had lower Blautia.") == []
    # standalone ones need no definition
    assert disorders(nlp, "MDD patients were enrolled.") == [("MDD", ("depression",))]


def test_disorder_forms(nlp):
    # suspended coordination (PMID 30459574) and umbrella terms (PMID 31952911)
    assert disorders(nlp, "CMS-induced anxiety- and depressive-like behaviors") == [
        ("anxiety-", ("anxiety",)),
        ("depressive-like behaviors", ("depression",)),
    ]
    assert disorders(nlp, "patients with psychotic and affective disorders") == [
        ("psychotic", ("psychosis",)),
        ("affective disorders", ("bipolar", "depression")),
    ]
    # adjectives before a head noun, not after a negation
    assert disorders(nlp, "depressed patients and non-depressed controls") == [("depressed", ("depression",))]
    # blocking phrases and models are not mentions
    assert disorders(nlp, "oxidative stress in MPTP-treated mice") == []
    # "METH users" through the long form (PMID 36516898)
    assert disorders(nlp, "Methamphetamine (METH) is a stimulant. METH users were enrolled.")[-1] == (
        "METH users",
        ("substance",),
    )


def test_incremental_phrase_keys_equal_normalize(nlp):
    """The fast key builder of PhraseIndex must give exactly normalize(span text)."""
    articles = [
        a
        for a in read_records(str(ROOT / "miner" / "samples" / "gutbrain-sample.xml.gz"))
        if isinstance(a, records.Article)
    ][:60]
    checked = 0
    for article in articles:
        doc = nlp.make_doc(article_text(article).text)
        norms, texts, spaces = token_norms(doc), token_texts(doc), token_spaces(doc)
        for i in range(len(doc)):
            if not norms[i]:
                continue
            for j, key in enumerate(_span_keys(norms, texts, spaces, i, min(len(doc), i + 6))):
                if norms[i + j]:
                    assert key == normalize(doc[i : i + j + 1].text)
                    checked += 1
    assert checked > 50_000
