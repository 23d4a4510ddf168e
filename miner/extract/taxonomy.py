"""The taxon gazetteer in memory: NCBI nodes (for lineage and rank) and every name that points
at them, read from `miner/pipelines/taxa/taxa.tsv.gz` and `names.tsv.gz` (built by
`miner/pipelines/build_taxa.py`; formats in `miner/pipelines/taxa/README.md`).

Loaded once per process and shared by every pipeline that names the same files.
Imports: stdlib, `miner.errors`, `miner.extract.phrases`, `miner.taxon_tree`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from miner.extract.phrases import PhraseIndex, normalize
from miner.taxon_tree import TreeNode as Node
from miner.taxon_tree import read_nodes, read_tsv

DOMAIN_PREFERENCE = {"Bacteria": 0, "Archaea": 1, "Fungi": 2}


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
        self._typo_buckets: dict[tuple[str, int], list[tuple[str, int, frozenset[str]]]] | None = None
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

    def correct(self, word: str) -> int | None:
        """The taxid of the one genus-or-higher name within one edit of `word` (two for words of
        ten letters or more), or None when there is none or more than one."""
        if self._typo_buckets is None:
            self._typo_buckets = _typo_buckets(self)
        word = word.lower()
        limit = 1 if len(word) < 10 else 2
        grams = _bigrams(word)
        # q-gram lemma: each edit destroys at most two bigrams
        needed = len(grams) - 2 * limit - 1
        found: dict[int, int] = {}
        for length in range(len(word) - limit, len(word) + limit + 1):
            for name, taxid, name_grams in self._typo_buckets.get((word[0], length), ()):
                if len(grams & name_grams) < needed:
                    continue
                distance = edit_distance(word, name, limit)
                if distance <= limit and distance < found.get(taxid, limit + 1):
                    found[taxid] = distance
        if not found:
            return None
        best = min(found.values())
        winners = [taxid for taxid, distance in found.items() if distance == best]
        return winners[0] if len(winners) == 1 else None

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

        def order(entry: Name) -> tuple[int, int, int]:
            node = self.nodes.get(entry.taxid)
            domain = DOMAIN_PREFERENCE.get(node.domain, 9) if node else 9
            return (domain, kinds.get(entry.kind, 9), entry.taxid)

        return min(entries, key=order)


_TYPO_RANKS = {"phylum", "class", "order", "family", "genus"}


def _bigrams(word: str) -> frozenset[str]:
    return frozenset(word[i : i + 2] for i in range(len(word) - 1))


def _typo_buckets(taxonomy: Taxonomy) -> dict[tuple[str, int], list[tuple[str, int, frozenset[str]]]]:
    """Genus-and-higher names by (first letter, length): the only names a typo is checked against."""
    buckets: dict[tuple[str, int], list[tuple[str, int, frozenset[str]]]] = {}
    for key in taxonomy.names.keys():  # noqa: SIM118  (a PhraseIndex: it has keys(), no iteration)
        if " " in key or len(key) < 6:
            continue
        for entry in taxonomy.names.get(key):
            node = taxonomy.nodes.get(entry.taxid)
            if (
                node is None
                or node.rank not in _TYPO_RANKS
                or entry.needs_evidence
                or entry.kind not in ("scientific", "current", "synonym")
            ):
                continue
            buckets.setdefault((key[0], len(key)), []).append((key, entry.taxid, _bigrams(key)))
    return buckets


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions, giving up (limit + 1) past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def load_taxonomy(taxa_path: str | Path, names_path: str | Path) -> Taxonomy:
    """Read the gazetteer files (cached per process by path)."""
    return _load(str(Path(taxa_path).resolve()), str(Path(names_path).resolve()))


@lru_cache(maxsize=4)
def _load(taxa_path: str, names_path: str) -> Taxonomy:
    nodes = read_nodes(taxa_path)
    names: PhraseIndex[Name] = PhraseIndex(max_tokens=6)
    flag_sets: dict[str, frozenset[str]] = {}
    for row in read_tsv(names_path, ("name", "taxid", "kind", "flags")):
        taxid = int(row["taxid"])
        if taxid not in nodes:
            continue
        flags = flag_sets.setdefault(row["flags"], frozenset(f for f in row["flags"].split(",") if f))
        names.add(row["name"], Name(taxid, row["kind"], flags, row["name"] if flags else ""))
    return Taxonomy(nodes, names)
