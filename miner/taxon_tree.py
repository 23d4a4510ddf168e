"""The taxon gazetteer's NCBI tree for reads: a taxon's name, rank and lineage, and which taxids a
name means, without the extraction pipeline's phrase index.

The API uses it to name a lineage, to resolve a taxon typed by a researcher that no stored
finding names yet, and to write MetaPhlAn-style lineage names in signature exports. Reads reach it
through `miner.reference.ReferenceData.taxon_tree` (the gazetteer files its pipeline config
names); `load_tree` reads each pair of files once per process (~0.5 s, ~40 MB). `read_tsv` reads
the gazetteer files for the pipeline too.
Imports: stdlib, `miner.errors`.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from miner.errors import PipelineError

METAPHLAN_PREFIX = {
    "superkingdom": "k",
    "domain": "k",
    "kingdom": "k",
    "phylum": "p",
    "class": "c",
    "order": "o",
    "family": "f",
    "genus": "g",
    "species": "s",
}


def read_tsv(path: str, columns: tuple[str, ...]) -> Iterator[dict]:
    """Rows of a gazetteer TSV (gzip or plain) that has at least `columns`."""
    # opened apart from the reading below, so an unreadable file is told from a malformed one;
    # the `with` below closes it
    try:
        handle = (
            gzip.open(path, "rt", encoding="utf-8", newline="")  # noqa: SIM115
            if path.endswith(".gz")
            else open(path, encoding="utf-8", newline="")  # noqa: SIM115
        )
    except OSError as exc:
        raise PipelineError(f"cannot read gazetteer {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise PipelineError(f"gazetteer {path} lacks columns {', '.join(sorted(missing))}")
        yield from reader


_SHORTENED = re.compile(r"^([a-z])(?:\. ?| )([a-z][a-z-]+(?: [a-z][a-z-]+)?)$")  # "e. lenta", "f prausnitzii"


@dataclass(frozen=True)
class TreeNode:
    taxid: int
    parent: int
    rank: str
    name: str
    domain: str = ""


def read_nodes(path: str) -> dict[int, TreeNode]:
    """taxid → node, from a gazetteer taxa file (`taxid, parent_taxid, rank, name, domain`)."""
    nodes: dict[int, TreeNode] = {}
    for row in read_tsv(path, ("taxid", "parent_taxid", "rank", "name", "domain")):
        taxid = int(row["taxid"])
        nodes[taxid] = TreeNode(taxid, int(row["parent_taxid"] or 0), row["rank"], row["name"], row["domain"])
    return nodes


class TaxonTree:
    def __init__(self, nodes: dict[int, TreeNode], names: dict[str, list[int]], spelled: dict[str, str]):
        self.nodes = nodes
        self._names = names
        self._spelled = spelled  # folded name → as the gazetteer writes it
        self._by_taxid: dict[int, list[str]] | None = None  # built on first use
        self._by_start: dict[str, list[str]] | None = None  # first three letters → names, built on first use

    def node(self, taxid: int) -> TreeNode | None:
        return self.nodes.get(taxid)

    def lineage(self, taxid: int) -> list[TreeNode]:
        """From the root down to the taxon itself (empty when unknown)."""
        path: list[TreeNode] = []
        seen: set[int] = set()
        node = self.nodes.get(taxid)
        while node is not None and node.taxid not in seen:
            path.append(node)
            seen.add(node.taxid)
            node = self.nodes.get(node.parent) if node.parent != node.taxid else None
        return path[::-1]

    def taxids(self, name: str) -> list[int]:
        """The taxids a name (scientific, synonym, former) points at, case-insensitive."""
        return list(self._names.get(" ".join(name.lower().split()), ()))

    def names_of(self, taxid: int) -> list[str]:
        """Every name that points at this taxid, as the gazetteer writes it."""
        if self._by_taxid is None:
            by_taxid: dict[int, list[str]] = {}
            for name, taxids in self._names.items():
                for found in taxids:
                    by_taxid.setdefault(found, []).append(self._spelled.get(name, name))
            self._by_taxid = by_taxid
        return list(self._by_taxid.get(taxid, ()))

    def close_names(self, text: str, limit: int = 5) -> list[str]:
        """Names a mistyped or shortened name may mean, as the gazetteer writes them:
        "E. lenta" → the species of genera starting with E whose epithet is lenta; "Akkermansia
        muciniphilla" → the names spelled most alike among those sharing its first letters."""
        folded = " ".join(text.lower().split())
        short = _SHORTENED.match(folded)
        if short:
            initial, rest = short.groups()
            found = [name for name in self._starting(initial) if name.split(" ", 1)[-1] == rest and " " in name]
        else:
            found = difflib.get_close_matches(folded, self._starting(folded[:3]), n=limit, cutoff=0.8)
        return [
            self._spelled.get(name, name)
            for name in sorted(found, key=lambda n: (n not in found[:limit], len(n)))[:limit]
        ]

    def names_starting(self, text: str) -> list[tuple[str, list[int]]]:
        """(name as written, taxids) for every name starting with `text`, case-insensitive."""
        folded = " ".join(text.lower().split())
        return [
            (self._spelled.get(name, name), self._names[name])
            for name in self._starting(folded[:3])
            if name.startswith(folded)
        ]

    def _starting(self, start: str) -> list[str]:
        if self._by_start is None:
            by_start: dict[str, list[str]] = {}
            for name in self._names:
                by_start.setdefault(name[:3], []).append(name)
            self._by_start = by_start
        if len(start) >= 3:
            return self._by_start.get(start[:3], [])
        return [name for key, names in self._by_start.items() if key.startswith(start) for name in names]

    def metaphlan(self, taxid: int) -> str:
        """ "k__Bacteria|p__Bacillota|…|g__Faecalibacterium": the ranked part of the lineage."""
        parts = [
            f"{METAPHLAN_PREFIX[n.rank]}__{n.name.replace(' ', '_')}"
            for n in self.lineage(taxid)
            if n.rank in METAPHLAN_PREFIX
        ]
        return "|".join(parts)


@lru_cache(maxsize=2)
def load_tree(taxa_path: str, names_path: str) -> TaxonTree:
    """The tree of a gazetteer's taxa file, with every name of its names file."""
    nodes = read_nodes(taxa_path)
    names: dict[str, list[int]] = {}
    spelled: dict[str, str] = {}
    for node in nodes.values():
        names.setdefault(node.name.lower(), []).append(node.taxid)
        spelled.setdefault(node.name.lower(), node.name)
    for row in read_tsv(names_path, ("name", "taxid")):
        taxid = int(row["taxid"])
        key = " ".join(row["name"].lower().split())
        found = names.setdefault(key, [])
        spelled.setdefault(key, row["name"])
        if taxid in nodes and taxid not in found:
            found.append(taxid)
    return TaxonTree(nodes, names, spelled)
