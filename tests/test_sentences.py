"""The `miner_sentences` splitter on real abstract text, through scispaCy's tokenizer as the
pipeline configures it (`miner.scispacy_tokenizer.v1`).

Every passage is copied from a PubMed record of the bundled sample corpus
(miner/samples/gutbrain-sample.xml.gz) or of the gold development texts, named by PMID; where a passage
was changed to show a case the records lack, the comment says how. Imports: spaCy, pytest,
`miner.extract.{pipeline,sentences}`, `miner.records`, `miner.extract.article_text`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

import miner.extract.pipeline
import miner.extract.sentences  # noqa: F401  registers miner_sentences
from miner.extract import article_text
from miner.extract.sentences import sentence_starts
from miner.records import Article, Section

ROOT = Path(__file__).resolve().parent.parent

# how miner/pipelines/miner.cfg names the tokenizer and the splitter
CONFIG = """
[nlp]
lang = "en"
pipeline = ["sentences"]

[nlp.tokenizer]
@tokenizers = "miner.scispacy_tokenizer.v1"

[components]

[components.sentences]
factory = "miner_sentences"
"""


@pytest.fixture(scope="module")
def nlp() -> Language:
    config = spacy.util.load_config_from_str(CONFIG)
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True)


def sentences(nlp: Language, text: str) -> list[str]:
    return [sentence.text for sentence in nlp(text).sents]


def test_abbreviations_end_no_sentence(nlp):
    # PMID 38302874 (sample): "i.e." mid-sentence; the next sentence starts with lowercase "qPCR"
    assert sentences(
        nlp,
        "Our results revealed that PIPO patients exhibit a MAM with a different composition and with dysbiosis, "
        "i.e. with a lower biodiversity and fewer less connected species with a greater number of non-synergistic "
        "relationships, compared to controls. qPCR results revealed modifications in the expression of "
        "serotonin-related intestinal genes in PIPO patients, when compared to controls.",
    ) == [
        "Our results revealed that PIPO patients exhibit a MAM with a different composition and with dysbiosis, "
        "i.e. with a lower biodiversity and fewer less connected species with a greater number of non-synergistic "
        "relationships, compared to controls.",
        "qPCR results revealed modifications in the expression of serotonin-related intestinal genes in PIPO "
        "patients, when compared to controls.",
    ]
    # PMID 33807447 (sample, title): "vs." before a capital
    assert sentences(
        nlp,
        "Changes in Gut Microbiota after a Four-Week Intervention with Vegan vs. Meat-Rich Diets in Healthy "
        "Participants: A Randomized Controlled Trial.\nAn essential role of the gut microbiota in health and "
        "disease is strongly suggested by recent research.",
    ) == [
        "Changes in Gut Microbiota after a Four-Week Intervention with Vegan vs. Meat-Rich Diets in Healthy "
        "Participants: A Randomized Controlled Trial.\n",
        "An essential role of the gut microbiota in health and disease is strongly suggested by recent research.",
    ]
    # PMID 28843021 (sample): "Inc." before a lowercase word; a copyright line is a sentence of its own
    assert sentences(
        nlp,
        "which are enriched or depleted in PD and/or idiopathic rapid eye movement sleep behavior disorder. "
        "© 2017 The Authors. Movement Disorders published by Wiley Periodicals, Inc. on behalf of International "
        "Parkinson and Movement Disorder Society.",
    ) == [
        "which are enriched or depleted in PD and/or idiopathic rapid eye movement sleep behavior disorder.",
        "© 2017 The Authors.",
        "Movement Disorders published by Wiley Periodicals, Inc. on behalf of International Parkinson and "
        "Movement Disorder Society.",
    ]


def test_species_abbreviations(nlp):
    # PMID 38010793 (sample): "sp." before a strain designation
    assert sentences(
        nlp,
        "More importantly, three increased microbiota including Turicibacter, Coprococcus 1, and Eggerthellaceae "
        "positively modulated the associations of unbalanced dietary intake with constipation and total GI "
        "symptoms, and the decreased Clostridium sp. BR31 negatively modulated their associations in ASD children "
        "(P-value <0.05). Together, the altered microbiota strengthens the relationship between unbalanced dietary "
        "intake and GI symptoms.",
    ) == [
        "More importantly, three increased microbiota including Turicibacter, Coprococcus 1, and Eggerthellaceae "
        "positively modulated the associations of unbalanced dietary intake with constipation and total GI "
        "symptoms, and the decreased Clostridium sp. BR31 negatively modulated their associations in ASD children "
        "(P-value <0.05).",
        "Together, the altered microbiota strengthens the relationship between unbalanced dietary intake and GI "
        "symptoms.",
    ]
    # PMID 29857583 (sample): "spp." before commas and "and" ends nothing
    assert sentences(
        nlp,
        "Several studies showed an increase of Lactobacillus, Bifidobacterium, Verrucomicrobiaceae and Akkermansia "
        "in PD. A decrease of Faecalibacterium spp., Coprococcus spp., Blautia spp., Prevotella spp. and "
        "Prevotellaceae was observed in PD.",
    ) == [
        "Several studies showed an increase of Lactobacillus, Bifidobacterium, Verrucomicrobiaceae and Akkermansia "
        "in PD.",
        "A decrease of Faecalibacterium spp., Coprococcus spp., Blautia spp., Prevotella spp. and Prevotellaceae "
        "was observed in PD.",
    ]
    # PMID 27763700 (sample) and PMID 38248533 (dev): a sentence that ends with "spp."
    assert sentences(
        nlp,
        "All diets altered gut bacteria, while diets containing GOS and PDX increased Lactobacillus spp. After 4 "
        "weeks, rats were exposed to inescapable stress, and either immediately killed for blood and tissues, or "
        "assessed for learned helplessness 24 h later.",
    ) == [
        "All diets altered gut bacteria, while diets containing GOS and PDX increased Lactobacillus spp.",
        "After 4 weeks, rats were exposed to inescapable stress, and either immediately killed for blood and "
        "tissues, or assessed for learned helplessness 24 h later.",
    ]
    assert sentences(
        nlp,
        "High-ACE individuals had an increased abundance of Butyricimonas spp. and Prevotella spp. and decreased "
        "levels of Clostridiales, and Lachnospira spp. Prevotella abundance correlated negatively with L-glutamate "
        "and L-glutamine biosynthesis, potentially impacting intestinal tissue integrity.",
    ) == [
        "High-ACE individuals had an increased abundance of Butyricimonas spp. and Prevotella spp. and decreased "
        "levels of Clostridiales, and Lachnospira spp.",
        "Prevotella abundance correlated negatively with L-glutamate and L-glutamine biosynthesis, potentially "
        "impacting intestinal tissue integrity.",
    ]


def test_abbreviated_genus_names(nlp):
    # PMID 32538869 (sample): "E. coli"; PMID 34768765 (dev): "(H. suis)"
    assert sentences(
        nlp,
        "It was recently shown (Sampson et al., Elife9, 2020) that an amyloidogenic protein, CsgA, present in E. "
        "coli biofilms in the gut can trigger Parkinson's disease in mice. This study emphasizes the possible role "
        "of the gut microbiome in modulation (and even initiation) of human neurodegenerative disorders, such as "
        "Parkinson's disease.",
    ) == [
        "It was recently shown (Sampson et al., Elife9, 2020) that an amyloidogenic protein, CsgA, present in E. "
        "coli biofilms in the gut can trigger Parkinson's disease in mice.",
        "This study emphasizes the possible role of the gut microbiome in modulation (and even initiation) of human "
        "neurodegenerative disorders, such as Parkinson's disease.",
    ]
    text = (
        "Interestingly, idiopathic PD patients were shown to have at least a 10 times higher prevalence of "
        "Helicobacter suis (H. suis) DNA in gastric biopsies compared to control patients."
    )
    assert sentences(nlp, text) == [text]


def test_capital_letter_before_a_new_sentence(nlp):
    # PMID 36760344 (sample): "apolipoprotein B." ends a sentence, unlike an initial
    assert sentences(
        nlp,
        "Moreover, plasma levels of clinical risk factors were significantly decreased in the meditation group, "
        "including total cholesterol and apolipoprotein B. Long-term traditional Tibetan Buddhist meditation may "
        "positively impact physical and mental health.",
    ) == [
        "Moreover, plasma levels of clinical risk factors were significantly decreased in the meditation group, "
        "including total cholesterol and apolipoprotein B.",
        "Long-term traditional Tibetan Buddhist meditation may positively impact physical and mental health.",
    ]


def test_p_values_and_decimals(nlp):
    # PMID 33899052 (sample): "p = .167" and decimals inside brackets
    assert sentences(
        nlp,
        "The mean Bristol rating improved from type 2 (± 1) Pre-OMM to 3 (± 1; p = .167; d = 0.677) Post-OMM. "
        "Mean constipation severity significantly decreased (p = .010; d = 1.508) Post-OMM.",
    ) == [
        "The mean Bristol rating improved from type 2 (± 1) Pre-OMM to 3 (± 1; p = .167; d = 0.677) Post-OMM.",
        "Mean constipation severity significantly decreased (p = .010; d = 1.508) Post-OMM.",
    ]
    # PMID 30707176 (sample): "P < 0.05)." then a new sentence
    assert sentences(
        nlp,
        "At the family level, the relative abundance of Ruminococcaceae was significantly higher in VVS children "
        "than in controls (median [Q1, Q3]: 22.10% [16.89%, 27.36%] vs. 13.92% [10.31%, 20.18%], Z = -2.40, "
        "P < 0.05), and LEfSe analysis revealed Ruminococcaceae as a discriminative feature (linear discriminant "
        "analysis [LDA] score > 4, P < 0.05). The relative abundance of Ruminococcaceae in VVS patients was "
        "positively correlated with the frequency of syncope (r = 0.616, P < 0.01).",
    ) == [
        "At the family level, the relative abundance of Ruminococcaceae was significantly higher in VVS children "
        "than in controls (median [Q1, Q3]: 22.10% [16.89%, 27.36%] vs. 13.92% [10.31%, 20.18%], Z = -2.40, "
        "P < 0.05), and LEfSe analysis revealed Ruminococcaceae as a discriminative feature (linear discriminant "
        "analysis [LDA] score > 4, P < 0.05).",
        "The relative abundance of Ruminococcaceae in VVS patients was positively correlated with the frequency of "
        "syncope (r = 0.616, P < 0.01).",
    ]


def test_full_stops_inside_brackets(nlp):
    # PMID 37714224 (dev, title): botanical authorities "(Rupr. and Maxim.)", "(Miq.) Miq."
    assert sentences(
        nlp,
        "Efficacy and mechanism study of Baichanting compound, a combination of Acanthopanax senticosus (Rupr. and "
        "Maxim.) Harms, Paeonia lactiflora Pall and Uncaria rhynchophylla (Miq.) Miq. ex Havil, on Parkinson's "
        "disease based on metagenomics and metabolomics.\nParkinson's disease (PD) is a rapidly progressing "
        "neurological disorder. Currently, Medication for PD has numerous limitations.",
    ) == [
        "Efficacy and mechanism study of Baichanting compound, a combination of Acanthopanax senticosus (Rupr. and "
        "Maxim.) Harms, Paeonia lactiflora Pall and Uncaria rhynchophylla (Miq.) Miq. ex Havil, on Parkinson's "
        "disease based on metagenomics and metabolomics.\n",
        "Parkinson's disease (PD) is a rapidly progressing neurological disorder.",
        "Currently, Medication for PD has numerous limitations.",
    ]


def test_bracket_never_closed_does_not_swallow_the_next_sentence(nlp):
    # PMID 30717162 (sample): "(median (Q1⁻Q3): …" is never closed
    assert sentences(
        nlp,
        "We also found that between-subject W0 Bray⁻Curtis dissimilarities were significantly higher than W0⁻W6 "
        "within-subject dissimilarities (median (Q1⁻Q3): 0.68 (0.56⁻0.77) vs. 0.38 (0.35⁻0.52), two sided "
        "Mann⁻Whitney test p < 0.00001. The within-subject dissimilarities did not depend on sex, age, BMI, illness "
        "duration and a daily dose of escitalopram.",
    ) == [
        "We also found that between-subject W0 Bray⁻Curtis dissimilarities were significantly higher than W0⁻W6 "
        "within-subject dissimilarities (median (Q1⁻Q3): 0.68 (0.56⁻0.77) vs. 0.38 (0.35⁻0.52), two sided "
        "Mann⁻Whitney test p < 0.00001.",
        "The within-subject dissimilarities did not depend on sex, age, BMI, illness duration and a daily dose of "
        "escitalopram.",
    ]


def test_et_al(nlp):
    # PMID 32469834 (sample): "et al. (2020)" continues the sentence
    text = (
        "In this correspondence, we compliment Sanada et al. (2020) on their recent systematic review of the gut "
        "microbiota in Major Depressive Disorder (MDD), the first to incorporate a meta-analysis."
    )
    assert sentences(nlp, text) == [text]
    # PMID 36216056 (sample): "et al." that ends a sentence, before "The"
    assert sentences(
        nlp,
        "PM exposure significantly increased the relative abundance of Verrucomicrobia and decreased that of "
        "Fibrobacteres et al. The metabolism pathways of estrogen signaling (estriol, 16-glucuronide-estriol and "
        "21-desoxycortisol) and choline metabolism (phosphocholine) were significantly altered by PM exposure.",
    ) == [
        "PM exposure significantly increased the relative abundance of Verrucomicrobia and decreased that of "
        "Fibrobacteres et al.",
        "The metabolism pathways of estrogen signaling (estriol, 16-glucuronide-estriol and 21-desoxycortisol) and "
        "choline metabolism (phosphocholine) were significantly altered by PM exposure.",
    ]


def test_title_and_newlines(nlp):
    # PMID 30659564 (sample), built as the extractor builds it: title, "\n", abstract
    article = Article(
        pmid="30659564",
        title="Can microbiology affect psychiatry? A link between gut microbiota and psychiatric disorders.",
        sections=(
            Section(
                "Every single human consists of thousands of genes, billions of neurons and trillions of bacteria."
            ),
        ),
    )
    assert sentences(nlp, article_text(article).text) == [
        "Can microbiology affect psychiatry?",
        "A link between gut microbiota and psychiatric disorders.\n",
        "Every single human consists of thousands of genes, billions of neurons and trillions of bacteria.",
    ]
    # the same title without its final full stop (as JSON Lines input may give it)
    assert sentences(
        nlp,
        "Can microbiology affect psychiatry? A link between gut microbiota and psychiatric disorders\n"
        "Every single human consists of thousands of genes, billions of neurons and trillions of bacteria.",
    ) == [
        "Can microbiology affect psychiatry?",
        "A link between gut microbiota and psychiatric disorders\n",
        "Every single human consists of thousands of genes, billions of neurons and trillions of bacteria.",
    ]
    # a newline ends a sentence even after an abbreviation, and blank lines stay with the sentence before
    assert sentences(nlp, "A decrease of Blautia spp.\n\nPrevotella was enriched in PD.") == [
        "A decrease of Blautia spp.\n\n",
        "Prevotella was enriched in PD.",
    ]


def test_question_marks(nlp):
    # PMID 21167931 (sample)
    assert sentences(
        nlp,
        "Should we administer anti-inflammatory treatments, or should we induce self-reactive T cells? We "
        "re-examine the rodent findings and outline immunological peculiarities of SPF rodents, the abnormal "
        "properties of their regulatory T cells, and the impact of gut microbiota.",
    ) == [
        "Should we administer anti-inflammatory treatments, or should we induce self-reactive T cells?",
        "We re-examine the rodent findings and outline immunological peculiarities of SPF rodents, the abnormal "
        "properties of their regulatory T cells, and the impact of gut microbiota.",
    ]
    # PMID 30828318 (sample): numbered questions; the list opens after a colon, inside the first sentence
    assert sentences(
        nlp,
        "Questions remain that touch the core of being human: (i) Do our microbes influence happiness and to what "
        "extent? (ii) What components of the gut microbiota and their function, including as it relates to mental "
        "health, are critical and how do they differ between agile, fit hunter gatherers and obese westerners or "
        "Danes described as the happiest people on the planet? (iii) What role do environmental pollutants play in "
        "this microbes-host ecosystem?",
    ) == [
        "Questions remain that touch the core of being human: (i) Do our microbes influence happiness and to what "
        "extent?",
        "(ii) What components of the gut microbiota and their function, including as it relates to mental health, "
        "are critical and how do they differ between agile, fit hunter gatherers and obese westerners or Danes "
        "described as the happiest people on the planet?",
        "(iii) What role do environmental pollutants play in this microbes-host ecosystem?",
    ]


def test_enumerations_stay_in_their_sentence(nlp):
    # PMID 26923630 (sample)
    text = (
        "We hypothesized that the concerns related to antibiotic-induced gut dysbiosis can only adequately be "
        "addressed if the effect of intragastric treatment of adult mice with multiple antibiotics on (i) gut "
        "microbial community, (ii) metabolite profile in the colon, (iii) circulating metabolites, (iv) expression "
        "of neuronal signaling molecules in distinct brain areas and (v) cognitive behavior is systematically "
        "investigated."
    )
    assert sentences(nlp, text) == [text]


def test_sentences_starting_with_digits_and_greek_letters(nlp):
    # PMID 32041265 (sample)
    assert sentences(
        nlp,
        "Additionally, we tested in this proof-of-concept study whether dietary intervention alone or additional "
        "physical colon cleaning may lead to changes of the gut microbiome in PD. 16 PD patients underwent a "
        "well-controlled "
        "balanced, ovo-lacto vegetarian diet intervention including short fatty acids for 14 days. 10 of those "
        "patients received additional treatment with daily fecal enema over 8 days.",
    ) == [
        "Additionally, we tested in this proof-of-concept study whether dietary intervention alone or additional "
        "physical colon cleaning may lead to changes of the gut microbiome in PD.",
        "16 PD patients underwent a well-controlled balanced, ovo-lacto vegetarian diet intervention including "
        "short fatty acids for 14 days.",
        "10 of those patients received additional treatment with daily fecal enema over 8 days.",
    ]
    # PMID 36875518 (dev)
    assert sentences(
        nlp,
        "At different taxonomic levels, bacterial abundance oscillated diurnally in both groups, such as "
        "Pseudomonas and Prevotella pallens (all p < 0.05). β-diversity of the gut microbiota in AD patients with "
        "high daily alcohol consumption, high-level cravings, short AD durations, and mild withdrawal symptoms "
        "oscillated diurnally compared with other AD patients (all p < 0.05).",
    ) == [
        "At different taxonomic levels, bacterial abundance oscillated diurnally in both groups, such as "
        "Pseudomonas and Prevotella pallens (all p < 0.05).",
        "β-diversity of the gut microbiota in AD patients with high daily alcohol consumption, high-level cravings, "
        "short AD durations, and mild withdrawal symptoms oscillated diurnally compared with other AD patients "
        "(all p < 0.05).",
    ]


def test_full_stop_without_a_space(nlp):
    # PMID 31218116 (sample): "disease.Methods/Design"
    assert sentences(
        nlp,
        "The purpose of the MOVE-C (understanding the relationship between the MicrobiOme, Vitality, and Exercise "
        "in Celiac disease) pilot study is to explore the effects of a 12-week supervised progressive "
        "high-intensity interval training (HIIT) and lifestyle intervention on physiological, behavioral, and "
        "psychosocial outcomes among inactive adults with celiac disease.Methods/Design: Sixty inactive adults "
        "diagnosed with celiac disease will be randomized to HIIT+ or waitlist control (WLC).",
    ) == [
        "The purpose of the MOVE-C (understanding the relationship between the MicrobiOme, Vitality, and Exercise "
        "in Celiac disease) pilot study is to explore the effects of a 12-week supervised progressive "
        "high-intensity interval training (HIIT) and lifestyle intervention on physiological, behavioral, and "
        "psychosocial outcomes among inactive adults with celiac disease.",
        "Methods/Design: Sixty inactive adults diagnosed with celiac disease will be randomized to HIIT+ or waitlist "
        "control (WLC).",
    ]


def test_reference_number_stays_with_its_sentence(nlp):
    # PMID 29857583 (sample) with a reference number "12" glued to the full stop, as full texts cite
    assert sentences(
        nlp,
        "Several studies showed an increase of Lactobacillus, Bifidobacterium, Verrucomicrobiaceae and Akkermansia "
        "in PD.12 A decrease of Faecalibacterium spp. was observed in PD.",
    ) == [
        "Several studies showed an increase of Lactobacillus, Bifidobacterium, Verrucomicrobiaceae and Akkermansia "
        "in PD.12",
        "A decrease of Faecalibacterium spp. was observed in PD.",
    ]
    # the same with the reference in brackets
    assert sentences(
        nlp,
        "Several studies showed an increase of Lactobacillus, Bifidobacterium, Verrucomicrobiaceae and Akkermansia "
        "in PD.[12] A decrease of Faecalibacterium spp. was observed in PD.",
    ) == [
        "Several studies showed an increase of Lactobacillus, Bifidobacterium, Verrucomicrobiaceae and Akkermansia "
        "in PD.[12]",
        "A decrease of Faecalibacterium spp. was observed in PD.",
    ]


def test_every_token_is_flagged(nlp):
    doc = nlp("Can microbiology affect psychiatry? A link between gut microbiota and psychiatric disorders.\nEvery ")
    assert [token.is_sent_start for token in doc] == [True] + [False] * 4 + [True] + [False] * 9 + [True]
    assert doc.has_annotation("SENT_START", require_complete=True)
    assert len(nlp("")) == 0


def test_sentence_starts_from_plain_lists():
    words = ["Fewer", "Blautia", "spp", ".", "\n", "In", "PD", ",", "Blautia", "fell", "."]
    spaces = [" ", " ", "", "", "", " ", "", " ", " ", "", ""]
    assert sentence_starts(words, spaces) == [True] + [False] * 4 + [True] + [False] * 5
    assert sentence_starts(words, [1 if space else 0 for space in spaces]) == sentence_starts(words, spaces)
    assert sentence_starts([], []) == []


@pytest.mark.slow
def test_splitter_in_the_real_pipeline_config():
    """pipelines/miner.cfg with its sentence splitter swapped for miner_sentences."""
    path = ROOT / "miner" / "pipelines" / "miner.cfg"
    overrides = {"paths.pipelines": str(path.parent), "components.sentences.factory": "miner_sentences"}
    config = spacy.util.load_config(path, overrides=overrides, interpolate=True)
    real = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    real.initialize()
    text = (
        "Gut microbiota in Parkinson's disease\nSeveral studies showed an increase of Lactobacillus in PD. A "
        "decrease of Faecalibacterium spp., Coprococcus spp., Blautia spp., Prevotella spp. and Prevotellaceae "
        "was observed in PD."
    )
    assert [sentence.text for sentence in real(text).sents] == [
        "Gut microbiota in Parkinson's disease\n",
        "Several studies showed an increase of Lactobacillus in PD.",
        "A decrease of Faecalibacterium spp., Coprococcus spp., Blautia spp., Prevotella spp. and Prevotellaceae "
        "was observed in PD.",
    ]
