"""Every construction the rules read, pinned with real sentences from PubMed abstracts (the
development set and other GutBrainIE records); each case names its PMID and keeps the title and
the sentences its reading depends on. Triples are (taxon, disorder group, direction). These run
the pipeline with the rules deciding (`rules` fixture): the learned decision weighs what the rules
propose, and is tested in test_decision.py."""

from __future__ import annotations

import pytest

from miner.records import Article, Section

pytestmark = pytest.mark.slow

UP, DOWN, SAME = "increased", "decreased", "unchanged"


def run(extractor, title: str, *sentences: str):
    article = Article(pmid="1", title=title, sections=(Section(" ".join(sentences)),))
    [(_, relations)] = list(extractor.extract([article]))
    return relations


def triples(relations):
    return {(r.taxon, r.disorder_group, r.direction) for r in relations}


CASES = {
    # --- the comparison frame: which group the taxon is higher or lower in
    "36694359 enriched in the HC group": (
        "Elevated serum anti-Saccharomyces cerevisiae antibody accompanied by gut mycobiota dysbiosis as a biomarker "
        "of diagnosis in patients with de novo Parkinson disease.",
        [
            "The relative abundances of Saccharomyces cerevisiae, Aspergillus, Candida solani, Aspergillus flavus, "
            "ASV601_Fungi, ASV866_Fungi, and ASV755_Fungi were significantly higher in the PD group, and enriched "
            "Malassezia restricta was found in the HC group."
        ],
        {
            ("Saccharomyces cerevisiae", "parkinson", UP),
            ("Aspergillus", "parkinson", UP),
            ("Candida solani", "parkinson", UP),
            ("Aspergillus flavus", "parkinson", UP),
            ("Malassezia restricta", "parkinson", DOWN),
        },
    ),
    "35711580 higher in health controls": (
        "Schizophrenia Patients With Prevotella-Enterotype Have a Higher Risk of Obesity.",
        [
            "Ninety-seven patients with schizophrenia and 69 matched health controls were eligible.",
            "Proteobacteria and Firmicutes had significantly higher abundance in the patients' group with "
            "enterotype-P.",
            "The Bacteroidetes had higher abundance in health controls with enterotype-P.",
        ],
        {
            ("Proteobacteria", "schizophrenia", UP),
            ("Firmicutes", "schizophrenia", UP),
            ("Bacteroidetes", "schizophrenia", DOWN),
        },
    ),
    # --- lists, coordination, parentheses
    "34776854 parenthetical lists summed up after a semicolon": (
        "Changes in the Gut Microbiome and Predicted Functional Metabolic Effects in an Australian Parkinson's "
        "Disease Cohort.",
        [
            "There has been increasing recognition of the importance of the gut microbiome in Parkinson's disease "
            "(PD), but the influence of geographic location has received little attention.",
            "The present study characterized the gut microbiota and associated changes in host metabolic pathways in "
            "an Australian cohort of people with PD (PwP).",
            "Differences were found in two phyla (Synergistetes and Proteobacteria; both increased in PwP), and five "
            "genera (Colidextribacter, Intestinibacter, Kineothrix, Agathobaculum, and Roseburia; all decreased in "
            "PwP).",
        ],
        {
            ("Synergistetes", "parkinson", UP),
            ("Proteobacteria", "parkinson", UP),
            ("Colidextribacter", "parkinson", DOWN),
            ("Intestinibacter", "parkinson", DOWN),
            ("Kineothrix", "parkinson", DOWN),
            ("Agathobaculum", "parkinson", DOWN),
            ("Roseburia", "parkinson", DOWN),
        },
    ),
    "36056574 a group named by the disorder's absence is the comparison": (
        "A Pilot Study of the Gut Microbiota Associated With Depressive Symptoms and Sleep Disturbance Among Chinese "
        "and Korean Immigrants in the United States.",
        [
            "Those with depressive symptoms showed a higher abundance of Actinobacteria, while those without "
            "depressive symptoms had a higher abundance of Bacteroidetes."
        ],
        {("Actinobacteria", "depression", UP), ("Bacteroidetes", "depression", DOWN)},
    ),
    "36564391 attributive: five decreased genera (…) and five increased genera (…)": (
        "Inflammatory microbes and genes as potential biomarkers of Parkinson's disease.",
        [
            "As the second-largest neurodegenerative disease in the world, Parkinson's disease (PD) has brought a "
            "severe economic and medical burden to our society.",
            "Notably, the results of 16S rRNA gene and shotgun metagenomic analysis have consistently identified "
            "five decreased genera (Roseburia, Faecalibacterium, Blautia, Lachnospira, and Prevotella) and five "
            "increased genera (Streptococcus, Bifidobacterium, Lactobacillus, Akkermansia, and Desulfovibrio) in PD.",
        ],
        {
            ("Roseburia", "parkinson", DOWN),
            ("Faecalibacterium", "parkinson", DOWN),
            ("Blautia", "parkinson", DOWN),
            ("Lachnospira", "parkinson", DOWN),
            ("Prevotella", "parkinson", DOWN),
            ("Streptococcus", "parkinson", UP),
            ("Bifidobacterium", "parkinson", UP),
            ("Lactobacillus", "parkinson", UP),
            ("Akkermansia", "parkinson", UP),
            ("Desulfovibrio", "parkinson", UP),
        },
    ),
    "36686268 lists with p-values, 'and a higher of'": (
        "High levels of Bifidobacteriaceae are associated with the pathogenesis of Parkinson's disease.",
        [
            "The meta-analysis showed a lower relative abundance of Prevotellaceae (p < 0.00001) and Lachnospiraceae "
            "(p = 0.002), and a higher of Ruminococcaceae (p < 0.00001), Christensenellaceae (p = 0.03), "
            "Bifidobacteriaceae (p < 0.00001), and Verrucomicrobiaceae (p = 0.02) in patients with PD."
        ],
        {
            ("Prevotellaceae", "parkinson", DOWN),
            ("Lachnospiraceae", "parkinson", DOWN),
            ("Ruminococcaceae", "parkinson", UP),
            ("Christensenellaceae", "parkinson", UP),
            ("Bifidobacteriaceae", "parkinson", UP),
            ("Verrucomicrobiaceae", "parkinson", UP),
        },
    ),
    "36593694 increased … and decreased … coordination": (
        "Gut microbiota dysbiosis in Parkinson disease: A systematic review and pooled analysis.",
        [
            "Increased shares of the genera Akkermansia and Bifidobacterium and decreased shares of the genera "
            "Roseburia and Faecalibacterium were most characteristic for PD-associated microbiota."
        ],
        {
            ("Akkermansia", "parkinson", UP),
            ("Bifidobacterium", "parkinson", UP),
            ("Roseburia", "parkinson", DOWN),
            ("Faecalibacterium", "parkinson", DOWN),
        },
    ),
    "28536926 parenthesised statistics, Escherichia-Shigella, Proteus": (
        "Structural changes of gut microbiota in Parkinson's disease and its correlation with clinical features.",
        [
            "The putative pathobionts from the genera Escherichia-Shigella (P=0.038), Streptococcus (P=0.01), "
            "Proteus (P=0.022), and Enterococcus (P=0.006) were significantly increased in PD subjects."
        ],
        {
            ("Escherichia-Shigella", "parkinson", UP),
            ("Streptococcus", "parkinson", UP),
            ("Proteus", "parkinson", UP),
            ("Enterococcus", "parkinson", UP),
        },
    ),
    # --- phylum–family–genus enumerations; non-significance
    "36719617 rank-by-rank results, 'decreased, but not significantly'": (
        "Altered gut microbiota in patients with idiopathic Parkinson's disease: an age-sex matched case-control "
        "study.",
        [
            "We observed a significant decrease of Firmicutes and a significant increase of Verrucomicrobiota at the "
            "phylum level.",
            "At the family level, Lactobacillaceae and Akkermansiaceae were significantly increased and "
            "Coriobacteriales Incertae Sedis were significantly decreased in the PD patients compared to their "
            "healthy spouses.",
            "We determined that the abundance of Prevotella genus decreased, but not significantly in PD patients.",
        ],
        # "Verrucomicrobiota" (2021 name) is reported under its taxid 74201's display name
        {
            ("Firmicutes", "parkinson", DOWN),
            ("Verrucomicrobia", "parkinson", UP),
            ("Lactobacillaceae", "parkinson", UP),
            ("Akkermansiaceae", "parkinson", UP),
            ("Coriobacteriales Incertae Sedis", "parkinson", DOWN),
            ("Prevotella", "parkinson", SAME),
        },
    ),
    "38421192 'increased, and the levels of … decreased'": (
        "Sleep deprivation-induced anxiety-like behaviors are associated with alterations in the gut microbiota and "
        "metabolites.",
        [
            "After SD, the richness of the gut bacterial community increased, and the levels of Akkermansia "
            "muciniphila, Muribaculum intestinale, and Bacteroides caecimuris decreased."
        ],
        {
            ("Akkermansia muciniphila", "anxiety", DOWN),
            ("Muribaculum intestinale", "anxiety", DOWN),
            ("Bacteroides caecimuris", "anxiety", DOWN),
        },
    ),
    "37147392 'Akkermansia, which is increased in PD'": (
        "Gastrointestinal disorders in Parkinson's disease and other Lewy body diseases.",
        [
            "First, Akkermansia, which is increased in PD, degrades the intestinal mucus layer and increases "
            "intestinal permeability, which triggers inflammation and oxidative stress in the intestinal neural "
            "plexus."
        ],
        {("Akkermansia", "parkinson", UP)},
    ),
    "39295905 coordinated predicate of the subject": (
        "The butyrate-producing and spore-forming bacterial genus Coprococcus as a potential biomarker for "
        "neurological disorders.",
        [
            "The species Coprococcus eutactus has the unique capacity to use two separate pathways for butyrate "
            "synthesis and has been found to be depleted in children with delayed language development and adults "
            "with Parkinson's disease."
        ],
        {("Coprococcus eutactus", "parkinson", DOWN)},
    ),
    # --- correlation with severity or symptom scores
    "34393849 correlation with symptom scores": (
        "Association Between Abundance of Haemophilus in the Gut Microbiota and Negative Symptoms of Schizophrenia.",
        [
            "Furthermore, Pearson's correlation analysis revealed that abundance of Haemophilus was positively "
            "correlated with negative psychiatric symptoms (r = 0.303, P = 0.021), while abundance of Coprococcus "
            "was negatively correlated with negative psychiatric symptoms (r = -0.285, P = 0.025)."
        ],
        {("Haemophilus", "schizophrenia", UP), ("Coprococcus", "schizophrenia", DOWN)},
    ),
    "35445772 the second of two coordinated correlations": (
        "Abnormal gut microbiota and bile acids in patients with first-episode major depressive disorder and "
        "correlation analysis.",
        [
            "Gut microbiota and its metabolite bile acids may play a significant role in the occurrence and "
            "development of major depressive disorder (MDD).",
            "Spearman correlation analysis showed that Turicibacteraceae, Turicibacterales, and Turicibacter were "
            "positively related with TLCA, GLCA, glycodeoxycholic acid (GDCA), and taurodeoxycholic acid, and were "
            "negatively correlated with HAMD score.",
        ],
        {("Turicibacteraceae", "depression", DOWN), ("Turicibacter", "depression", DOWN)},
    ),
    "35892042 'negative to depression score'": (
        "Marked shifts in gut microbial structure and neurotransmitter metabolism in fresh inmates revealed a close "
        "link between gut microbiota and mental health: A case-controlled study.",
        [
            "Correlation analysis revealed that Anaerotruncus and Prevotella were negative to depression score, and "
            "Enterococcus was negative to anxiety score."
        ],
        {("Anaerotruncus", "depression", DOWN), ("Prevotella", "depression", DOWN), ("Enterococcus", "anxiety", DOWN)},
    ),
    # --- Mendelian randomization and prognosis
    "37159496 odds ratio below 1": (
        "Associations between gut microbiota and Parkinson disease: A bidirectional Mendelian randomization analysis.",
        [
            "Genetically increased Bifidobacterium levels correlated with decreased PD risk (odds ratio = 0.77, 95% "
            "confidence interval [CI] = 0.60-0.99, p = 0.040)."
        ],
        {("Bifidobacterium", "parkinson", DOWN)},
    ),
    "35650236 baseline abundance predicting progression": (
        "Short chain fatty acids-producing and mucin-degrading intestinal bacteria predict the progression of early "
        "Parkinson's disease.",
        [
            "Decreases of short-chain fatty acid-producing genera, Fusicatenibacter, Faecalibacterium, and Blautia, "
            "as well as an increase of mucin-degrading genus Akkermansia, predicted accelerated disease progression."
        ],
        {
            ("Fusicatenibacter", "parkinson", DOWN),
            ("Faecalibacterium", "parkinson", DOWN),
            ("Blautia", "parkinson", DOWN),
            ("Akkermansia", "parkinson", UP),
        },
    ),
    # --- disorders: umbrella terms, coordination, local abbreviations
    "31952911 'psychotic and affective disorders' is three groups": (
        "Gut microbial changes of patients with psychotic and affective disorders: A systematic review.",
        [
            "The most consistent microbiota changes were a tendency towards higher abundance of Actinobacteria and "
            "lower abundance of Firmicutes at the phylum level, lower abundance of Lachnospiraceae at family level "
            "and lower abundance of Faecalibacterium at genus level for the mental disorders overall."
        ],
        {
            (taxon, group, direction)
            for group in ("psychosis", "bipolar", "depression")
            for taxon, direction in (
                ("Actinobacteria", UP),
                ("Firmicutes", DOWN),
                ("Lachnospiraceae", DOWN),
                ("Faecalibacterium", DOWN),
            )
        },
    ),
    "36651663 'PTSD + depression + anxiety' and a clause per locus": (
        "The gut-microbiota-brain axis in a Spanish population in the aftermath of the COVID-19 pandemic: microbiota "
        "composition linked to anxiety, trauma, and depression profiles.",
        [
            "Fusicatenibacter saccharivorans was reduced in individuals with comorbid PTSD + depression + state and "
            "trait anxiety symptoms, whilst an expansion of Proteobacteria and depletion of Synergistetes phyla were "
            "noted in individuals with depressive symptoms."
        ],
        {
            ("Fusicatenibacter saccharivorans", "ptsd", DOWN),
            ("Fusicatenibacter saccharivorans", "depression", DOWN),
            ("Fusicatenibacter saccharivorans", "anxiety", DOWN),
            ("Proteobacteria", "depression", UP),
            ("Synergistetes", "depression", DOWN),
        },
    ),
    "29870894 UHR defined as the start of 'ultra-high risk for psychosis'": (
        "Gut microbiome and magnetic resonance spectroscopy study of subjects at ultra-high risk for psychosis may "
        "support the membrane hypothesis.",
        [
            "To explore this, we collected fecal samples and performed Magnetic Resonance Spectroscopy (MRS) scans "
            "in 81 high risk (HR) subjects, 19 ultra-high risk (UHR) subjects and 69 health controls (HC).",
            "Presences of the orders Clostridiales, Lactobacillales and Bacteroidales were observed at increase "
            "levels in fecal samples of UHR subjects compared to the other two groups.",
        ],
        {("Clostridiales", "psychosis", UP), ("Lactobacillales", "psychosis", UP), ("Bacteroidales", "psychosis", UP)},
    ),
    "36516898 'METH users' through the abbreviation's long form": (
        "Effects of molecular hydrogen intervention on the gut microbiome in methamphetamine abusers with mental "
        "disorder.",
        [
            "Methamphetamine (METH) is a potent and highly addictive psychostimulant and one of the most widely used "
            "illicit drugs, the abuse of which has become a severe public health problem worldwide.",
            "The gut microbial composition in female METH users was also significantly altered, with reductions in "
            "hydrogen-producing bacteria, including Bacteroides and Roseburia.",
        ],
        {("Bacteroides", "substance", DOWN), ("Roseburia", "substance", DOWN)},
    ),
    # --- treatments, disease models and the states they act on
    "34444820 a probiotic's effect is no finding": (
        "Effects of Probiotic NVP-1704 on Mental Health and Sleep in Healthy Adults: An 8-Week Randomized, "
        "Double-Blind, Placebo-Controlled Trial.",
        [
            "Furthermore, NVP-1704 increased Bifidobacteriaceae and Lactobacillacea, whereas it decreased "
            "Enterobacteriaceae in the gut microbiota composition."
        ],
        set(),
    ),
    "37334756 the studied agent by its acronym": (
        "Fibroblast growth factor 21 ameliorates behavior deficits in Parkinson's disease mouse model via modulating "
        "gut microbiota and metabolic homeostasis.",
        [
            "In addition, FGF21 also re-structured the gut microbiota profile and increased the relative abundance "
            "of Clostridiales, Ruminococcaceae, and Lachnospiraceae, thereby rescuing the PD-induced metabolic "
            "disorders in the colon."
        ],
        set(),
    ),
    "33985520 'after FMT' frames the whole sentence": (
        "Evaluation of fecal microbiota transplantation in Parkinson's disease patients with constipation.",
        [
            "We observed an increased abundance of Blautia and Prevotella in PD patients after FMT, while the "
            "abundance of Bacteroidetes decreased dramatically."
        ],
        set(),
    ),
    "38582087 a metabolite measured alongside is not the cause": (
        "Gut bacteria-driven homovanillic acid alleviates depression by modulating synaptic integrity.",
        [
            "We observed depleted gut bacterial species, including Bifidobacterium longum and Roseburia "
            "intestinalis, and the neurotransmitter homovanillic acid (HVA) in individuals with depression and mouse "
            "depression models."
        ],
        {("Bifidobacterium longum", "depression", DOWN), ("Roseburia intestinalis", "depression", DOWN)},
    ),
    "28556833 'improved decreased levels' is the model's state": (
        "Blockade of interleukin-6 receptor in the periphery promotes rapid and sustained antidepressant actions: a "
        "possible role of gut-microbiota-brain axis.",
        [
            "Depression is a common, severe and chronic psychiatric disease.",
            "It also significantly improved decreased levels of Oscillospira in susceptible mice.",
        ],
        {("Oscillospira", "depression", DOWN)},
    ),
    "31405122 'the stress-induced decline' attenuated by a treatment": (
        "Health Benefits of Lactobacillus gasseri CP2305 Tablets in Young Adults Exposed to Chronic Stress: A "
        "Randomized, Double-Blind, Placebo-Controlled Study.",
        [
            "Furthermore, 16S rRNA gene sequencing of participant feces demonstrated that CP2305 administration "
            "attenuated the stress-induced decline of Bifidobacterium spp. and the stress-induced elevation of "
            "Streptococcus spp."
        ],
        {("Bifidobacterium", "stress", DOWN), ("Streptococcus", "stress", UP)},
    ),
    # --- aims, other comparisons and other exposures are not findings
    "30459574 an aim": (
        "Oral Probiotics Ameliorate the Behavioral Deficits Induced by Chronic Mild Stress in Mice via the Gut "
        "Microbiota-Inflammation Axis.",
        [
            "In this study, we explored the potential antidepressant efficacy of a multi-strain probiotics treatment "
            "(Lactobacillus helveticus R0052, Lactobacillus plantarum R1012, and Bifidobacterium longum R0175) in a "
            "chronic mild stress (CMS) mouse model of depression and determined its probable mechanism of action."
        ],
        set(),
    ),
    "34954497 patients compared with other patients": (
        "Altered gut microbiota in Parkinson's disease patients with motor complications.",
        [
            "We enrolled 223 patients with PD.",
            "After Bonferroni correction, patients with wearing-off showed decreased relative abundance of "
            "Lachnospiraceae Blautia (p < 0.0001) and increased relative abundance of Lactobacillaceae Lactobacillus "
            "(p < 0.0001), but patients with dyskinesia no longer showed significant changes in the gut microbiota.",
        ],
        set(),
    ),
    "38649365 associated with an exposure, not the disorder": (
        "Diet and the gut microbiome in patients with Parkinson's disease.",
        [
            "Conversely, higher added sugar intake was associated with an increase in putative pro-inflammatory "
            "bacteria, such as the genera Klebsiella."
        ],
        set(),
    ),
    # --- taxon forms: typos, database labels, strains
    "38229613 typos and a SILVA label written with a space": (
        "Dysbiosis of the Beneficial Gut Bacteria in Patients with Parkinson's Disease from India.",
        [
            "We found that certain bacterial families like Clostridia UCG 014, Cristensenellaceae, and "
            "Oscillospiraceae are higher in abundance, and Lachinospiracea, Coriobacteriaceae and genera associated "
            "with short-chain fatty acid production, Faecalibacterium, Fusicatenibacter, Roseburia and Blautia, are "
            "lower in abundance among PD cases when compared with the HC."
        ],
        {
            ("Clostridia UCG-014", "parkinson", UP),
            ("Christensenellaceae", "parkinson", UP),
            ("Oscillospiraceae", "parkinson", UP),
            ("Lachnospiraceae", "parkinson", DOWN),
            ("Coriobacteriaceae", "parkinson", DOWN),
            ("Faecalibacterium", "parkinson", DOWN),
            ("Fusicatenibacter", "parkinson", DOWN),
            ("Roseburia", "parkinson", DOWN),
            ("Blautia", "parkinson", DOWN),
        },
    ),
    "38010793 'Coprococcus 1' and 'Clostridium sp. BR31'": (
        "Multi-omics analyses demonstrate the modulating role of gut microbiota on the associations of unbalanced "
        "dietary intake with gastrointestinal symptoms in children with autism spectrum disorder.",
        [
            "More importantly, three increased microbiota including Turicibacter, Coprococcus 1, and Eggerthellaceae "
            "positively modulated the associations of unbalanced dietary intake with constipation and total GI "
            "symptoms, and the decreased Clostridium sp. BR31 negatively modulated their associations in ASD "
            "children (P-value <0.05)."
        ],
        {
            ("Turicibacter", "autism", UP),
            ("Coprococcus", "autism", UP),
            ("Eggerthellaceae", "autism", UP),
            ("Clostridium sp. BR31", "autism", DOWN),
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_construction(rules, case):
    title, sentences, expected = CASES[case]
    assert triples(run(rules, title, *sentences)) == expected


def test_subject_comes_from_the_sentence_or_the_abstract(rules):
    # PMID 28556833 (mice) and 36694359 (patients)
    mice = run(
        rules,
        *CASES["28556833 'improved decreased levels' is the model's state"][:1],
        *CASES["28556833 'improved decreased levels' is the model's state"][1],
    )
    people = run(rules, CASES["36694359 enriched in the HC group"][0], *CASES["36694359 enriched in the HC group"][1])
    assert {r.subject for r in mice} == {"animal"}
    assert {r.subject for r in people} == {"human"}


def test_hedged_findings_are_less_confident(rules):
    # PMID 32056905: "reduced Bacteroides may be more associated with the presence of anxiety"
    title = "Reduced anti-inflammatory gut microbiota are associated with depression and anhedonia."
    plain = run(
        rules,
        title,
        "Reduced or absent Clostridia was consistently seen in those with depression, independent of the presence of "
        "anxiety.",
    )
    hedged = run(
        rules,
        title,
        "Conversely, reduced Bacteroides may be more associated with the presence of anxiety, independent of the "
        "presence of depression.",
    )
    assert triples(plain) == {("Clostridia", "depression", DOWN)}
    assert triples(hedged) == {("Bacteroides", "anxiety", DOWN)}
    assert hedged[0].confidence < plain[0].confidence
