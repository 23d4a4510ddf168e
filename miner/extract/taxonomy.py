"""The taxon gazetteer in memory: NCBI nodes (for lineage and rank) and every name that points
at them, read from `pipelines/taxa/taxa.tsv.gz` and `names.tsv.gz` (built by
`pipelines/build_taxa.py`; formats in `pipelines/taxa/README.md`).

Loaded once per process and shared by every pipeline that names the same files.
Imports: stdlib, `miner.errors`, `miner.extract.phrases`.
"""
from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from miner.errors import PipelineError
from miner.extract.phrases import PhraseIndex, normalize

DOMAIN_PREFERENCE = {"Bacteria": 0, "Archaea": 1, "Fungi": 2}


@dataclass(frozen=True)
class Node:
    taxid: int
    parent: int
    rank: str
    name: str
    domain: str


@dataclass(frozen=True)
class Name:
    """One way of writing a taxon: `kind` is scientific, synonym, equivalent, current, plural or
    vernacular; `flags` mark names that need evidence before they count (ordinary words, very
    short or all-uppercase names)."""

    taxid: int
    kind: str
    flags: frozenset[str]
    form: str = ""

    @property
    def needs_evidence(self) -> bool:
        return bool(self.flags)


class Taxonomy:
    """Lookups the taxon recognizer needs: names → taxa, taxid → node, lineage, and the
    index of abbreviated species ("F. prausnitzii")."""

    def __init__(self, nodes: dict[int, Node], names: PhraseIndex[Name]):
        self.nodes = nodes
        self.names = names
        self.abbreviated: dict[tuple[str, str], list[int]] = {}
        self.genus_names: dict[str, int] = {}
        for key in list(names.keys()):
            for entry in names.get(key):
                node = nodes.get(entry.taxid)
                if node is None or node.rank != "species" or entry.kind not in ("scientific", "current", "synonym"):
                    continue
                words = key.split(" ")
                if len(words) == 2:
                    self.abbreviated.setdefault((words[0][0], words[1]), []).append(entry.taxid)
        for node in nodes.values():
            if node.rank == "genus":
                self.genus_names.setdefault(normalize(node.name), node.taxid)

    def node(self, taxid: int) -> Node | None:
        return self.nodes.get(taxid)

    def lineage(self, taxid: int) -> tuple[int, ...]:
        """Ancestors from the top of the domain down to `taxid` itself."""
        chain: list[int] = []
        seen: set[int] = set()
        current = taxid
        while current and current in self.nodes and current not in seen:
            seen.add(current)
            chain.append(current)
            current = self.nodes[current].parent
        return tuple(reversed(chain))

    def genus_of(self, taxid: int) -> int | None:
        for ancestor in reversed(self.lineage(taxid)):
            if self.nodes[ancestor].rank == "genus":
                return ancestor
        return None

    def best(self, entries: list[Name]) -> Name:
        """The reading of a homonym to prefer: bacteria before archaea before fungi, real names
        before derived forms, lower ranks last."""
        kinds = {"scientific": 0, "current": 1, "synonym": 2, "equivalent": 3, "vernacular": 4, "plural": 5}

        def order(entry: Name) -> tuple:
            node = self.nodes.get(entry.taxid)
            domain = DOMAIN_PREFERENCE.get(node.domain, 9) if node else 9
            return (domain, kinds.get(entry.kind, 9), entry.taxid)

        return min(entries, key=order)


def load_taxonomy(taxa_path: str | Path, names_path: str | Path) -> Taxonomy:
    """Read the gazetteer files (cached per process by path)."""
    return _load(str(Path(taxa_path).resolve()), str(Path(names_path).resolve()))


@lru_cache(maxsize=4)
def _load(taxa_path: str, names_path: str) -> Taxonomy:
    nodes: dict[int, Node] = {}
    for row in _rows(taxa_path, ("taxid", "parent_taxid", "rank", "name", "domain")):
        taxid = int(row["taxid"])
        nodes[taxid] = Node(taxid, int(row["parent_taxid"] or 0), row["rank"], row["name"], row["domain"])
    names: PhraseIndex[Name] = PhraseIndex(max_tokens=6)
    flag_sets: dict[str, frozenset[str]] = {}
    for row in _rows(names_path, ("name", "taxid", "kind", "flags")):
        taxid = int(row["taxid"])
        if taxid not in nodes:
            continue
        flags = flag_sets.setdefault(row["flags"], frozenset(f for f in row["flags"].split(",") if f))
        names.add(row["name"], Name(taxid, row["kind"], flags, row["name"] if flags else ""))
    return Taxonomy(nodes, names)


def _rows(path: str, columns: tuple[str, ...]):
    try:
        handle = gzip.open(path, "rt", encoding="utf-8", newline="") if path.endswith(".gz") else open(
            path, encoding="utf-8", newline=""
        )
    except OSError as exc:
        raise PipelineError(f"cannot read gazetteer {path}: {exc.strerror}") from None
    with handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise PipelineError(f"gazetteer {path} lacks columns {', '.join(sorted(missing))}")
        yield from reader
