"""The reference data every stage reads, with one owner: built from the resolved pipeline config and
handed to extraction, queries, suggestions, signatures and the digest.

The config's `[initialize.components]` names the taxon gazetteer, the disorder lexicon, the umbrella
terms and the cues; the other files are read from the config's folder by fixed names:
`disorder_groups.json` (readers' names of the disorder groups) and `quality.json` (what `miner train`
measured). Pointing `[pipeline] config` at another pipeline therefore changes extraction and every
read alike. Each part is read on first use and kept with the object; `ReferenceData.of(config)` keeps
one object per config.

Reads find theirs through the session (`reference_of(session)`): `Database` puts its
`ReferenceData` in every session's `info`, as it does the trusted confidence.
Imports: stdlib, confection (spaCy's config reader), `miner.datafiles`, `miner.errors`, `miner.resources`,
`miner.taxon_tree`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from confection import Config

from miner.datafiles import read_json_lines, read_json_object
from miner.errors import PipelineError
from miner.resources import BUNDLED, pipeline_config
from miner.taxon_tree import TaxonTree, load_tree

GROUP_NAMES = "disorder_groups.json"
QUALITY = "quality.json"


@dataclass(frozen=True)
class LexiconEntry:
    """A MeSH descriptor of the disorder lexicon, as reads name it."""

    mesh: str
    group: str
    terms: tuple[str, ...]  # the descriptor's name first
    abbreviations: tuple[str, ...]


@dataclass(frozen=True)
class ReferenceData:
    config: Path  # the pipeline config, absolute
    files: dict[str, Path] = field(compare=False, hash=False, repr=False)  # the data files by role

    @staticmethod
    def of(config: str | Path = BUNDLED) -> ReferenceData:
        """The reference data of a pipeline config (`bundled` or a path), one object per config."""
        return _reference(pipeline_config(config))

    @property
    def folder(self) -> Path:
        return self.config.parent

    @cached_property
    def taxon_tree(self) -> TaxonTree:
        """The gazetteer's NCBI tree: names, ranks, lineages (~0.5 s, ~40 MB on first use)."""
        return load_tree(str(self.files["taxa"]), str(self.files["taxon_names"]))

    @cached_property
    def disorder_lexicon(self) -> dict[str, LexiconEntry]:
        """MeSH descriptor → the lexicon's terms and abbreviations for it."""
        entries: dict[str, LexiconEntry] = {}
        for row in read_json_lines(self.files["disorders"]):
            abbreviations = tuple(item["abbr"] for item in row.get("abbreviations", []))
            entries[row["mesh"]] = LexiconEntry(
                row["mesh"], row["group"], (row["name"], *row.get("terms", [])), abbreviations
            )
        return entries

    @cached_property
    def disorder_groups(self) -> dict[str, str]:
        """MeSH descriptor → scoring group."""
        return {mesh: entry.group for mesh, entry in self.disorder_lexicon.items()}

    @cached_property
    def group_names(self) -> dict[str, str]:
        """Disorder group → a name fit for a reader, where the pipeline gives one."""
        names = read_json_object(self.folder / GROUP_NAMES)
        return {group: name for group, name in names.items() if not group.startswith("_")}

    @cached_property
    def quality(self) -> dict[str, Any]:
        """The extraction quality `miner train` measured for this pipeline (README, Quality)."""
        return read_json_object(self.folder / QUALITY)


@lru_cache(maxsize=8)
def _reference(config: Path) -> ReferenceData:
    return ReferenceData(config, _data_files(config))


def _data_files(config: Path) -> dict[str, Path]:
    """The data files the config's components are initialized with, by role."""
    if not config.is_file():
        raise PipelineError(f"pipeline config not found: {config}")
    try:
        resolved = Config().from_disk(config, overrides={"paths.pipelines": str(config.parent)}, interpolate=True)
        components = resolved["initialize"]["components"]
        return {
            "taxa": Path(components["taxa"]["taxa"]),
            "taxon_names": Path(components["taxa"]["names"]),
            "disorders": Path(components["disorders"]["lexicon"]),
            "umbrellas": Path(components["disorders"]["umbrellas"]),
            "cues": Path(components["disorders"]["cues"]),
        }
    except (OSError, KeyError, ValueError) as exc:
        raise PipelineError(f"cannot read the data files of pipeline config {config}: {exc}") from exc


def reference_of(session: Any) -> ReferenceData:
    """The reference data of a database session (`Database` sets it); the bundled pipeline's for a
    session made without one."""
    found = session.info.get("reference")
    return found if isinstance(found, ReferenceData) else ReferenceData.of()
