"""Read the pattern data in `miner/pipelines/`: the disorder lexicon (`disorders.jsonl`), the direction
triggers (`directions.jsonl`) and the cue word lists (`cues.json`). Formats are described in
`miner/pipelines/README.md`. Each file is read once per process.
Imports: stdlib, `miner.datafiles`, `miner.errors`, `miner.extract.phrases`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from miner.datafiles import read_json_lines, read_json_object
from miner.errors import PipelineError
from miner.extract.phrases import PhraseIndex, normalize


@dataclass(frozen=True)
class Concept:
    """A MeSH descriptor of the guidelines' table."""

    mesh: str
    name: str
    group: str


@dataclass(frozen=True)
class Trigger:
    """A direction word: `kind` is change, comparative, null or correlation."""

    direction: str
    kind: str


EXCLUDED = Concept("", "", "")  # value of phrases that block a term ("oxidative stress")


@dataclass(frozen=True)
class DisorderLexicon:
    concepts: dict[str, Concept]
    terms: PhraseIndex[Concept]  # a term → its concept (umbrella terms → several; blockers → EXCLUDED)
    adjectives: dict[str, Concept]
    abbreviations: dict[str, tuple[Concept, bool]]  # ABBR → (concept, usable without a definition)
    models: PhraseIndex[Concept]  # animal models and model agents → the disorder they model


@lru_cache(maxsize=4)
def load_disorders(path: str, umbrellas: str | None = None) -> DisorderLexicon:
    """The lexicon of `disorders.jsonl` (see miner/pipelines/DISORDERS.md), plus umbrella terms that
    name several descriptors at once ("affective disorders" → bipolar and depressive disorder)."""
    concepts: dict[str, Concept] = {}
    terms: PhraseIndex[Concept] = PhraseIndex(max_tokens=10)
    adjectives: dict[str, Concept] = {}
    abbreviations: dict[str, tuple[Concept, bool]] = {}
    models: PhraseIndex[Concept] = PhraseIndex(max_tokens=8)
    for row in read_json_lines(path):
        try:
            concept = Concept(row["mesh"], row["name"], row["group"])
        except KeyError as exc:
            raise PipelineError(f"{path}: entry without {exc.args[0]}: {row}") from exc
        concepts[concept.mesh] = concept
        for term in [concept.name, *row.get("terms", [])]:
            terms.add(term, concept)
        for phrase in row.get("exclude_contexts", []):
            terms.add(phrase, EXCLUDED)
        for adjective in row.get("adjectives", []):
            adjectives[normalize(adjective)] = concept
        for item in row.get("abbreviations", []):
            abbreviations[item["abbr"]] = (concept, bool(item.get("standalone")))
        for model in row.get("models", []):
            models.add(model, concept)
    for row in read_json_lines(umbrellas) if umbrellas else []:
        try:
            members = [concepts[mesh] for mesh in row["meshes"]]
        except KeyError as exc:
            raise PipelineError(f"{umbrellas}: unknown descriptor {exc.args[0]}") from exc
        for term in row["terms"]:
            for concept in members:
                terms.add(term, concept)
    return DisorderLexicon(concepts, terms, adjectives, abbreviations, models)


@lru_cache(maxsize=4)
def load_triggers(path: str) -> PhraseIndex[Trigger]:
    index: PhraseIndex[Trigger] = PhraseIndex(max_tokens=6)
    for row in read_json_lines(path):
        index.add(row["phrase"], Trigger(row["direction"], row["kind"]))
    return index


@dataclass(frozen=True)
class Cues:
    """Named word lists (normalized); `phrases(name)` gives a PhraseIndex for multi-word lists."""

    lists: dict[str, frozenset[str]]
    stems: dict[str, tuple[str, ...]]  # the raw lists, lower case, for prefix matching

    def __getitem__(self, name: str) -> frozenset[str]:
        return self.lists[name]

    # B019: the cache keeps `self` alive, which is fine: Cues come from the cached `load_cues`, a
    # handful per process, and are hashed by identity (below)
    @lru_cache(maxsize=32)  # noqa: B019
    def phrases(self, name: str) -> PhraseIndex[str]:
        index: PhraseIndex[str] = PhraseIndex(max_tokens=6)
        for phrase in self.lists[name]:
            index.add(phrase, name)
        return index

    @lru_cache(maxsize=32)  # noqa: B019  (as `phrases`)
    def prefixes(self, name: str) -> re.Pattern[str]:
        """A pattern matching a normalized word that starts with one of the list's stems."""
        stems = sorted(self.stems[name], key=len, reverse=True)
        return re.compile("^(?:" + "|".join(re.escape(stem) for stem in stems) + ")")

    def __hash__(self) -> int:
        return id(self)


@lru_cache(maxsize=4)
def load_cues(path: str) -> Cues:
    data = read_json_object(path)
    lists = {name: words for name, words in data.items() if not name.startswith("_")}
    return Cues(
        {name: frozenset(normalize(w) for w in words) for name, words in lists.items()},
        # stems keep their spacing: "pre " must not match "prevotella"
        {name: tuple(w.lower().replace("-", " ") for w in words) for name, words in lists.items()},
    )
