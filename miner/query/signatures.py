"""Signatures: per article, disorder and subject, the taxa reported increased and the taxa
reported decreased (one signature = one set of taxa with one direction), in three shapes:

- `signature_rows`: miner's own rows (SIGNATURE_COLUMNS) with NCBI taxids, full NCBI lineages and
  MetaPhlAn-style names, for the csv and jsonl exports;
- `bugsigdb_rows`: rows of BugSigDB's own full export (`full_dump.csv`, BUGSIGDB_COLUMNS), which
  bugsigdbr's `importBugSigDB()`/`getSignatures()` read: "Study <n>", "Experiment <n>",
  "Signature <n>", MetaPhlAn taxon names (`k__…|p__…|…|g__Faecalibacterium`, ranks k p c o f g
  s t only, names as NCBI writes them) separated by ",", and the same ranked lineages as taxids
  (`2|1239|…|216851`) separated by ";"; a missing value is "NA", as BugSigDB writes it;
- `gmt_sets`: the GMT sets bugsigdbr's `writeGMT(getSignatures(…))` writes, named
  `bsdb:<study>/<experiment>/<signature>_<Condition>:<Group 1>_vs_<Group 0>_<UP|DOWN>`, their
  members NCBI taxids, MetaPhlAn names or taxon names.

BugSigDB's kingdom is one level: the deepest of superkingdom, domain and kingdom in the lineage;
a strain (t__) is whatever lies below a species. A taxon that has no such rank itself (an
unranked group, a tribe) or no taxid cannot be written so and is left out of the BugSigDB and GMT
shapes (the description says how many). Experiments number all an article's (descriptor,
subject) pairs, whatever the export's filter (so a BSDB ID stays the same from one export to the
next); signatures are 1 for increased and 2 for decreased. The study columns (design, location,
body site, sequencing type, group sizes) come from the article's study facts in BugSigDB's words.
Imports: `miner.reference`, `miner.store`, `miner.taxon_tree`, `miner.query.*`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby, islice
from typing import Any

from sqlalchemy import Subquery, and_, func, select
from sqlalchemy.orm import Session

from miner.query.filters import RelationFilter
from miner.query.relations import relation_select
from miner.query.study import CHUNK, Study, empty_study, study_of
from miner.reference import reference_of
from miner.store.models import Article, Relation
from miner.taxon_tree import TaxonTree, TreeNode

SIGNATURE_COLUMNS = (
    "signature",
    "pmid",
    "doi",
    "journal",
    "year",
    "condition",
    "mesh",
    "disorder_group",
    "host",
    "abundance_in_group_1",
    "taxa",
    "ncbi_taxids",
    "ncbi_lineages",
    "metaphlan_names",
    "claims",
)
HOSTS = {"human": "Homo sapiens", "animal": "animal model"}

# The header of BugSigDB's full_dump.csv (waldronlab/BugSigDBExports, 2025-08-05 export)
BUGSIGDB_COLUMNS = (
    "BSDB ID",
    "Study",
    "Study design",
    "PMID",
    "DOI",
    "URL",
    "Authors list",
    "Title",
    "Journal",
    "Year",
    "Keywords",
    "Experiment",
    "Location of subjects",
    "Host species",
    "Body site",
    "UBERON ID",
    "Condition",
    "EFO ID",
    "Group 0 name",
    "Group 1 name",
    "Group 1 definition",
    "Group 0 sample size",
    "Group 1 sample size",
    "Antibiotics exclusion",
    "Sequencing type",
    "16S variable region",
    "Sequencing platform",
    "Statistical test",
    "Significance threshold",
    "MHT correction",
    "LDA Score above",
    "Matched on",
    "Confounders controlled for",
    "Pielou",
    "Shannon",
    "Chao1",
    "Simpson",
    "Inverse Simpson",
    "Richness",
    "Signature page name",
    "Source",
    "Curated date",
    "Curator",
    "Revision editor",
    "Description",
    "Abundance in Group 1",
    "MetaPhlAn taxon names",
    "NCBI Taxonomy IDs",
    "State",
    "Reviewer",
)
MISSING = "NA"
MEMBER_SEPARATOR = {"MetaPhlAn taxon names": ",", "NCBI Taxonomy IDs": ";"}  # as bugsigdbr splits them
METAPHLAN_RANKS = {
    "superkingdom": "k",
    "domain": "k",
    "kingdom": "k",
    "phylum": "p",
    "class": "c",
    "order": "o",
    "family": "f",
    "genus": "g",
    "species": "s",
    "strain": "t",
}
SIGNATURE_NUMBER = {"increased": 1, "decreased": 2}
UP_DOWN = {"increased": "UP", "decreased": "DOWN"}
GROUP_1 = {"human": "{} patients", "animal": "{} animal models"}
GROUP_0 = "controls"
GMT_IDS = ("ncbi", "metaphlan", "taxname")


@dataclass(frozen=True)
class Signature:
    """The claims of one article on one descriptor and subject with one direction, one per taxon."""

    pmid: str
    mesh: str
    subject: str
    direction: str
    experiment: int  # the article's nth (descriptor, subject) pair; 0 when not numbered
    members: list[dict[str, Any]]  # relation rows (RELATION_COLUMNS)

    @property
    def first(self) -> dict[str, Any]:
        return self.members[0]


def signature_rows(session: Session, f: RelationFilter | None = None) -> Iterator[dict[str, Any]]:
    """One row per (PMID, MeSH descriptor, subject, direction), increased and decreased only."""
    tree = reference_of(session).taxon_tree
    for s in _signatures(session, f):
        first, known = s.first, [m for m in s.members if m["taxid"] is not None]
        yield {
            "signature": f"{s.pmid}/{s.mesh}/{s.subject}/{UP_DOWN[s.direction]}",
            "pmid": s.pmid,
            "doi": first["doi"],
            "journal": first["journal"],
            "year": first["year"],
            "condition": first["disorder"],
            "mesh": s.mesh,
            "disorder_group": first["disorder_group"],
            "host": HOSTS.get(s.subject, s.subject),
            "abundance_in_group_1": s.direction,
            "taxa": [m["taxon"] for m in s.members],
            "ncbi_taxids": [m["taxid"] for m in known],
            "ncbi_lineages": ["|".join(str(n.taxid) for n in tree.lineage(m["taxid"])) for m in known],
            "metaphlan_names": [tree.metaphlan(m["taxid"]) for m in known],
            "claims": [m["id"] for m in s.members],
        }


def bugsigdb_rows(session: Session, f: RelationFilter | None = None) -> Iterator[dict[str, Any]]:
    """One row of BUGSIGDB_COLUMNS per signature with at least one taxon BugSigDB can write; the
    study's design, country, body site, sequencing and group sizes from its study facts."""
    for (s, lineages), study in _with_studies(session, _ranked_signatures(session, f)):
        first = s.first
        row: dict[str, Any] = dict.fromkeys(BUGSIGDB_COLUMNS, MISSING)
        row.update(_study_columns(study))
        row.update(
            {
                "BSDB ID": bsdb_id(s),
                "Study": f"Study {s.pmid}",
                "PMID": s.pmid,
                "DOI": first["doi"] or MISSING,
                "URL": f"https://pubmed.ncbi.nlm.nih.gov/{s.pmid}/",
                "Authors list": ", ".join(first["authors"] or ()) or MISSING,
                "Title": first["title"] or MISSING,
                "Journal": first["journal"] or MISSING,
                "Year": first["year"] or MISSING,
                "Experiment": f"Experiment {s.experiment}",
                "Host species": HOSTS.get(s.subject, s.subject),
                "Condition": condition(s),
                "Group 0 name": GROUP_0,
                "Group 1 name": group_1(s),
                "Signature page name": f"Signature {SIGNATURE_NUMBER[s.direction]}",
                "Source": _source(s.members),
                "Curator": f"miner {first['pipeline_version']}",
                "Description": _description(s, len(lineages)),
                "Abundance in Group 1": s.direction,
                "MetaPhlAn taxon names": MEMBER_SEPARATOR["MetaPhlAn taxon names"].join(map(metaphlan_name, lineages)),
                "NCBI Taxonomy IDs": MEMBER_SEPARATOR["NCBI Taxonomy IDs"].join(
                    "|".join(str(n.taxid) for _, n in path) for path in lineages
                ),
            }
        )
        yield row


def gmt_sets(
    session: Session, f: RelationFilter | None = None, ids: str = "ncbi"
) -> Iterator[tuple[str, str, list[str]]]:
    """(name, description, members) per signature as bugsigdbr's writeGMT writes them (the
    description "NA"); members are NCBI taxids, MetaPhlAn names or taxon names (`ids`)."""
    if ids not in GMT_IDS:
        raise ValueError(f"unknown GMT ids {ids!r}; use one of {', '.join(GMT_IDS)}")
    for s, lineages in _ranked_signatures(session, f):
        name = f"{bsdb_id(s)}_{condition(s)}:{group_1(s)}_vs_{GROUP_0}_{UP_DOWN[s.direction]}".replace(" ", "-")
        yield name, MISSING, list(dict.fromkeys(_gmt_member(path, ids) for path in lineages))


def bugsigdb_comment(f: RelationFilter | None = None) -> str:
    """The line BugSigDB's exports open with (bugsigdbr skips it), naming miner, time and filter."""
    now = datetime.now(UTC)
    described = (f or RelationFilter()).described()
    return f"miner signatures {now:%Y-%m-%d_%H:%M}_UTC, filter: {described}, format: BugSigDB full_dump.csv"


def ranked_lineage(tree: TaxonTree, taxid: int | None) -> list[tuple[str, TreeNode]]:
    """(MetaPhlAn rank letter, node), root first, of the lineage's nodes BugSigDB writes; empty
    when the taxon is unknown or has no such rank itself. One node a letter: the deepest."""
    path: list[tuple[str, TreeNode]] = []
    for node in tree.lineage(taxid) if taxid is not None else ():
        letter = METAPHLAN_RANKS.get(node.rank) or ("t" if path and path[-1][0] in ("s", "t") else None)
        if letter is None:
            continue
        if path and path[-1][0] == letter:
            path[-1] = (letter, node)
        else:
            path.append((letter, node))
    return path if path and path[-1][1].taxid == taxid else []


def metaphlan_name(path: Sequence[tuple[str, TreeNode]]) -> str:
    """ "k__Bacteria|p__Firmicutes|…|s__Faecalibacterium prausnitzii" (BugSigDB keeps spaces)."""
    return "|".join(f"{letter}__{_clean(node.name)}" for letter, node in path)


def bsdb_id(s: Signature) -> str:
    return f"bsdb:{s.pmid}/{s.experiment}/{SIGNATURE_NUMBER[s.direction]}"


def condition(s: Signature) -> str:
    """The disorder's name with a capital first letter, as BugSigDB writes conditions."""
    name: str = s.first["disorder"]
    return name[:1].upper() + name[1:]


def group_1(s: Signature) -> str:
    return GROUP_1.get(s.subject, "{} " + s.subject).format(condition(s))


def _signatures(session: Session, f: RelationFilter | None, *, numbered: bool = False) -> Iterator[Signature]:
    """The signatures in (PMID, descriptor, subject) order; `numbered`: with their experiment
    numbers and the article's title and authors (the BugSigDB shapes)."""
    f = f or RelationFilter()
    query = relation_select(session, f)
    if numbered:
        experiments = _experiments(session, f)
        query = query.join(
            experiments,
            and_(
                experiments.c.pmid == Relation.pmid,
                experiments.c.mesh == Relation.mesh,
                experiments.c.subject == Relation.subject,
            ),
        ).add_columns(experiments.c.experiment, Article.title.label("title"), Article.authors.label("authors"))
    query = query.order_by(Relation.pmid, Relation.mesh, Relation.subject, Relation.id).execution_options(
        stream_results=True, yield_per=2000
    )
    rows = (dict(row) for row in session.execute(query).mappings() if row["direction"] in SIGNATURE_NUMBER)
    for (pmid, mesh, subject), paired in groupby(rows, key=lambda r: (r["pmid"], r["mesh"], r["subject"])):
        for direction, members in groupby(
            sorted(paired, key=lambda r: (r["direction"], r["taxon"])), key=lambda r: r["direction"]
        ):
            unique = _unique_taxa(list(members))
            yield Signature(pmid, mesh, subject, direction, unique[0].get("experiment", 0), unique)


def _experiments(session: Session, f: RelationFilter) -> Subquery:
    """(pmid, mesh, subject, experiment) for the articles the filter matches: the pair's place
    among all the article's (descriptor, subject) pairs, whatever the filter, direction or
    verdict, so a signature keeps its BSDB ID from one export to the next."""
    matched = relation_select(session, f).subquery()
    place = func.dense_rank().over(partition_by=Relation.pmid, order_by=(Relation.mesh, Relation.subject))
    return (
        select(Relation.pmid, Relation.mesh, Relation.subject, place.label("experiment"))
        .where(Relation.pmid.in_(select(matched.c.pmid)))
        .distinct()
        .subquery()
    )


def _ranked_signatures(
    session: Session, f: RelationFilter | None
) -> Iterator[tuple[Signature, list[list[tuple[str, TreeNode]]]]]:
    """Each signature with its members' ranked lineages, those without one left out; signatures
    left with no member are skipped (bugsigdbr drops empty signatures too)."""
    tree = reference_of(session).taxon_tree
    for s in _signatures(session, f, numbered=True):
        lineages = [path for path in (ranked_lineage(tree, m["taxid"]) for m in s.members) if path]
        if lineages:
            yield s, lineages


# miner.study_facts values → BugSigDB's words for them
BUGSIGDB_DESIGNS = {
    "case-control": "case-control",
    "cohort": "prospective cohort",
    "cross-sectional": "cross-sectional observational, not case-control",
    "RCT": "randomized controlled trial",
    "animal model": "laboratory experiment",
    "in vitro": "laboratory experiment",
    "Mendelian randomization": "Mendelian randomization",
    "meta-analysis": "meta-analysis",
}
BUGSIGDB_SITES = {
    "stool": "feces",
    "oral": "mouth",
    "nasal": "nasal cavity",
    "skin": "skin",
    "vaginal": "vagina",
    "intestinal mucosa": "intestinal mucosa",
    "intestinal content": "intestinal content",
    "blood": "blood",
    "urine": "urine",
    "cerebrospinal fluid": "cerebrospinal fluid",
    "brain": "brain",
}
BUGSIGDB_SEQUENCING = {"16S rRNA": "16S", "shotgun metagenomics": "WMS", "qPCR": "PCR", "culture": "culture"}


def _study_columns(study: Study) -> dict[str, str | int]:
    def joined(values: Iterable[str]) -> str:
        return ",".join(dict.fromkeys(values)) or MISSING

    def number(value: int | None) -> str | int:
        return MISSING if value is None else value

    return {
        "Study design": joined(BUGSIGDB_DESIGNS[d] for d in study["design"] if d in BUGSIGDB_DESIGNS),
        "Location of subjects": joined(study["countries"]),
        "Body site": joined(BUGSIGDB_SITES.get(site, site) for site in study["body_sites"]),
        "Sequencing type": joined(BUGSIGDB_SEQUENCING.get(method, method) for method in study["methods"]),
        "Group 1 sample size": number(study["cases"]),
        "Group 0 sample size": number(study["controls"]),
    }


def _with_studies(
    session: Session, items: Iterator[tuple[Signature, list[list[tuple[str, TreeNode]]]]]
) -> Iterator[tuple[tuple[Signature, list[list[tuple[str, TreeNode]]]], Study]]:
    """Each (signature, lineages) with its article's study facts, read a chunk of signatures at a time."""
    while chunk := list(islice(items, CHUNK)):
        studies = study_of(session, (s.pmid for s, _ in chunk))
        for item in chunk:
            yield item, studies.get(item[0].pmid) or empty_study()


def _gmt_member(path: list[tuple[str, TreeNode]], ids: str) -> str:
    tip = path[-1][1]
    return str(tip.taxid) if ids == "ncbi" else metaphlan_name(path) if ids == "metaphlan" else _clean(tip.name)


def _clean(name: str) -> str:
    """A name that cannot break BugSigDB's separators ("|" within a lineage, "," between taxa)."""
    return name.replace("|", "/").replace(",", ";")


def _source(members: list[dict[str, Any]]) -> str:
    sections = sorted({m["section"] for m in members if m["section"]})
    return "Abstract" + (f" ({', '.join(sections)})" if sections else "")


def _description(s: Signature, written: int) -> str:
    left_out = len(s.members) - written
    text = (
        f"Taxa reported {s.direction} in {s.first['disorder']} (MeSH {s.mesh}, {s.subject}) in the abstract, "
        f"mined by miner; claims {', '.join(str(m['id']) for m in s.members)}"
    )
    return text + (f"; {left_out} taxa without a ranked NCBI lineage left out" if left_out else "")


def _unique_taxa(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[int | str] = set()
    unique: list[dict[str, Any]] = []
    for member in members:
        key = member["taxid"] or member["taxon"]
        if key not in seen:
            seen.add(key)
            unique.append(member)
    return unique
