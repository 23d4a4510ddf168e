"""Facts the committed taxon gazetteer (`miner/pipelines/taxa/*.tsv.gz`) must hold.

Reads the committed gzip files only (not the PyPI packages they are built from), so it runs
anywhere. Imports: stdlib and pytest.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import pytest

TAXA_DIR = Path(__file__).resolve().parent.parent / "miner" / "pipelines" / "taxa"
KINDS = {"scientific", "synonym", "equivalent", "current", "plural", "vernacular"}
FLAGS = {"ambiguous_word", "short", "uppercase"}
DOMAIN_ROOTS = {2: "Bacteria", 2157: "Archaea", 4751: "Fungi"}


def read_tsv(name: str) -> tuple[list[str], list[list[str]]]:
    with gzip.open(TAXA_DIR / name, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    return lines[0].split("\t"), [line.split("\t") for line in lines[1:]]


@pytest.fixture(scope="module")
def taxa() -> dict[int, tuple[int, str, str, str]]:
    header, rows = read_tsv("taxa.tsv.gz")
    assert header == ["taxid", "parent_taxid", "rank", "name", "domain"]
    table = {}
    for taxid, parent, rank, name, domain in rows:
        assert int(taxid) not in table, f"taxid {taxid} twice"
        table[int(taxid)] = (int(parent), rank, name, domain)
    return table


@pytest.fixture(scope="module")
def names() -> list[tuple[str, int, str, frozenset[str]]]:
    header, rows = read_tsv("names.tsv.gz")
    assert header == ["name", "taxid", "kind", "flags"]
    return [(name, int(taxid), kind, frozenset(filter(None, flags.split(",")))) for name, taxid, kind, flags in rows]


@pytest.fixture(scope="module")
def by_name(names) -> dict[str, list[tuple[int, str, frozenset[str]]]]:
    """Lower-cased name → (taxid, kind, flags) rows: the recognizer matches case-insensitively."""
    index = defaultdict(list)
    for name, taxid, kind, flags in names:
        index[name.lower()].append((taxid, kind, flags))
    return index


def taxids(by_name, name: str) -> set[int]:
    return {taxid for taxid, _, _ in by_name.get(name.lower(), [])}


def lineage(taxa, taxid: int) -> list[int]:
    path = []
    while taxid:
        path.append(taxid)
        assert len(path) < 80, f"cycle above {path[0]}"
        taxid = taxa[taxid][0]
    return path


def test_every_parent_resolves_and_lineages_end_at_a_domain_root(taxa):
    for taxid, (parent, _, _, domain) in taxa.items():
        assert parent == 0 or parent in taxa, f"parent {parent} of {taxid} missing"
        assert lineage(taxa, taxid)[-1] == next(k for k, v in DOMAIN_ROOTS.items() if v == domain)
    assert {t for t, row in taxa.items() if row[0] == 0} == set(DOMAIN_ROOTS)


def test_every_name_points_at_a_taxon_and_uses_the_vocabulary(taxa, names):
    assert len(names) > 100_000
    for name, taxid, kind, flags in names:
        assert taxid in taxa, (name, taxid)
        assert kind in KINDS, (name, kind)
        assert flags <= FLAGS, (name, flags)
        assert name == name.strip() and name


def test_faecalibacterium_lineage_reaches_firmicutes(taxa, by_name):
    assert taxa[216851][1:3] == ("genus", "Faecalibacterium")
    assert 1239 in lineage(taxa, 216851)
    assert taxids(by_name, "Faecalibacterium") == {216851}
    assert taxa[853][1:3] == ("species", "Faecalibacterium prausnitzii")
    assert taxa[853][0] == 216851
    assert taxids(by_name, "Faecalibacterium prausnitzii") == {853}


@pytest.mark.parametrize(
    ("old", "new", "taxid"),
    [
        ("Firmicutes", "Bacillota", 1239),
        ("Bacteroidetes", "Bacteroidota", 976),
        ("Proteobacteria", "Pseudomonadota", 1224),
        ("Actinobacteria", "Actinomycetota", 201174),
        ("Prevotella copri", "Segatella copri", 165179),
    ],
)
def test_2019_and_2025_names_share_one_taxid(by_name, old, new, taxid):
    assert taxids(by_name, new) == {taxid}
    assert taxid in taxids(by_name, old)
    kinds = {kind for t, kind, _ in by_name[new.lower()] if t == taxid}
    assert kinds == {"current"}


@pytest.mark.parametrize(
    ("name", "taxid", "rank", "domain"),
    [
        ("Akkermansia muciniphila", 239935, "species", "Bacteria"),
        ("Eggerthella", 84111, "genus", "Bacteria"),
        ("Candida", 5475, "genus", "Fungi"),
        ("Coprococcus", 33042, "genus", "Bacteria"),
        ("Lachnospiraceae", 186803, "family", "Bacteria"),
        ("[Eubacterium] rectale", 39491, "species", "Bacteria"),
        ("Methanobrevibacter smithii", 2173, "species", "Archaea"),
        ("Bacillus cereus group", 86661, "species group", "Bacteria"),
    ],
)
def test_gut_taxa_are_named(taxa, by_name, name, taxid, rank, domain):
    assert taxid in taxids(by_name, name)
    assert taxa[taxid][1] == rank
    assert taxa[taxid][3] == domain


def test_spelling_variants(by_name):
    assert taxids(by_name, "Eubacterium rectale") == {39491}  # brackets dropped
    assert taxids(by_name, "Agathobacter rectalis") == {39491}  # its 2025 name
    assert taxids(by_name, "Candidatus Arthromitus") == taxids(by_name, "Arthromitus") == {49082}


def test_latin_plurals(by_name):
    assert "plural" in {kind for taxid, kind, _ in by_name["lactobacilli"] if taxid == 1578}
    assert taxids(by_name, "lactobacilli") == {1578}
    assert taxids(by_name, "bifidobacteria") == {1678}
    # "Bacilli" is a class: never the plural of Bacillus (1386).
    assert 1386 not in taxids(by_name, "bacilli")
    assert taxids(by_name, "enterobacteria") == {543}


def test_ambiguity_flags(names, by_name):
    assert all("ambiguous_word" in flags for taxid, _, flags in by_name["tuber"] if taxid == 36048)
    assert any(taxid == 36048 for taxid, _, _ in by_name["tuber"])
    assert all("ambiguous_word" in flags for _, _, flags in by_name["coma"])
    for plain in ("faecalibacterium", "bacteroides", "lactobacillus", "candida"):
        assert not any(flags for _, _, flags in by_name[plain]), plain
    for name, _, _, flags in names:
        letters = [ch for ch in name if ch.isalpha()]
        if letters and name == name.upper():
            assert "uppercase" in flags, name
        if len(name) <= 3:
            assert "short" in flags, name


def test_no_informal_or_generic_names(by_name):
    for lower in by_name:
        for bad in (" sp.", "uncultured", "unclassified", " bacterium", "metagenome", " clone"):
            assert bad not in lower, lower
    for generic in ("bacteria", "archaea", "fungi", "root", "cellular organisms"):
        assert generic not in by_name, generic


def test_files_are_reproducible_gzip():
    """Built with mtime 0, so a rebuild from the same packages gives the same bytes."""
    for name in ("taxa.tsv.gz", "names.tsv.gz"):
        header = (TAXA_DIR / name).read_bytes()[:10]
        assert header[:2] == b"\x1f\x8b"
        assert header[4:8] == b"\x00\x00\x00\x00", f"{name} carries a timestamp"
