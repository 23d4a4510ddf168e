"""Checks on the disorder lexicon `miner/pipelines/disorders.jsonl` (format and rules: `miner/pipelines/DISORDERS.md`).

The table below is a copy of the disorder table in the annotation guidelines
(shared/data/gold/GUIDELINES.md); the test reads only the repository.
Imports: stdlib and pytest.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

LEXICON = Path(__file__).resolve().parent.parent / "miner" / "pipelines" / "disorders.jsonl"

# group -> MeSH descriptors, as in the guidelines' table
TABLE: dict[str, tuple[str, ...]] = {
    "depression": ("D003863", "D003865", "D003866", "D019052"),
    "anxiety": ("D001007", "D001008"),
    "bipolar": ("D001714",),
    "schizophrenia": ("D012559",),
    "psychosis": ("D011618",),
    "autism": ("D000067877", "D001321"),
    "adhd": ("D001289",),
    "ptsd": ("D013313",),
    "ocd": ("D009771",),
    "eating": ("D000856", "D052018", "D056912", "D001068"),
    "alcohol": ("D000437",),
    "substance": ("D019966", "D009293"),
    "insomnia": ("D007319", "D012893"),
    "stress": ("D013315",),
    "cognitive": ("D060825", "D003704"),
    "alzheimer": ("D000544",),
    "parkinson": ("D010300",),
    "ms": ("D009103",),
    "epilepsy": ("D004827",),
}
KEYS = {"mesh", "name", "group", "terms", "abbreviations", "adjectives", "models", "exclude_contexts", "notes"}
HYPHENS = "-\u2010\u2011\u2012\u2013\u2014\u2212"


def norm(form: str) -> str:
    """The matcher's view of a form: lower case, hyphens as spaces, '/' as its own token, one space."""
    form = form.lower().replace("\u2019", "'")
    for h in HYPHENS:
        form = form.replace(h, " ")
    return " ".join(form.replace("/", " / ").split())


@pytest.fixture(scope="module")
def entries() -> list[dict]:
    lines = LEXICON.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def term_index(entries) -> dict[str, str]:
    return {norm(t): e["mesh"] for e in entries for t in e["terms"]}


def test_every_descriptor_of_the_table_once_with_its_group(entries):
    meshes = Counter(e["mesh"] for e in entries)
    assert [m for m, n in meshes.items() if n > 1] == []
    want = {mesh: group for group, descriptors in TABLE.items() for mesh in descriptors}
    assert {e["mesh"]: e["group"] for e in entries} == want


def test_schema(entries):
    for e in entries:
        assert set(e) == KEYS, e["mesh"]
        assert re.fullmatch(r"D\d{6}(\d{3})?", e["mesh"])
        assert isinstance(e["notes"], str) and e["notes"].strip(), e["mesh"]
        for key in ("terms", "adjectives", "models", "exclude_contexts"):
            assert isinstance(e[key], list) and all(isinstance(x, str) for x in e[key]), (e["mesh"], key)
        assert e["terms"], e["mesh"]
        for a in e["abbreviations"]:
            assert set(a) == {"abbr", "standalone"} and isinstance(a["standalone"], bool), a


def test_name_is_display_form_and_a_term(entries):
    for e in entries:
        assert e["name"] == e["name"].strip() and e["name"]
        assert e["name"].lower() in e["terms"], e["mesh"]
        # lower case except proper nouns (Alzheimer, Parkinson)
        assert (
            re.sub(r"\b(Alzheimer|Parkinson)'s\b", "", e["name"])
            == re.sub(r"\b(Alzheimer|Parkinson)'s\b", "", e["name"]).lower()
        ), e["name"]


def test_forms_are_lowercase_trimmed_and_nonempty(entries):
    for e in entries:
        for key in ("terms", "adjectives", "models", "exclude_contexts"):
            for form in e[key]:
                assert form and form == form.strip() and form == form.lower(), (e["mesh"], key, form)
                assert "  " not in form and "\u2019" not in form, form


def test_no_surface_form_under_two_descriptors(entries):
    seen: dict[str, str] = {}
    clashes = []
    for e in entries:
        for form in e["terms"]:
            key = norm(form)
            if key in seen:  # also catches 'x-y' listed beside 'x y' in one descriptor: list one
                clashes.append((form, seen[key], e["mesh"]))
            seen[key] = e["mesh"]
    assert clashes == []


def test_adjectives_models_and_abbreviations_are_unique(entries, term_index):
    adjectives = Counter(norm(a) for e in entries for a in e["adjectives"])
    assert [a for a, n in adjectives.items() if n > 1] == []
    assert [a for a in adjectives if a in term_index] == []
    models = Counter(norm(m) for e in entries for m in e["models"])
    assert [m for m, n in models.items() if n > 1] == []
    assert [m for m in models if m in term_index] == [], "a model name must not also be a term"
    abbrs = Counter(a["abbr"] for e in entries for a in e["abbreviations"])
    assert [a for a, n in abbrs.items() if n > 1] == []


def test_abbreviations_are_written_in_capitals(entries):
    for e in entries:
        for a in e["abbreviations"]:
            abbr = a["abbr"]
            # capitals, digits, '/' or '-', after at most a two-letter lower-case prefix (aMCI, iRBD, pwMS)
            assert re.fullmatch(r"[a-z]{0,2}[A-Z][A-Z0-9/\-]*[A-Z0-9]", abbr), abbr
            assert sum(c.isupper() for c in abbr) >= 2, abbr


@pytest.mark.parametrize(
    "form, mesh",
    [
        ("depression", "D003863"),
        ("depressive symptoms", "D003863"),
        ("depressive-like behavior", "D003863"),
        ("depression-like behaviour", "D003863"),
        ("major depressive disorder", "D003865"),
        ("major depression", "D003865"),
        ("depressive disorder", "D003866"),
        ("postpartum depression", "D019052"),
        ("anxiety", "D001007"),
        ("anxiety-like behaviour", "D001007"),
        ("anxiety symptoms", "D001007"),
        ("anxiety disorders", "D001008"),
        ("generalized anxiety disorder", "D001008"),
        ("panic disorder", "D001008"),
        ("social anxiety disorder", "D001008"),
        ("bipolar disorder", "D001714"),
        ("bipolar depression", "D001714"),
        ("schizophrenia", "D012559"),
        ("dementia praecox", "D012559"),
        ("psychotic symptoms", "D011618"),
        ("ultra-high risk for psychosis", "D011618"),
        ("autism spectrum disorder", "D000067877"),
        ("pervasive developmental disorder", "D000067877"),
        ("autism", "D001321"),
        ("autistic disorder", "D001321"),
        ("autistic-like behavior", "D001321"),
        ("attention-deficit/hyperactivity disorder", "D001289"),
        ("post-traumatic stress disorder", "D013313"),
        ("posttraumatic stress disorder", "D013313"),
        ("obsessive-compulsive disorder", "D009771"),
        ("anorexia nervosa", "D000856"),
        ("bulimia nervosa", "D052018"),
        ("binge-eating disorder", "D056912"),
        ("eating disorders", "D001068"),
        ("alcohol use disorder", "D000437"),
        ("alcohol dependence", "D000437"),
        ("substance use disorder", "D019966"),
        ("methamphetamine use disorder", "D019966"),
        ("opioid use disorder", "D009293"),
        ("insomnia", "D007319"),
        ("sleep disturbances", "D012893"),
        ("psychological stress", "D013315"),
        ("stress-related disorders", "D013315"),
        ("mild cognitive impairment", "D060825"),
        ("cognitive impairment", "D060825"),
        ("cognitive decline", "D060825"),
        ("dementia", "D003704"),
        ("alzheimer's disease", "D000544"),
        ("alzheimer disease", "D000544"),
        ("alzheimer's dementia", "D000544"),
        ("parkinson's disease", "D010300"),
        ("parkinson disease", "D010300"),
        ("parkinsons disease", "D010300"),
        ("multiple sclerosis", "D009103"),
        ("epilepsy", "D004827"),
    ],
)
def test_specific_mappings(term_index, form, mesh):
    assert term_index.get(norm(form)) == mesh


def test_hyphen_and_space_forms_are_one_form(term_index):
    # the matcher treats hyphen and space alike, so either spelling finds the listed form
    assert term_index[norm("anxiety like behaviour")] == "D001007"
    assert term_index[norm("obsessive compulsive disorder")] == "D009771"


@pytest.mark.parametrize(
    "form",
    [
        "stress",
        "oxidative stress",
        "anorexia",
        "seizures",
        "seizure",
        "bipolar",
        "sclerosis",
        "hyperactivity",
        "parkinsonism",
        "postpartum",
        "sleep deprivation",
        "affective disorders",
        "mood disorders",
        "anhedonia",
        "experimental autoimmune encephalomyelitis",
        "eae",
        "cums",
        "chronic unpredictable mild stress",
        "mptp",
        "app/ps1",
        "obstructive sleep apnea",
        "irritable bowel syndrome",
        "obesity",
        "amyotrophic lateral sclerosis",
        "neurodegenerative diseases",
        "psychiatric disorders",
    ],
)
def test_not_a_term(term_index, form):
    assert norm(form) not in term_index


def test_us_and_uk_spellings_come_in_pairs(entries):
    for e in entries:
        terms = set(e["terms"])
        for t in terms:
            if "behavior" in t:
                assert t.replace("behavior", "behaviour") in terms, t
            if "behaviour" in t:
                assert t.replace("behaviour", "behavior") in terms, t
            if "generalized" in t:
                assert t.replace("generalized", "generalised") in terms, t


def test_abbreviation_policy(entries):
    policy = {a["abbr"]: (a["standalone"], e["mesh"]) for e in entries for a in e["abbreviations"]}
    for abbr, mesh in [
        ("MDD", "D003865"),
        ("ADHD", "D001289"),
        ("PTSD", "D013313"),
        ("OCD", "D009771"),
        ("ASD", "D000067877"),
        ("MCI", "D060825"),
        ("SCZ", "D012559"),
    ]:
        assert policy[abbr] == (True, mesh), abbr
    for abbr, mesh in [
        ("PD", "D010300"),
        ("AD", "D000544"),
        ("MS", "D009103"),
        ("BD", "D001714"),
        ("AN", "D000856"),
        ("BED", "D056912"),
        ("GAD", "D001008"),
        ("SZ", "D012559"),
        ("PPD", "D019052"),
    ]:
        assert policy[abbr] == (False, mesh), abbr


def test_exclude_contexts_contain_a_form_of_their_descriptor(entries):
    for e in entries:
        forms = [norm(f) for f in e["terms"] + e["adjectives"]]
        for context in e["exclude_contexts"]:
            padded = f" {norm(context)} "
            assert any(f" {f} " in padded for f in forms), (e["mesh"], context)
            assert norm(context) not in forms, (e["mesh"], context)


def test_physiological_depression_is_excluded(entries):
    depression = next(e for e in entries if e["mesh"] == "D003863")
    contexts = {norm(c) for c in depression["exclude_contexts"]}
    for context in ("respiratory depression", "synaptic depression", "long-term depression"):
        assert norm(context) in contexts
