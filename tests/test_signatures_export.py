"""Signature exports that bugsigdbr reads: `/api/v1/export/signatures?format=bugsigdb` (BugSigDB's
own full_dump.csv) and `format=gmt` (bugsigdbr's writeGMT), called in process on SQLite and
PostgreSQL, over the corpus of `tests/api_seed.py` plus one article naming an unranked NCBI node
(seeded once per session, then only read).

The export is read back the way bugsigdbr reads BugSigDB (`read_bugsigdb` and `get_signatures`
below, written from bugsigdbr's importBugSigDB/getSignatures: skip the first line, split
"MetaPhlAn taxon names" on "," and "NCBI Taxonomy IDs" on ";", keep "Study <n>"/"Experiment <n>"
rows, name a signature `bsdb:<study>/<experiment>/<signature>_<Condition>:<Group 1>_vs_<Group 0>_
<UP|DOWN>`, restrict to a rank by the MetaPhlAn prefix, keep the tip). That reader is first checked
on an excerpt of BugSigDB's own export against BugSigDB's own GMT (tests/fixtures/bugsigdb/).
Expectations come from the corpus model and the NCBI tree (ranked nodes only), never from
`miner.query`. Where R is installed (Debian's r-base-core), R's read.csv reads the export too.
Imports: httpx, `miner.reference`, `miner.taxon_tree`, `miner.query.signatures` (the ranking rules
over a made-up tree), and the test helpers `api_seed`, `web_server`.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from collections import defaultdict

import httpx
import pytest
from api_seed import DISORDERS, TRIGGERS, Claim, article_record, claims, doi_of, journal_of, lineage, seed, visible
from conftest import FIXTURES
from web_server import asgi_client

from miner.reference import ReferenceData
from miner.store.writer import save_article
from miner.study_facts import StudyFacts, facts_of
from miner.taxon_tree import TaxonTree, TreeNode

API = "/api/v1"
MDD, PD = "D003865", "D010300"
BUGSIGDB = FIXTURES / "bugsigdb"
LEVELS = ("kingdom", "phylum", "class", "order", "family", "genus", "species", "strain")
LETTERS = dict(zip(LEVELS, "kpcofgst", strict=True))
RANKED = {
    "superkingdom": "k",
    "kingdom": "k",
    "phylum": "p",
    "class": "c",
    "order": "o",
    "family": "f",
    "genus": "g",
    "species": "s",
}
STUDY_FACT_COLUMNS = (
    "Study design",
    "Location of subjects",
    "Body site",
    "Sequencing type",
    "Group 0 sample size",
    "Group 1 sample size",
)
# the extra article's study, as if read from its abstract; BugSigDB's words for it
EXTRA_FACTS = StudyFacts(
    design=("case-control", "animal model"),
    host=("human", "mouse"),
    sample_size=70,
    cases=40,
    controls=30,
    body_sites=("stool", "oral"),
    methods=("16S rRNA", "shotgun metagenomics"),
    countries=("China", "Japan"),
)
EXTRA_STUDY_COLUMNS = ("case-control,laboratory experiment", "China,Japan", "feces,mouth", "16S,WMS", "30", "40")

# one more article: "Terrabacteria group" (NCBI 1783272) has no rank, so BugSigDB cannot name it
UNRANKED = ("Terrabacteria group", 1783272, "no rank")
EXTRA_PMID, EXTRA_YEAR = "3001", 2024
EXTRA = [(UNRANKED, MDD, "increased"), (("Blautia", 572511, "genus"), MDD, "increased"), (UNRANKED, PD, "decreased")]


def extra_claims() -> list[Claim]:
    found = []
    for (taxon, taxid, rank), mesh, direction in EXTRA:
        name, group, written = DISORDERS[mesh]
        evidence = f"In cohort {EXTRA_PMID}, {taxon} was {TRIGGERS[direction]} in {written} patients."
        found.append(
            Claim(
                EXTRA_PMID,
                EXTRA_YEAR,
                journal_of(EXTRA_PMID),
                doi_of(EXTRA_PMID),
                taxon,
                taxid,
                rank,
                taxon,
                mesh,
                name,
                group,
                direction,
                direction,
                None,
                "human",
                0.8,
                evidence,
            )
        )
    return found


def with_extra(database) -> None:
    """The extra article, added to the corpus."""
    with database.session() as session:
        article, relations = article_record(EXTRA_PMID, extra_claims())
        save_article(session, article, relations, pipeline_version="test", facts=EXTRA_FACTS)


@pytest.fixture
def api(seeded_databases):
    """An httpx client of the app over the seeded corpus and the extra article."""
    with asgi_client(seeded_databases.app("api-with-unranked", with_extra, on=("api", seed))) as client:
        yield client


def download(client: httpx.Client, fmt: str, media_type: str, **params) -> str:
    answer = client.get(API + "/export/signatures", params={**params, "format": fmt})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(media_type), answer.headers["content-type"]
    assert re.fullmatch(
        r'attachment; filename="miner-signatures-[A-Za-z0-9-]+\.(csv|gmt)"', answer.headers["content-disposition"]
    )
    return answer.text


# ---- a reader that does what bugsigdbr does ---------------------------------------------------


def read_bugsigdb(text: str) -> list[dict]:
    """importBugSigDB: read.csv skipping the first line, "NA" → None, the two taxa columns split
    ("," between MetaPhlAn names, ";" between NCBI lineages), empty items dropped."""
    first, rest = text.split("\n", 1)
    assert first.startswith("# "), first
    rows = []
    for row in csv.DictReader(io.StringIO(rest)):
        row = {column: None if value == "NA" else value for column, value in row.items()}
        for column, separator in (("MetaPhlAn taxon names", ","), ("NCBI Taxonomy IDs", ";")):
            row[column] = (
                [item for item in (row[column] or "").split(separator) if item] if row[column] is not None else None
            )
        rows.append(row)
    return rows


def get_signatures(
    rows: list[dict], ids: str = "ncbi", level: str = "mixed", exact: bool = True
) -> dict[str, list[str]]:
    """getSignatures: Study/Experiment rows, named, restricted to a rank by the MetaPhlAn
    prefixes (NCBI lineages take the MetaPhlAn name's prefixes position by position), tips."""
    found = {}
    for row in rows:
        numbered = re.fullmatch(r"Study [0-9]+", row["Study"] or "") and re.fullmatch(
            r"Experiment [0-9]+", row["Experiment"] or ""
        )
        if row["MetaPhlAn taxon names"] is None or not numbered:
            continue
        names = row["MetaPhlAn taxon names"]
        members = (
            names
            if ids != "ncbi"
            else [_prefixed(path, name) for path, name in zip(row["NCBI Taxonomy IDs"], names, strict=True)]
        )
        if level != "mixed":
            if not exact:
                members = [_cut(member, level) for member in members]
            members = [m for m in members if _tip(m)[0] == LETTERS[level]]
        if ids != "metaphlan":
            members = [re.sub(r"^[kpcofgst]__", "", _tip(m)) for m in members]
        found[signature_name(row)] = list(dict.fromkeys(members))
    return {name: members for name, members in found.items() if members}


def signature_name(row: dict) -> str:
    info = f"{row['Condition']}:{row['Group 1 name'] or 'NA'}_vs_{row['Group 0 name'] or 'NA'}".replace(" ", "-")
    number = (row["Signature page name"] or "").removeprefix("Signature ")
    up_down = {"increased": "UP", "decreased": "DOWN"}.get(row["Abundance in Group 1"], "NA")
    study, experiment = row["Study"].removeprefix("Study "), row["Experiment"].removeprefix("Experiment ")
    return f"bsdb:{study}/{experiment}/{number}_{info}_{up_down}"


def _prefixed(ncbi_path: str, metaphlan: str) -> str:
    ids, names = ncbi_path.split("|"), metaphlan.split("|")
    assert len(ids) == len(names), (ncbi_path, metaphlan)  # bugsigdbr pairs them position by position
    return "|".join(name[:3] + taxid for taxid, name in zip(ids, names, strict=True))


def _cut(member: str, level: str) -> str:
    parts = member.split("|")
    keep = [i for i, part in enumerate(parts) if "kpcofgst".index(part[0]) <= "kpcofgst".index(LETTERS[level])]
    return "|".join(parts[: keep[-1] + 1]) if keep else member


def _tip(member: str) -> str:
    return member.split("|")[-1]


def read_gmt(text: str) -> dict[str, tuple[str, list[str]]]:
    assert text.endswith("\n")
    found = {}
    for line in text.splitlines():
        name, description, *members = line.split("\t")
        assert name not in found
        found[name] = (description, members)
    return found


# ---- the reader on BugSigDB's own files -------------------------------------------------------


def test_the_reader_reads_bugsigdbs_export_as_bugsigdb_publishes_it():
    rows = read_bugsigdb((BUGSIGDB / "full_dump_excerpt.csv").read_text(encoding="utf-8"))
    published = read_gmt((BUGSIGDB / "signatures_genus_ncbi_excerpt.gmt").read_text(encoding="utf-8"))
    assert get_signatures(rows, "ncbi", "genus") == {name: members for name, (_, members) in published.items()}
    assert {d for d, _ in published.values()} == {"NA"}
    mixed = get_signatures(rows)
    assert mixed["bsdb:83/1/2_Obesity:before-surgery_vs_after-surgery_DOWN"] == [
        "544",
        "547",
        "69218",
        "590",
        "28901",
        "621",
        "29465",
        "39778",
        "29466",
        "5140",
    ]
    assert get_signatures(rows, "taxname", "species")[
        "bsdb:39/2/1_Body-odor-measurement:youth-Neck-before_vs_after-excercise_DOWN"
    ] == ["Cutibacterium granulosum", "Acinetobacter schindleri"]
    assert get_signatures(rows, "ncbi", "genus", exact=False)[
        "bsdb:39/2/1_Body-odor-measurement:youth-Neck-before_vs_after-excercise_DOWN"
    ] == ["469", "1912216"]


def test_the_export_has_bugsigdbs_columns():
    from miner.query.signatures import BUGSIGDB_COLUMNS

    with open(BUGSIGDB / "full_dump_excerpt.csv", encoding="utf-8", newline="") as handle:
        handle.readline()
        assert tuple(next(csv.reader(handle))) == BUGSIGDB_COLUMNS


# ---- the model: what the export should hold -----------------------------------------------------


def model_claims(keep=lambda c: True) -> list[Claim]:
    return [c for c in visible() + extra_claims() if c.direction in ("increased", "decreased") and keep(c)]


def ranked(taxid: int) -> list[TreeNode]:
    """The lineage's nodes of a MetaPhlAn rank (the seeded taxa have no kingdom nor strain)."""
    return [node for node in ReferenceData.of().taxon_tree.lineage(taxid) if node.rank in RANKED]


def expected(selected: list[Claim]) -> dict[str, dict]:
    """bugsigdbr's name → {direction, claims (one per taxon), left_out} for the signatures with
    a taxon BugSigDB can name; experiments number all an article's (descriptor, subject) pairs,
    whatever their direction or verdict and whatever was selected."""
    by_article: dict[str, set] = defaultdict(set)
    for c in claims() + extra_claims():
        by_article[c.pmid].add((c.mesh, c.subject))
    found: dict[str, dict] = {}
    for c in selected:
        experiment = sorted(by_article[c.pmid]).index((c.mesh, c.subject)) + 1
        condition = c.disorder[:1].upper() + c.disorder[1:]
        group_1 = f"{condition} {'patients' if c.subject == 'human' else 'animal models'}"
        number, up_down = (1, "UP") if c.direction == "increased" else (2, "DOWN")
        name = f"bsdb:{c.pmid}/{experiment}/{number}_{condition}:{group_1}_vs_controls_{up_down}"
        entry = found.setdefault(
            name.replace(" ", "-"), {"direction": c.direction, "claims": {}, "left_out": 0, "host": c.subject}
        )
        if ranked(c.taxid)[-1].taxid == c.taxid:
            entry["claims"][c.taxon] = c
        else:
            entry["left_out"] += 1
    for entry in found.values():
        entry["claims"] = dict(sorted(entry["claims"].items()))  # the export lists a signature's taxa by name
    return {name: entry for name, entry in found.items() if entry["claims"]}


def metaphlan(taxid: int) -> str:
    return "|".join(f"{RANKED[node.rank]}__{node.name}" for node in ranked(taxid))


# ---- format=bugsigdb --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, keep",
    [({}, lambda c: True), ({"disorder": "parkinson"}, lambda c: c.mesh == PD)],
    ids=["all", "parkinson"],
)
def test_bugsigdb_export_reads_back_as_the_seeded_findings(api, params, keep):
    rows = read_bugsigdb(download(api, "bugsigdb", "text/csv", **params))
    want = expected(model_claims(keep))
    by_name = {signature_name(row): row for row in rows}
    assert len(by_name) == len(rows)
    assert set(by_name) == set(want)
    assert get_signatures(rows) == {name: [str(c.taxid) for c in e["claims"].values()] for name, e in want.items()}
    assert get_signatures(rows, "taxname") == {name: list(e["claims"]) for name, e in want.items()}
    assert get_signatures(rows, "metaphlan") == {
        name: [metaphlan(c.taxid) for c in e["claims"].values()] for name, e in want.items()
    }
    for name, row in by_name.items():
        entry = want[name]
        first = next(iter(entry["claims"].values()))
        names, paths = row["MetaPhlAn taxon names"], row["NCBI Taxonomy IDs"]
        assert len(names) == len(paths) == len(entry["claims"])
        for taxon, name_path, id_path in zip(entry["claims"], names, paths, strict=True):
            nodes = ranked(entry["claims"][taxon].taxid)
            assert id_path == "|".join(str(node.taxid) for node in nodes)  # ranked nodes only: no 1783272
            assert name_path.split("|")[-1] == f"{RANKED[nodes[-1].rank]}__{taxon}"
            assert [part[:3] for part in name_path.split("|")] == [f"{RANKED[node.rank]}__" for node in nodes]
        assert row["Abundance in Group 1"] == entry["direction"]
        assert (row["BSDB ID"], row["Study"], row["PMID"], row["Year"], row["Journal"], row["DOI"]) == (
            name.split("_", 1)[0],
            f"Study {first.pmid}",
            first.pmid,
            str(first.year),
            first.journal,
            first.doi,
        )
        assert row["Title"] == article_record(first.pmid, [first])[0].title and row["Authors list"] == "Ada Lovelace"
        assert row["URL"] == f"https://pubmed.ncbi.nlm.nih.gov/{first.pmid}/"
        assert row["Host species"] == {"human": "Homo sapiens", "animal": "animal model"}[entry["host"]]
        assert all(row[column] is None for column in ("EFO ID", "UBERON ID", "State", "Reviewer"))
        study = tuple(row[column] for column in STUDY_FACT_COLUMNS)
        if first.pmid == EXTRA_PMID:
            assert study == EXTRA_STUDY_COLUMNS
        else:  # what the study-fact reader finds in the seeded abstract (its claims' sentences): a design at most
            designs = facts_of(article_record(first.pmid)[0]).design
            assert study[0] == (
                {"animal model": "laboratory experiment"}[designs[0]] if designs and designs != ("review",) else None
            )
            assert study[1:] == (None,) * 5
        assert ("taxa without a ranked NCBI lineage left out" in row["Description"]) == bool(entry["left_out"])


def test_bugsigdb_export_by_rank(api):
    rows = read_bugsigdb(download(api, "bugsigdb", "text/csv"))
    want = expected(model_claims())
    for level in ("family", "genus", "species"):
        exact = {name: [str(c.taxid) for c in e["claims"].values() if c.rank == level] for name, e in want.items()}
        assert get_signatures(rows, "ncbi", level) == {name: ids for name, ids in exact.items() if ids}
    # species cut back to their genus: F. prausnitzii counts as Faecalibacterium, B. obeum as Blautia
    cut = {}
    for name, e in want.items():
        genera = [
            str(next(n.taxid for n in ranked(c.taxid) if n.rank == "genus"))
            for c in e["claims"].values()
            if c.rank in ("genus", "species")
        ]
        if genera:
            cut[name] = list(dict.fromkeys(genera))
    assert get_signatures(rows, "ncbi", "genus", exact=False) == cut


def test_the_unranked_taxon_is_left_out_and_said_so(api):
    rows = read_bugsigdb(download(api, "bugsigdb", "text/csv", pmid=EXTRA_PMID))
    assert [(r["BSDB ID"], r["MetaPhlAn taxon names"]) for r in rows] == [
        (f"bsdb:{EXTRA_PMID}/1/1", [metaphlan(572511)])
    ]
    assert "1 taxa without a ranked NCBI lineage left out" in rows[0]["Description"]
    plain = list(csv.DictReader(io.StringIO(download(api, "csv", "text/csv", pmid=EXTRA_PMID))))
    assert len(plain) == 2, "the csv export keeps every signature"


def test_r_reads_the_bugsigdb_export(api, tmp_path):
    """R's read.csv, as importBugSigDB calls it, reads the export into the same signatures."""
    if not shutil.which("Rscript"):
        pytest.skip("no Rscript (apt-get install r-base-core)")
    path = tmp_path / "full_dump.csv"
    path.write_text(download(api, "bugsigdb", "text/csv"), encoding="utf-8")
    script = tmp_path / "read.R"
    script.write_text(R_READER, encoding="utf-8")
    done = subprocess.run(["Rscript", str(script), str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split("\t", 1) for line in done.stdout.splitlines())
    want = expected(model_claims())
    assert lines.pop("_columns").split("\t") == list(read_bugsigdb(path.read_text(encoding="utf-8"))[0])
    assert lines == {name: "\t".join(str(c.taxid) for c in e["claims"].values()) for name, e in want.items()}


R_READER = r"""
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1], skip = 1, check.names = FALSE)
stopifnot(is.integer(df$Year), all(is.na(df[["Group 1 sample size"]])))
mpa <- lapply(strsplit(df[["MetaPhlAn taxon names"]], ","), function(x) x[x != ""])
ncbi <- lapply(strsplit(df[["NCBI Taxonomy IDs"]], ";"), function(x) x[x != ""])
parts <- function(v) lengths(strsplit(v, "|", fixed = TRUE))
stopifnot(identical(lengths(mpa), lengths(ncbi)), identical(parts(unlist(mpa)), parts(unlist(ncbi))))
keep <- grepl("^Study [0-9]+$", df$Study) & grepl("^Experiment [0-9]+$", df$Experiment)
stopifnot(all(keep))
info <- gsub(" ", "-", paste0(df$Condition, ":", df[["Group 1 name"]], "_vs_", df[["Group 0 name"]]))
up <- ifelse(df[["Abundance in Group 1"]] == "increased", "UP", "DOWN")
id <- paste(sub("^Study ", "", df$Study), sub("^Experiment ", "", df$Experiment),
            sub("^Signature ", "", df[["Signature page name"]]), sep = "/")
tips <- lapply(ncbi, function(s) vapply(strsplit(s, "|", fixed = TRUE), function(p) p[length(p)], ""))
cat("_columns", paste(colnames(df), collapse = "\t"), sep = "\t")
cat("\n")
for (i in seq_along(id)) cat(paste0("bsdb:", id[i], "_", info[i], "_", up[i], "\t",
                                   paste(unique(tips[[i]]), collapse = "\t"), "\n"))
"""


# ---- format=gmt -------------------------------------------------------------------------------


@pytest.mark.parametrize("ids", ["ncbi", "metaphlan", "taxname"])
def test_gmt_export_is_what_writegmt_writes(api, ids):
    text = download(api, "gmt", "text/plain", gmt_ids=ids) if ids != "ncbi" else download(api, "gmt", "text/plain")
    sets = read_gmt(text)
    want = expected(model_claims())
    assert set(sets) == set(want)
    assert {description for description, _ in sets.values()} == {"NA"}
    member = {"ncbi": lambda c: str(c.taxid), "metaphlan": lambda c: metaphlan(c.taxid), "taxname": lambda c: c.taxon}[
        ids
    ]
    assert {name: members for name, (_, members) in sets.items()} == {
        name: [member(c) for c in e["claims"].values()] for name, e in want.items()
    }
    assert sets == {
        name: ("NA", members)
        for name, members in get_signatures(read_bugsigdb(download(api, "bugsigdb", "text/csv")), ids).items()
    }


def test_gmt_members_are_the_taxids(api):
    sets = read_gmt(download(api, "gmt", "text/plain", disorder="parkinson"))
    taxids = {str(c.taxid) for c in model_claims(lambda c: c.mesh == PD) if ranked(c.taxid)[-1].taxid == c.taxid}
    assert {m for _, members in sets.values() for m in members} == taxids
    assert all(re.fullmatch(r"[0-9]+", m) for _, members in sets.values() for m in members)


@pytest.mark.parametrize(
    "params, mentions",
    [({"format": "gmt", "gmt_ids": "gtdb"}, "gmt_ids"), ({"format": "bugsigdbr"}, "format")],
    ids=["gmt-ids", "format"],
)
def test_a_bad_signature_format_is_a_json_error(api, params, mentions):
    answer = api.get(API + "/export/signatures", params=params)
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("application/json")
    assert mentions in answer.json()["error"]["message"]


def test_other_exports_keep_csv_and_jsonl(api):
    for export in ("relations", "pairs"):
        assert api.get(API + f"/export/{export}", params={"format": "gmt"}).status_code == 400


# ---- the ranking rules, over a made-up tree ---------------------------------------------------


def test_ranked_lineage_keeps_one_kingdom_a_strain_and_drops_unranked_taxa():
    from miner.query import signatures

    nodes = {
        n.taxid: n
        for n in (
            TreeNode(1, 1, "no rank", "root"),
            TreeNode(10, 1, "superkingdom", "Eukaryota"),
            TreeNode(11, 10, "clade", "Opisthokonta"),
            TreeNode(12, 11, "kingdom", "Fungi"),
            TreeNode(13, 12, "phylum", "Ascomycota"),
            TreeNode(14, 13, "genus", "Saccharomyces"),
            TreeNode(15, 14, "species", "Saccharomyces cerevisiae"),
            TreeNode(16, 15, "strain", "Saccharomyces cerevisiae S288C"),
            TreeNode(17, 15, "no rank", "Saccharomyces cerevisiae YJM789, a wild isolate"),
            TreeNode(18, 13, "no rank", "environmental samples"),
        )
    }
    tree = TaxonTree(nodes, {}, {})
    assert [n.taxid for _, n in signatures.ranked_lineage(tree, 16)] == [12, 13, 14, 15, 16]
    assert signatures.metaphlan_name(signatures.ranked_lineage(tree, 16)) == (
        "k__Fungi|p__Ascomycota|g__Saccharomyces|s__Saccharomyces cerevisiae|t__Saccharomyces cerevisiae S288C"
    )
    assert signatures.metaphlan_name(signatures.ranked_lineage(tree, 17)).endswith(
        "|t__Saccharomyces cerevisiae YJM789; a wild isolate"
    )
    assert (
        signatures.ranked_lineage(tree, 18) == []
        and signatures.ranked_lineage(tree, 11) == []
        and signatures.ranked_lineage(tree, 99) == []
    )
    assert signatures.ranked_lineage(tree, None) == []


def test_the_seeded_lineages_hold_unranked_nodes():
    """What the old export wrote: the full NCBI lineage, with 1783272 "Terrabacteria group"."""
    assert 1783272 in lineage(853) and 1783272 not in [n.taxid for n in ranked(853)]


def test_a_signature_keeps_its_bsdb_id_whatever_the_filter(api):
    everything = {r["BSDB ID"]: r for r in read_bugsigdb(download(api, "bugsigdb", "text/csv"))}
    for params in ({"disorder": "parkinson"}, {"taxon": "Faecalibacterium"}, {"subject": "animal"}):
        for row in read_bugsigdb(download(api, "bugsigdb", "text/csv", **params)):
            same = everything[row["BSDB ID"]]
            assert (row["Condition"], row["Abundance in Group 1"], row["Host species"]) == (
                same["Condition"],
                same["Abundance in Group 1"],
                same["Host species"],
            )
            assert set(row["NCBI Taxonomy IDs"]) <= set(same["NCBI Taxonomy IDs"])


def test_gmt_lines_keep_one_set_a_line():
    from miner.exports import gmt_lines

    text = "".join(gmt_lines([("a\tb", "NA", ["1", "2"]), ("c\nd", "two\r\nlines", [3])], sets_per_chunk=1))
    assert text == "a b\tNA\t1\t2\nc d\ttwo lines\t3\n"
