"""A synthetic but realistic miner database of N relations over real taxa and disorders, for benchmarks.

`build(url, relations)` creates the real schema (`Database.open`, i.e. the Alembic migrations) in an
empty SQLite or PostgreSQL database and fills it fast: ~3,000 bacterial taxa of the gazetteer
(`miner/pipelines/taxa/taxa.tsv.gz`, lineages walked from their parents) with a Zipf-like frequency,
well-known gut taxa at the head and several genera/species under the head families and genera;
all disorders of `miner/pipelines/disorders.jsonl`, skewed towards depression, Parkinson's, autism…;
about N/4 articles (8-digit PMIDs rising with the Entrez date, 2005 to `asof`, skewed to recent
years; ~10% reviews, ~0.2% retracted; study facts — design, host, body site, method, country,
participants — drawn per article) with 1–8 relations each, whose evidence sentences carry
correct taxon/disorder/trigger offsets. Then one curator, ~1,000 verdicts with their audit events,
`miner.conflicts.refresh` over every key, and ANALYZE (VACUUM ANALYZE on PostgreSQL); each step is timed.
Rows go in with SQLAlchemy Core executemany (SQLite) or psycopg's COPY (PostgreSQL), one transaction per
~50,000 relations. The same seed and `asof` give the same database.

`sample_queries(url)` reads a built database back and returns realistic query parameters
(common taxa, a family and a phylum with many descendants, disorder groups, MeSH ids, existing
taxon–disorder pairs, PMIDs, conflict ids) for a latency benchmark. Conflict ids depend on the
order `refresh` creates them in, which varies between runs: take them from here, never hard-code them.

    python bench/synthetic.py URL [--relations N] [--seed S] [--asof YYYY-MM-DD] [--executemany] [--samples]

Imports: stdlib, SQLAlchemy, psycopg (PostgreSQL only), and `miner` (store, accounts, conflicts).
Nothing in `miner` imports this module.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# run as a script (python bench/synthetic.py): put the project on sys.path before importing miner,
# hence the late imports below (noqa: E402)
sys.path.insert(0, str(ROOT))

from sqlalchemy import JSON, Connection, Table, func, select, text  # noqa: E402

from miner.accounts import create_user  # noqa: E402
from miner.conflicts import refresh  # noqa: E402
from miner.errors import MinerError  # noqa: E402
from miner.store.claims import VERDICTS  # noqa: E402
from miner.store.database import Database  # noqa: E402
from miner.store.models import (  # noqa: E402
    Article,
    AuditEvent,
    Conflict,
    Disorder,
    IngestRun,
    Relation,
    StudyFact,
    Taxon,
    User,
    Verdict,
)
from miner.taxon_tree import TreeNode as Node  # noqa: E402
from miner.taxon_tree import read_nodes  # noqa: E402

TAXA_FILE = ROOT / "miner" / "pipelines" / "taxa" / "taxa.tsv.gz"
DISORDERS_FILE = ROOT / "miner" / "pipelines" / "disorders.jsonl"
PIPELINE_VERSION = "synthetic"
BATCH_RELATIONS = 50_000
TAXA_WANTED = 3_000
VERDICTS_WANTED = 1_000
CURATOR, CURATOR_PASSWORD = "curator", "synthetic-verdicts-1"
RANKS = ("phylum", "class", "order", "family", "genus", "species")
GUT_PHYLA = {
    1239,
    976,
    201174,
    1224,
    74201,
}  # Firmicutes, Bacteroidetes, Actinobacteria, Proteobacteria, Verrucomicrobia

# The head of the frequency list, most common first ("A|B": the first name the gazetteer has).
HEAD_TAXA = (
    "Faecalibacterium",
    "Bacteroides",
    "Lactobacillus",
    "Bifidobacterium",
    "Prevotella",
    "Firmicutes",
    "Bacteroidetes|Bacteroidota",
    "Akkermansia",
    "Lachnospiraceae",
    "Ruminococcaceae",
    "Roseburia",
    "Blautia",
    "Alistipes",
    "Ruminococcus",
    "Proteobacteria|Pseudomonadota",
    "Actinobacteria|Actinomycetota",
    "Escherichia",
    "Coprococcus",
    "Enterobacteriaceae",
    "Clostridium",
    "Streptococcus",
    "Faecalibacterium prausnitzii",
    "Akkermansia muciniphila",
    "Eggerthella",
    "Prevotellaceae",
    "Parabacteroides",
    "Dialister",
    "Sutterella",
    "Collinsella",
    "Veillonella",
    "Desulfovibrio",
    "Enterococcus",
    "Klebsiella",
    "Bacteroidaceae",
    "Bifidobacteriaceae",
    "Lactobacillaceae",
    "Escherichia coli",
    "Bacteroides fragilis",
    "Prevotella copri",
    "Verrucomicrobia",
    "Clostridia",
    "Clostridiales",
    "Bacteroidales",
    "Gammaproteobacteria",
    "Erysipelotrichaceae",
    "Oscillospira",
    "Dorea",
    "Anaerostipes",
    "Subdoligranulum",
    "Fusobacterium",
    "Phascolarctobacterium",
    "Megamonas",
    "Odoribacter",
    "Butyricimonas",
    "Christensenellaceae",
    "Veillonellaceae",
    "Muribaculaceae",
    "Rikenellaceae",
    "Desulfovibrionaceae",
    "Streptococcaceae",
    "Oscillospiraceae",
    "Eubacterium",
    "[Eubacterium] rectale",
    "[Ruminococcus] gnavus",
    "Bifidobacterium longum",
    "Lactobacillus rhamnosus",
    "Lactobacillus reuteri",
    "Lactobacillus plantarum",
    "Bifidobacterium breve",
    "Clostridioides difficile",
    "Bacteroides vulgatus",
    "Helicobacter pylori",
    "Streptococcus thermophilus",
    "Haemophilus",
    "Bilophila",
    "Holdemania",
    "Turicibacter",
    "Romboutsia",
    "Flavonifractor",
    "Hungatella",
    "Lachnoclostridium",
    "Megasphaera",
    "Staphylococcus",
    "Bacillus",
    "Enterobacter",
    "Shigella",
    "Citrobacter",
    "Proteus",
    "Morganella",
    "Actinomyces",
    "Rothia",
    "Atopobium",
    "Intestinibacter",
    "Sellimonas",
    "Sutterellaceae",
    "Porphyromonadaceae",
)
# Relative frequency of each MeSH descriptor; those not listed get DEFAULT_DISORDER_WEIGHT.
DISORDER_WEIGHTS = {
    "D003863": 20,
    "D010300": 14,
    "D000067877": 13,
    "D012559": 11,
    "D001007": 10,
    "D000544": 10,
    "D003865": 9,
    "D001714": 5,
    "D001321": 4,
    "D060825": 4,
    "D009103": 4,
    "D013315": 4,
    "D001008": 3,
    "D003704": 3,
    "D001289": 3,
    "D003866": 3,
    "D004827": 3,
    "D013313": 2,
    "D009771": 1.5,
    "D000856": 1.5,
    "D011618": 1.5,
    "D007319": 1.5,
    "D000437": 1.5,
    "D019966": 1,
}
DEFAULT_DISORDER_WEIGHT = 0.6
JOURNALS = (  # (name, DOI prefix, weight)
    ("Brain, Behavior, and Immunity", "10.1016/j.bbi", 8),
    ("Gut Microbes", "10.1080/19490976", 7),
    ("Microbiome", "10.1186/s40168", 5),
    ("Frontiers in Psychiatry", "10.3389/fpsyt", 7),
    ("Frontiers in Microbiology", "10.3389/fmicb", 7),
    ("Frontiers in Cellular and Infection Microbiology", "10.3389/fcimb", 4),
    ("Translational Psychiatry", "10.1038/s41398", 6),
    ("Molecular Psychiatry", "10.1038/s41380", 4),
    ("Journal of Affective Disorders", "10.1016/j.jad", 6),
    ("Psychiatry Research", "10.1016/j.psychres", 4),
    ("Nutrients", "10.3390/nu", 6),
    ("Scientific Reports", "10.1038/s41598", 6),
    ("PLoS One", "10.1371/journal.pone", 5),
    ("Gut", "10.1136/gutjnl", 2),
    ("Neurogastroenterology and Motility", "10.1111/nmo", 3),
    ("Movement Disorders", "10.1002/mds", 3),
    ("NPJ Parkinson's Disease", "10.1038/s41531", 3),
    ("Journal of Alzheimer's Disease", "10.3233/JAD", 3),
    ("Autism Research", "10.1002/aur", 3),
    ("Molecular Autism", "10.1186/s13229", 2),
    ("Schizophrenia Research", "10.1016/j.schres", 2),
    ("Psychoneuroendocrinology", "10.1016/j.psyneuen", 2),
    ("Nature Communications", "10.1038/s41467", 1),
    ("Cell Reports", "10.1016/j.celrep", 1),
    ("mSystems", "10.1128/msystems", 2),
    ("Microbiology Spectrum", "10.1128/spectrum", 3),
    ("Beneficial Microbes", "10.3920/BM", 2),
    ("Journal of Psychiatric Research", "10.1016/j.jpsychires", 3),
    ("BMC Psychiatry", "10.1186/s12888", 2),
    ("International Journal of Molecular Sciences", "10.3390/ijms", 4),
    ("Biological Psychiatry", "10.1016/j.biopsych", 1),
)
SURNAMES = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Müller",
    "Schmidt",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Martin",
    "Kim",
    "Park",
    "Lee",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Cryan",
    "Dinan",
    "Clarke",
    "O'Mahony",
    "Nielsen",
    "Jensen",
    "Andersson",
    "Silva",
    "Santos",
    "Kowalski",
    "Ivanova",
    "Novak",
    "Cohen",
    "Levi",
    "Patel",
    "Singh",
    "Kumar",
    "Ahmed",
    "Hassan",
    "Nguyen",
    "Tran",
    "Lopez",
)
TRIGGERS = {  # direction → (adjective-like trigger for "was … in", trigger for "showed … abundance of")
    "increased": (
        ("higher", "enriched", "increased", "more abundant", "elevated"),
        ("increased", "higher", "elevated"),
    ),
    "decreased": (("lower", "depleted", "decreased", "less abundant", "reduced"), ("decreased", "lower", "reduced")),
}
SENTENCES = {  # (subject, kind) → templates; kind "was" and "showed" take a trigger of TRIGGERS
    ("human", "was"): (
        "{taxon} was significantly {trigger} in patients with {disorder} than in healthy controls.",
        "{taxon} was {trigger} in the {disorder} group (p < 0.05).",
        "{taxon} was {trigger} in individuals with {disorder} compared with matched controls.",
    ),
    ("human", "showed"): (
        "Compared with healthy controls, patients with {disorder} showed {trigger} relative abundance of {taxon}.",
        "Fecal samples from individuals with {disorder} had {trigger} levels of {taxon}.",
    ),
    ("human", "unchanged"): (
        "{taxon} abundance {trigger} between patients with {disorder} and healthy controls.",
        "The abundance of {taxon} {trigger} between the {disorder} and control groups.",
    ),
    ("animal", "was"): (
        "{taxon} was markedly {trigger} in a mouse model of {disorder} compared with wild-type littermates.",
        "In rats exposed to a model of {disorder}, {taxon} was {trigger} in faecal samples.",
    ),
    ("animal", "showed"): ("Mice with {disorder}-like behaviour showed {trigger} abundance of {taxon} in the caecum.",),
    ("animal", "unchanged"): ("In a mouse model of {disorder}, {taxon} {trigger} relative to control mice.",),
}
UNCHANGED_TRIGGERS = ("did not differ", "did not differ significantly", "was not altered")
TITLES = {
    "primary": (
        "Altered abundance of {taxon} in patients with {disorder}",
        "Gut microbiota alterations in {disorder}: {taxon} and beyond",
        "{taxon} and the gut-brain axis in {disorder}: a case-control study",
        "Fecal microbiome composition and {taxon} in {disorder}",
    ),
    "animal": (
        "{taxon} modulates {disorder}-like behaviour in mice",
        "Gut dysbiosis and {taxon} in a rodent model of {disorder}",
    ),
    "review": (
        "The gut microbiome in {disorder}: a systematic review and meta-analysis",
        "Microbiota-gut-brain axis in {disorder}: the role of {taxon}. A narrative review",
        "{taxon} in {disorder}: a systematic review",
    ),
}
SLOT = re.compile(r"(\{taxon\}|\{disorder\}|\{trigger\})")


def _parse(template: str) -> tuple[str, ...]:
    return tuple(part for part in SLOT.split(template) if part)


def fill(parts: tuple[str, ...], values: dict[str, str]) -> tuple[str, dict[str, tuple[int, int]]]:
    """The template filled in, and the (start, end) of each slot in it."""
    out, spans, position = [], {}, 0
    for part in parts:
        piece = values.get(part, part)
        if piece is not part:
            spans[part] = (position, position + len(piece))
        out.append(piece)
        position += len(piece)
    return "".join(out), spans


PARSED_SENTENCES = {key: tuple(_parse(t) for t in templates) for key, templates in SENTENCES.items()}
PARSED_TITLES = {key: tuple(_parse(t) for t in templates) for key, templates in TITLES.items()}


# ---- taxa and disorders ---------------------------------------------------------------------


def load_nodes(path: Path = TAXA_FILE) -> dict[int, Node]:
    return read_nodes(str(path))


def lineage(nodes: dict[int, Node], taxid: int) -> list[int]:
    """Ancestors root-first down to `taxid` itself (as miner's taxonomy gives them)."""
    chain, current = [], taxid
    while current and current in nodes and current not in chain:
        chain.append(current)
        current = nodes[current].parent
    return chain[::-1]


def _formal(node: Node) -> bool:
    return node.domain == "Bacteria" and node.rank in RANKS and not re.search(r"\d| sp\.|^Candidatus ", node.name)


def choose_taxa(nodes: dict[int, Node], rng: random.Random, wanted: int = TAXA_WANTED) -> list[int]:
    """Taxids, most frequent first: the head list, then relatives of the head, then other bacteria."""
    by_name: dict[str, list[Node]] = defaultdict(list)
    children: dict[int, list[int]] = defaultdict(list)
    for node in nodes.values():
        if node.domain == "Bacteria" and node.rank in RANKS:
            by_name[node.name.lower()].append(node)
            children[node.parent].append(node.taxid)
    chosen: list[int] = []
    for names in HEAD_TAXA:
        found = next((by_name[n.lower()] for n in names.split("|") if by_name.get(n.lower())), None)
        if found:  # "Actinobacteria" is a class and a phylum: take the higher rank
            pick = min(found, key=lambda n: RANKS.index(n.rank)).taxid
            if pick not in chosen:
                chosen.append(pick)
    head = set(chosen)
    satellites: list[int] = []
    for taxid in chosen[:70]:
        rank = nodes[taxid].rank
        below = [c for c in sorted(children[taxid]) if _formal(nodes[c])]
        picked = rng.sample(below, min(len(below), {"family": 8, "genus": 6}.get(rank, 5)))
        for child in picked:
            satellites.append(child)
            if nodes[child].rank == "genus":
                species = [c for c in sorted(children[child]) if _formal(nodes[c])]
                satellites += rng.sample(species, min(len(species), 2))
    satellites = list(dict.fromkeys(t for t in satellites if t not in head))
    taken = head | set(satellites)
    pool = sorted(t for t, n in nodes.items() if _formal(n) and t not in taken)
    gut_set = {t for t in pool if GUT_PHYLA.intersection(lineage(nodes, t))}
    gut, other = [t for t in pool if t in gut_set], [t for t in pool if t not in gut_set]
    by_rank = {key: defaultdict(list) for key in ("gut", "other")}
    for key, taxa in (("gut", gut), ("other", other)):
        for t in taxa:
            by_rank[key][nodes[t].rank].append(t)
    quotas = (("species", 0.55), ("genus", 0.30), ("family", 0.08), ("order", 0.04), ("class", 0.02), ("phylum", 0.01))
    filler: list[int] = []
    need = max(0, wanted - len(chosen) - len(satellites))
    for rank, share in quotas:
        n_rank = round(need * share)
        n_gut = round(n_rank * 0.75)
        for key, n in (("gut", n_gut), ("other", n_rank - n_gut)):
            source = by_rank[key][rank]
            filler += rng.sample(source, min(n, len(source)))
    if len(filler) < need:  # rounding, or a rank that ran short: top up with gut taxa of any rank
        spare = sorted(set(gut) - set(filler))
        filler += rng.sample(spare, min(need - len(filler), len(spare)))
    rest = satellites + filler
    # satellites lead the tail, loosely mixed with the first of the rest
    rest = [t for _, t in sorted((i + rng.uniform(0, 300), t) for i, t in enumerate(rest))]
    return (chosen + rest)[:wanted]


def load_disorders(path: Path = DISORDERS_FILE) -> list[dict]:
    """The disorders, each with the other ways sentences name it: `variants` (real synonyms, not
    spelling or plural variants of the name) and `abbreviations_used` (standalone ones)."""

    def folded(term: str) -> str:
        return re.sub(r"'s\b|'|s\b", "", term.lower())

    with open(path, encoding="utf-8") as handle:
        disorders = [json.loads(line) for line in handle if line.strip()]
    for disorder in disorders:
        terms, seen = disorder["terms"], {folded(disorder["name"])}
        plural = {t for t in terms if t.endswith("s") and (t[:-1] in terms or t[:-2] in terms or t[:-3] + "y" in terms)}
        variants = [t for t in terms[:8] if t not in plural and folded(t) not in seen and not seen.add(folded(t))]
        if disorder["name"] != disorder["name"].lower():  # "Alzheimer's disease": the terms are lower-cased
            variants = [t[:1].upper() + t[1:] for t in variants]
        disorder["variants"] = variants[:4]
        disorder["abbreviations_used"] = [a["abbr"] for a in disorder.get("abbreviations", ()) if a.get("standalone")]
    return disorders


# ---- study facts ---------------------------------------------------------------------------

HUMAN_DESIGNS = (
    ("case-control", 0.5),
    ("cohort", 0.15),
    ("cross-sectional", 0.15),
    ("RCT", 0.12),
    ("Mendelian randomization", 0.08),
)
COUNTRIES = (
    "China",
    "China",
    "China",
    "United States",
    "United States",
    "Japan",
    "Italy",
    "Spain",
    "United Kingdom",
    "Germany",
    "Netherlands",
    "Brazil",
    "Iran",
    "India",
    "Australia",
    "Canada",
    "South Korea",
    "France",
    "Sweden",
    "Poland",
)


def study_facts(article: dict, subject: str) -> list[dict]:
    """Study facts of a synthetic article (rows of the study_fact table), drawn from a random
    stream of its own (the PMID), so the rest of the database does not change with them; the
    participant counts are set on `article`."""
    rng = random.Random(int(article["pmid"]))
    rows: list[tuple[str, str]] = []
    article.update(sample_size=None, cases=None, controls=None)
    if article["is_review"]:
        rows.append(("design", "review"))
        if "Meta-Analysis" in article["publication_types"]:
            rows.append(("design", "meta-analysis"))
        rows.append(("host", "human"))
    elif subject == "animal":
        rows += [("design", "animal model"), ("host", rng.choice(("mouse", "mouse", "mouse", "rat", "zebrafish")))]
        rows.append(("body_site", rng.choice(("stool", "intestinal content"))))
        if rng.random() < 0.5:
            article["sample_size"] = rng.choice((12, 16, 20, 24, 30, 40))
    else:
        pick, total = rng.random(), 0.0
        design = HUMAN_DESIGNS[-1][0]  # if rounding leaves pick above the last running total
        for name, share in HUMAN_DESIGNS:
            total += share
            if pick < total:
                design = name
                break
        rows += [
            ("design", design),
            ("host", "human"),
            ("body_site", "stool" if rng.random() < 0.85 else rng.choice(("oral", "intestinal mucosa"))),
        ]
        if rng.random() < 0.6:
            rows.append(("country", rng.choice(COUNTRIES)))
        if design != "Mendelian randomization" and rng.random() < 0.7:
            cases, controls = rng.randint(15, 150), rng.randint(15, 150)
            article.update(cases=cases, controls=controls, sample_size=cases + controls)
    if not article["is_review"]:
        rows.append(("method", rng.choices(("16S rRNA", "shotgun metagenomics", "qPCR"), (0.7, 0.2, 0.1))[0]))
    return [{"pmid": article["pmid"], "kind": kind, "value": value} for kind, value in dict.fromkeys(rows)]


# ---- articles and relations -----------------------------------------------------------------

PMID_ANCHORS = (
    (2005.0, 15_600_000),
    (2010.0, 20_050_000),
    (2015.0, 25_550_000),
    (2020.0, 31_900_000),
    (2023.0, 36_600_000),
    (2027.0, 42_500_000),
)


def _pmid_at(moment: datetime) -> int:
    year = moment.year + (moment.timetuple().tm_yday - 1) / 366
    for (y0, p0), (y1, p1) in pairwise(PMID_ANCHORS):
        if year <= y1:
            return int(p0 + (p1 - p0) * (year - y0) / (y1 - y0))
    return PMID_ANCHORS[-1][1]


class Generator:
    """Articles and their relations, batch by batch, from one seeded random stream."""

    def __init__(self, rng: random.Random, taxa: list[dict], disorders: list[dict], relations: int, asof: datetime):
        self.rng, self.taxa, self.disorders, self.asof = rng, taxa, disorders, asof
        self.taxon_cum = list(accumulate(1.0 / (i + 3) for i in range(len(taxa))))
        self.disorder_cum = list(
            accumulate(DISORDER_WEIGHTS.get(d["mesh"], DEFAULT_DISORDER_WEIGHT) for d in disorders)
        )
        self.journal_cum = list(accumulate(j[2] for j in JOURNALS))
        index = {t["taxid"]: i for i, t in enumerate(taxa)}
        self.relatives: dict[int, list[int]] = defaultdict(
            list
        )  # taxon index → indexes of its chosen ancestors/descendants
        for i, taxon in enumerate(taxa):
            for ancestor in taxon["lineage_ids"][:-1]:
                if ancestor in index:
                    self.relatives[i].append(index[ancestor])
                    self.relatives[index[ancestor]].append(i)
        self.sizes = self._sizes(relations)
        self.articles = self._dated_pmids(len(self.sizes))
        self.total = relations

    def _sizes(self, relations: int) -> list[int]:
        cum = list(accumulate((14, 16, 16, 14, 12, 10, 10, 8)))  # 1–8 relations, mean ≈ 4
        sizes, left = [], relations
        while left > 0:
            k = min(left, bisect.bisect(cum, self.rng.random() * cum[-1]) + 1)
            sizes.append(k)
            left -= k
        return sizes

    def _dated_pmids(self, count: int) -> list[tuple[str, datetime]]:
        rng, asof = self.rng, self.asof
        years = list(range(2005, asof.year + 1))
        start_of = {y: datetime(y, 1, 1, tzinfo=UTC) for y in years}
        span = {y: min(asof, datetime(y + 1, 1, 1, tzinfo=UTC)) - start_of[y] for y in years}
        cum = list(accumulate(1.17 ** (y - 2005) * span[y].total_seconds() / 31_536_000 for y in years))
        used: set[int] = set()
        out = []
        for _ in range(count):
            year = years[bisect.bisect(cum, rng.random() * cum[-1])]
            moment = start_of[year] + timedelta(seconds=rng.random() * span[year].total_seconds())
            pmid = _pmid_at(moment) + rng.randrange(2_000)
            while pmid in used:
                pmid += 1
            used.add(pmid)
            out.append((str(pmid), moment.replace(microsecond=0)))
        out.sort()
        return out

    def _pick(self, cum: list[float]) -> int:
        return bisect.bisect(cum, self.rng.random() * cum[-1])

    def batches(self, size: int = BATCH_RELATIONS) -> Iterator[tuple[list[dict], list[dict]]]:
        articles, relations = [], []
        for (pmid, entrez), k in zip(self.articles, self.sizes, strict=True):
            article, found = self.article(pmid, entrez, k)
            articles.append(article)
            relations += found
            if len(relations) >= size:
                yield articles, relations
                articles, relations = [], []
        if articles:
            yield articles, relations

    def article(self, pmid: str, entrez: datetime, k: int) -> tuple[dict, list[dict]]:
        rng = self.rng
        subject = "human" if rng.random() < 0.8 else "animal"
        review = subject == "human" and rng.random() < 0.125  # ≈10% of all articles
        retracted = rng.random() < 0.002
        meshes = [self.disorders[self._pick(self.disorder_cum)]]
        if rng.random() < 0.15:
            second = self.disorders[self._pick(self.disorder_cum)]
            if second is not meshes[0]:
                meshes.append(second)
        picks, keys = [], set()
        while len(picks) < k:
            previous = picks[-1][0] if picks else None
            if previous is not None and self.relatives.get(previous) and rng.random() < 0.25:
                t = rng.choice(self.relatives[previous])
            else:
                t = self._pick(self.taxon_cum)
            disorder = rng.choice(meshes)
            roll = rng.random()
            direction = "increased" if roll < 0.45 else "decreased" if roll < 0.9 else "unchanged"
            if (t, disorder["mesh"], direction) not in keys:
                keys.add((t, disorder["mesh"], direction))
                picks.append((t, disorder, direction))
        first_taxon, first_disorder = self.taxa[picks[0][0]], picks[0][1]
        kind = "review" if review else "animal" if subject == "animal" else "primary"
        title, spans = fill(
            rng.choice(PARSED_TITLES[kind]), {"{taxon}": first_taxon["name"], "{disorder}": first_disorder["name"]}
        )
        italics = [list(spans["{taxon}"])] if "{taxon}" in spans and first_taxon["rank"] in ("genus", "species") else []
        sentences = [self.sentence(self.taxa[t], disorder, direction, subject) for t, disorder, direction in picks]
        dname = first_disorder["name"]
        background = f"The gut microbiota has been implicated in the pathophysiology of {dname}."
        if review:
            methods = (
                "We systematically searched PubMed, Embase and Web of Science "
                f"for studies of the gut microbiota in {dname}."
            )
        elif subject == "human":
            methods = (
                f"We sequenced the 16S rRNA gene in stool samples from {rng.randint(20, 400)} patients "
                f"with {dname} and {rng.randint(20, 300)} healthy controls."
            )
        else:
            animals = rng.choice(("C57BL/6 mice", "BALB/c mice", "Sprague-Dawley rats"))
            methods = f"We characterised the faecal microbiota of {animals} in a model of {dname}."
        conclusion = f"These findings suggest that the gut microbiota may contribute to {dname}."
        results = " ".join(s[0] for s in sentences)
        if rng.random() < 0.6:
            parts = [
                ("BACKGROUND", background),
                ("METHODS", methods),
                ("RESULTS", results),
                ("CONCLUSIONS", conclusion),
            ]
            label = "RESULTS"
        else:
            parts = [("", " ".join((background, methods, results, conclusion)))]
            label = ""
        # the pipeline reads title, "\n", then the sections joined by "\n" (one-paragraph abstracts join with " "):
        # either way the results start after title, background and methods plus one separator each
        before = len(title) + 1 + len(background) + 1 + len(methods) + 1
        first_seen = self._first_seen(entrez)
        updated = first_seen if rng.random() < 0.95 else first_seen + (self.asof - first_seen) * rng.random()
        journal, prefix, _ = JOURNALS[self._pick(self.journal_cum)]
        types = ["Journal Article"]
        if review:
            types += rng.choice((["Review"], ["Systematic Review", "Meta-Analysis", "Review"], ["Meta-Analysis"]))
        elif rng.random() < 0.4:
            types.append("Research Support, Non-U.S. Gov't")
        if retracted:
            types.append("Retracted Publication")
        heading = {
            "ui": first_disorder["mesh"],
            "name": dname[:1].upper() + dname[1:],
            "major": True,
            "qualifiers": ["microbiology"],
        }
        mesh = [
            {"ui": "D000069196", "name": "Gastrointestinal Microbiome", "major": True, "qualifiers": []},
            heading,
            {"ui": "D006801", "name": "Humans", "major": False, "qualifiers": []}
            if subject == "human"
            else {"ui": "D051379", "name": "Mice", "major": False, "qualifiers": []},
        ]
        article = {
            "pmid": pmid,
            "version": 1,
            "title": title,
            "title_italics": italics,
            "abstract": " ".join(text for _, text in parts),
            "sections": [{"text": text, "label": lab, "category": lab, "italics": []} for lab, text in parts],
            "journal": journal,
            "year": entrez.year,
            "entrez_date": entrez,
            "doi": f"{prefix}.{entrez.year}.{int(pmid) % 100000:05d}" if rng.random() < 0.9 else None,
            "language": "eng",
            "authors": [
                f"{rng.choice(SURNAMES)} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
                for _ in range(rng.randint(2, 9))
            ],
            "mesh": mesh,
            "publication_types": types,
            "is_review": review,
            "is_retracted": retracted,
            "content_hash": hashlib.sha256(f"{pmid}\n{title}".encode()).hexdigest(),
            "pipeline_version": PIPELINE_VERSION,
            "source": "synthetic",
            "first_seen_at": first_seen,
            "updated_at": updated,
        }
        relations, offset = [], before
        for (t, disorder, direction), (evidence, spans, trigger) in zip(picks, sentences, strict=True):
            taxon = self.taxa[t]
            relations.append(
                {
                    "pmid": pmid,
                    "taxon_id": taxon["id"],
                    "mesh": disorder["mesh"],
                    "direction": direction,
                    "subject": subject,
                    "confidence": round(rng.uniform(0.5, 0.95), 3),
                    "evidence": evidence,
                    "sentence_start": offset,
                    "section": label,
                    "taxon_text": taxon["name"],
                    "taxon_start": spans["{taxon}"][0],
                    "taxon_end": spans["{taxon}"][1],
                    "disorder_text": evidence[slice(*spans["{disorder}"])],
                    "disorder_start": spans["{disorder}"][0],
                    "disorder_end": spans["{disorder}"][1],
                    "trigger": trigger,
                    "trigger_start": spans["{trigger}"][0],
                    "trigger_end": spans["{trigger}"][1],
                    "pipeline_version": PIPELINE_VERSION,
                    "created_at": updated,
                    "year": entrez.year,
                }
            )
            offset += len(evidence) + 1
        return article, relations

    def sentence(self, taxon: dict, disorder: dict, direction: str, subject: str) -> tuple[str, dict, str]:
        rng = self.rng
        if direction == "unchanged":
            kind, trigger = "unchanged", rng.choice(UNCHANGED_TRIGGERS)
        else:
            kind = "was" if rng.random() < 0.65 else "showed"
            trigger = rng.choice(TRIGGERS[direction][kind == "showed"])
        roll, abbreviations, variants = rng.random(), disorder["abbreviations_used"], disorder["variants"]
        if roll < 0.08 and abbreviations:
            surface = abbreviations[0]
        elif roll > 0.88 and variants:
            surface = rng.choice(variants)
        else:
            surface = disorder["name"]
        evidence, spans = fill(
            rng.choice(PARSED_SENTENCES[(subject, kind)]),
            {"{taxon}": taxon["name"], "{disorder}": surface, "{trigger}": trigger},
        )
        return evidence, spans, trigger

    def _first_seen(self, entrez: datetime) -> datetime:
        """Stored within days of its Entrez date, or in the backfill a year before `asof`."""
        backfill = self.asof - timedelta(days=365)
        if entrez >= backfill:
            return min(self.asof, entrez + timedelta(hours=12 + self.rng.random() * 60))
        return backfill + timedelta(seconds=self.rng.random() * 7 * 86400)


# ---- writing --------------------------------------------------------------------------------


def _copy(connection: Connection, table: Table, rows: list[dict]) -> None:
    """PostgreSQL COPY FROM STDIN of these rows (JSON columns as text)."""
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = list(row.values())
            for i in json_at:
                values[i] = json.dumps(values[i], ensure_ascii=False)
            copy.write_row(values)


def _insert(connection: Connection, table: Table, rows: list[dict], use_copy: bool) -> None:
    if not rows:
        return
    if use_copy:
        _copy(connection, table, rows)
    else:
        connection.execute(table.insert(), rows)


def _database_size(database: Database) -> int:
    engine = database.engine
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            path = Path(engine.url.database or "")
            return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        return int(
            connection.scalar(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                )
            )
        )


def build(
    url: str,
    relations: int = 1_000_000,
    seed: int = 7,
    progress: Callable[[str], object] = print,
    *,
    asof: datetime | None = None,
    use_copy: bool | None = None,
) -> dict:
    """Fill the empty database at `url` with `relations` synthetic relations; returns counts and timings.

    `asof` (default: today, 00:00 UTC) is the newest Entrez date; `use_copy` (default: on
    PostgreSQL) loads articles and relations with COPY instead of executemany."""
    if relations < 1:
        raise MinerError("relations must be at least 1")
    asof = asof or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    seconds: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = round(now - clock, 2)
        clock = now

    database = Database.open(url)
    engine = database.engine
    postgres = engine.dialect.name == "postgresql"
    use_copy = postgres if use_copy is None else use_copy and postgres
    with engine.connect() as connection:
        present = connection.scalar(select(func.count()).select_from(Article))
    if present:
        raise MinerError(f"the database already holds {present} articles: build into an empty database")
    lap("schema")

    nodes = load_nodes()
    taxids = choose_taxa(nodes, rng)
    disorders = load_disorders()
    taxa = []
    for taxid in taxids:
        chain = lineage(nodes, taxid)
        node = nodes[taxid]
        taxa.append(
            {
                "key": f"ncbi:{taxid}",
                "taxid": taxid,
                "name": node.name,
                "rank": node.rank,
                "parent_taxid": node.parent or None,
                "lineage": "/" + "".join(f"{t}/" for t in chain),
                "lineage_ids": chain,
            }
        )
    with engine.begin() as connection:
        connection.execute(Taxon.__table__.insert(), [{k: v for k, v in t.items() if k != "lineage_ids"} for t in taxa])
        connection.execute(
            Disorder.__table__.insert(),
            [{"mesh": d["mesh"], "name": d["name"], "disorder_group": d["group"]} for d in disorders],
        )
        ids = dict(connection.execute(select(Taxon.taxid, Taxon.id)).all())
    for taxon in taxa:
        taxon["id"] = ids[taxon["taxid"]]
    lap("taxa")

    generator = Generator(rng, taxa, disorders, relations, asof)
    wanted = set(rng.sample(range(relations), min(VERDICTS_WANTED, relations)))
    chosen: list[dict] = []
    done = articles = 0
    for batch_articles, batch_relations in generator.batches():
        chosen += [batch_relations[i - done] for i in sorted(wanted) if done <= i < done + len(batch_relations)]
        subjects = {r["pmid"]: r["subject"] for r in batch_relations}
        facts = [row for a in batch_articles for row in study_facts(a, subjects.get(a["pmid"], "human"))]
        with engine.begin() as connection:
            _insert(connection, Article.__table__, batch_articles, use_copy)
            _insert(connection, Relation.__table__, batch_relations, use_copy)
            _insert(connection, StudyFact.__table__, facts, use_copy)
        done += len(batch_relations)
        articles += len(batch_articles)
        progress(f"  {done:,}/{relations:,} relations, {articles:,} articles ({time.perf_counter() - clock:.1f} s)")
    with engine.begin() as connection:  # the run that "stored" them, so `miner stats` has a last run to show
        finished = datetime.now(UTC)
        connection.execute(
            IngestRun.__table__.insert(),
            [
                {
                    "kind": "ingest",
                    "sources": "bench/synthetic.py",
                    "status": "ok",
                    "pipeline_version": PIPELINE_VERSION,
                    "started_at": finished - timedelta(seconds=time.perf_counter() - clock),
                    "finished_at": finished,
                    "read": articles,
                    "new": articles,
                    "updated": 0,
                    "unchanged": 0,
                    "deleted": 0,
                    "skipped": 0,
                    "problems": 0,
                    "relations": done,
                    "error": None,
                }
            ],
        )
    lap("insert")

    with database.session() as session:
        curator = create_user(session, CURATOR, "curator", CURATOR_PASSWORD, actor="cli")
        user_id = curator.id
    verdicts, events = [], []
    for relation in chosen:
        verdict = rng.choices(VERDICTS, weights=(50, 20, 10, 10, 10))[0]
        corrected = rng.choice((None, "unchanged")) if verdict == "wrong direction" else None
        note = rng.choice(("", "", "", "checked against the full text", "the sentence is about controls"))
        at = asof - timedelta(seconds=rng.random() * 90 * 86400)
        key = {name: relation[name] for name in ("pmid", "taxon_id", "mesh", "direction", "subject")}
        verdicts.append(
            {
                **key,
                "verdict": verdict,
                "corrected_direction": corrected,
                "note": note,
                "user_id": user_id,
                "created_at": at,
                "updated_at": at,
            }
        )
        events.append(
            {
                "at": at,
                "actor": CURATOR,
                "action": "verdict",
                "target": "claim " + "/".join(map(str, key.values())),
                "before": None,
                "after": {"verdict": verdict, "corrected_direction": corrected, "note": note},
                "note": note,
            }
        )
    with engine.begin() as connection:
        _insert(connection, Verdict.__table__, verdicts, False)
        _insert(connection, AuditEvent.__table__, sorted(events, key=lambda e: e["at"]), False)
    lap("verdicts")
    progress(f"  {len(verdicts):,} verdicts; refreshing conflicts…")

    with database.session() as session:
        refresh(session)
    with engine.connect() as connection:
        conflicts = connection.scalar(select(func.count()).select_from(Conflict))
        contradicted = connection.scalar(
            select(func.count()).select_from(Conflict).where(Conflict.contradicted.is_(True))
        )
    lap("conflicts")

    # PostgreSQL: VACUUM too, so the covering indexes allow index-only scans at once (autovacuum
    # would get there later); it cannot run inside a transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    lap("analyze")
    size = _database_size(database)
    database.dispose()
    seconds["total"] = round(time.perf_counter() - started, 2)
    return {
        "backend": engine.dialect.name,
        "insert_method": "copy" if use_copy else "executemany",
        "seed": seed,
        "asof": asof.date().isoformat(),
        "taxa": len(taxa),
        "disorders": len(disorders),
        "articles": articles,
        "relations": done,
        "verdicts": len(verdicts),
        "users": 1,
        "conflicts": conflicts,
        "conflicts_contradicted": contradicted,
        "size_bytes": size,
        "seconds": seconds,
    }


# ---- reading back -----------------------------------------------------------------------------


def sample_queries(url: str) -> dict:
    """Query parameters that exist in a built database: common taxa (with how many relations they
    and their descendants have), a family and a phylum with many descendants, disorder groups and
    MeSH ids, frequent / middling / rare (taxon, disorder) pairs, PMIDs and conflict ids."""
    database = Database.open(url, create=False)
    with database.engine.connect() as c:
        taxa = {row.id: row for row in c.execute(select(Taxon.id, Taxon.taxid, Taxon.name, Taxon.rank, Taxon.lineage))}
        per_taxon = dict(c.execute(select(Relation.taxon_id, func.count()).group_by(Relation.taxon_id)).all())
        by_taxid = {row.taxid: row for row in taxa.values()}
        subtree: Counter = Counter()  # taxid → relations of it and every chosen descendant
        below: Counter = Counter()  # taxid → chosen descendant taxa
        for taxon_id, n in per_taxon.items():
            ids = [int(t) for t in taxa[taxon_id].lineage.strip("/").split("/") if t]
            for ancestor in ids:
                subtree[ancestor] += n
                below[ancestor] += ancestor != taxa[taxon_id].taxid

        def describe(row) -> dict:
            return {
                "name": row.name,
                "taxid": row.taxid,
                "rank": row.rank,
                "relations": per_taxon.get(row.id, 0),
                "descendant_taxa": below[row.taxid],
                "subtree_relations": subtree[row.taxid],
            }

        common = sorted(per_taxon, key=lambda i: (-per_taxon[i], i))[:15]

        def widest(rank: str) -> dict:  # many descendant taxa and many relations under them: the heaviest walk
            row = max(
                (r for r in taxa.values() if r.rank == rank), key=lambda r: (below[r.taxid] * subtree[r.taxid], r.taxid)
            )
            return describe(row)

        groups = c.execute(
            select(Disorder.group, func.count(), func.count(func.distinct(Disorder.mesh)))
            .join(Relation, Relation.mesh == Disorder.mesh)
            .group_by(Disorder.group)
            .order_by(func.count().desc())
        ).all()
        meshes = c.execute(
            select(Disorder.mesh, Disorder.name, func.count())
            .join(Relation, Relation.mesh == Disorder.mesh)
            .group_by(Disorder.mesh, Disorder.name)
            .order_by(func.count().desc())
        ).all()
        pair_counts = c.execute(
            select(Relation.taxon_id, Relation.mesh, func.count()).group_by(Relation.taxon_id, Relation.mesh)
        ).all()
        pair_counts.sort(key=lambda r: (-r[2], r[0], r[1]))
        picks = (
            pair_counts[:8]
            + pair_counts[len(pair_counts) // 10 : len(pair_counts) // 10 + 3]
            + pair_counts[len(pair_counts) // 2 : len(pair_counts) // 2 + 3]
            + pair_counts[-3:]
        )
        pairs = [{"taxon": taxa[t].name, "taxid": taxa[t].taxid, "mesh": m, "relations": n} for t, m, n in picks]
        articles = c.scalar(select(func.count()).select_from(Article))
        pmids = [
            c.scalar(select(Article.pmid).order_by(Article.pmid).offset(int(articles * q)).limit(1))
            for q in (0, 0.25, 0.5, 0.75, 0.999)
        ]
        busiest = c.execute(
            select(Relation.pmid, func.count())
            .group_by(Relation.pmid)
            .order_by(func.count().desc(), Relation.pmid)
            .limit(3)
        ).all()
        conflicts = c.execute(
            select(
                Conflict.id,
                Conflict.taxon_id,
                Conflict.disorder_group,
                Conflict.subject,
                Conflict.papers_increased + Conflict.papers_decreased,
            )
            .where(Conflict.contradicted.is_(True))
            .order_by((Conflict.papers_increased + Conflict.papers_decreased).desc(), Conflict.id)
            .limit(5)
        ).all()
        small = (
            c.execute(
                select(Conflict.id)
                .where(Conflict.contradicted.is_(True))
                .order_by(Conflict.papers_increased + Conflict.papers_decreased, Conflict.id)
                .limit(3)
            )
            .scalars()
            .all()
        )
        years = c.execute(select(func.min(Article.year), func.max(Article.year))).one()
        verdict_relations = (
            c.execute(
                select(Relation.id)
                .join(
                    Verdict,
                    (Verdict.pmid == Relation.pmid)
                    & (Verdict.taxon_id == Relation.taxon_id)
                    & (Verdict.mesh == Relation.mesh)
                    & (Verdict.direction == Relation.direction)
                    & (Verdict.subject == Relation.subject),
                )
                .order_by(Relation.id)
                .limit(5)
            )
            .scalars()
            .all()
        )
        curator = c.scalar(select(User.username).where(User.role == "curator").order_by(User.id).limit(1))
    database.dispose()
    return {
        "common_taxa": [describe(taxa[i]) for i in common],
        "family_with_many_descendants": widest("family"),
        "genus_with_many_descendants": widest("genus"),
        "phylum_with_many_descendants": widest("phylum"),
        "taxon_name_prefixes": ["Bact", "Lacto", "Faecali", "Clostrid", "Prev"],
        "lookup_by_taxid": [by_taxid[t].name for t in (216851, 816, 1239) if t in by_taxid],
        "disorder_groups": [{"group": g, "relations": n, "meshes": k} for g, n, k in groups],
        "meshes": [{"mesh": m, "name": name, "relations": n} for m, name, n in meshes],
        "pairs": pairs,
        "pmids": pmids + [p for p, _ in busiest],
        "conflicts_largest": [
            {"id": i, "taxon": taxa[t].name, "group": g, "subject": s, "papers": p} for i, t, g, s, p in conflicts
        ],
        "conflicts_smallest": list(small),
        "years": list(years),
        "relations_with_verdicts": list(verdict_relations),
        "curator": {"username": curator, "password": CURATOR_PASSWORD} if curator == CURATOR else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="SQLAlchemy URL of an empty database (sqlite:///… or postgresql+psycopg://…)")
    parser.add_argument("--relations", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--asof", type=date.fromisoformat, default=None, help="newest Entrez date (default today)")
    parser.add_argument(
        "--executemany", action="store_true", help="on PostgreSQL, insert with executemany instead of COPY"
    )
    parser.add_argument("--samples", action="store_true", help="also print sample_queries() as JSON")
    args = parser.parse_args(argv)
    asof = datetime(args.asof.year, args.asof.month, args.asof.day, tzinfo=UTC) if args.asof else None
    try:
        result = build(args.url, args.relations, args.seed, asof=asof, use_copy=False if args.executemany else None)
        print(json.dumps(result, indent=1))
        if args.samples:
            print(json.dumps(sample_queries(args.url), indent=1, ensure_ascii=False))
    except MinerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
