"""One owner for reference data: pointing `[pipeline] config` at another pipeline changes what the
extractor finds *and* what the API's names, suggestions, lineages and the digest's group names read,
because all of them take the `ReferenceData` built from that config.

The other pipeline is the bundled one copied to a temporary folder with one disorder term and
abbreviation, one taxon name and one group name added; the bundled pipeline does not know them.
Imports: stdlib, pytest, `miner.config`, `miner.errors`, `miner.query`, `miner.reference`,
`miner.resources`, `miner.services`, `miner.records`.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from miner import records
from miner.config import load_settings
from miner.errors import NotFound, PipelineError
from miner.query.entities import suggest
from miner.query.names import disorder_meshes, taxids
from miner.reference import ReferenceData, reference_of
from miner.resources import package_path, pipeline_config
from miner.services import make_extractor, open_database

NEW_TERM, NEW_ABBREVIATION = "gut blues disorder", "GBLD"
NEW_TAXON_NAME, FAECALIBACTERIUM = "Faecalibacterium fictum", 216851
MDD = "D003865"
ABSTRACT = (
    f"Patients with {NEW_TERM} ({NEW_ABBREVIATION}) had decreased Faecalibacterium compared with healthy controls."
)


@pytest.fixture(scope="module")
def other_pipeline(tmp_path_factory) -> Path:
    """The bundled pipeline, copied, with a term, an abbreviation, a taxon name and a group name added."""
    folder = tmp_path_factory.mktemp("other") / "pipeline"
    shutil.copytree(package_path("pipelines"), folder)
    lexicon = folder / "disorders.jsonl"
    rows = [json.loads(line) for line in lexicon.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if row["mesh"] == MDD:
            row["terms"].append(NEW_TERM)
            row.setdefault("abbreviations", []).append({"abbr": NEW_ABBREVIATION, "standalone": True})
    lexicon.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    names = folder / "taxa" / "names.tsv.gz"
    with gzip.open(names, "rt", encoding="utf-8") as handle:
        text = handle.read()
    header = text.splitlines()[0].split("\t")
    row = dict.fromkeys(header, "") | {"name": NEW_TAXON_NAME, "taxid": str(FAECALIBACTERIUM)}
    with gzip.open(names, "wt", encoding="utf-8") as handle:
        handle.write(text + "\t".join(row[column] for column in header) + "\n")
    groups = folder / "disorder_groups.json"
    groups.write_text(json.dumps(json.loads(groups.read_text()) | {"depression": "low mood"}), encoding="utf-8")
    return folder / "miner.cfg"


def settings_for(tmp_path: Path, config: str):
    toml = tmp_path / "config.toml"
    toml.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "miner.db"}"\n\n[pipeline]\nconfig = "{config}"\n', encoding="utf-8"
    )
    return load_settings(toml, environ={})


def test_bundled_is_the_package_pipeline_and_a_missing_config_is_one_clear_error(tmp_path):
    assert pipeline_config("bundled") == package_path("pipelines", "miner.cfg")
    assert ReferenceData.of().config == pipeline_config("bundled")
    with pytest.raises(PipelineError, match="pipeline config not found"):
        ReferenceData.of(tmp_path / "nowhere.cfg")


@pytest.mark.slow  # loads a second taxon gazetteer (~2 s)
def test_reads_use_the_configured_pipelines_names(tmp_path, other_pipeline):
    (tmp_path / "other").mkdir()
    other = settings_for(tmp_path / "other", str(other_pipeline))
    bundled = settings_for(tmp_path, "bundled")
    database = open_database(other)
    with database.session() as session:
        assert reference_of(session).config == other_pipeline
        assert disorder_meshes(session, NEW_TERM) == [MDD]
        assert disorder_meshes(session, NEW_ABBREVIATION.lower()) == [MDD]
        assert taxids(session, NEW_TAXON_NAME) == [FAECALIBACTERIUM]
        assert [t["taxid"] for t in suggest(session, "Faecalibacterium fic")["taxa"]] == [FAECALIBACTERIUM]
        assert reference_of(session).group_names["depression"] == "low mood"
    database.dispose()
    database = open_database(bundled)
    with database.session() as session:
        assert reference_of(session).config == pipeline_config("bundled")
        with pytest.raises(NotFound):
            disorder_meshes(session, NEW_TERM)
        with pytest.raises(NotFound):
            taxids(session, NEW_TAXON_NAME)
        assert reference_of(session).group_names["depression"] != "low mood"
    database.dispose()


@pytest.mark.slow
def test_extraction_uses_the_configured_pipeline(tmp_path, other_pipeline):
    (tmp_path / "other").mkdir()
    article = records.Article(
        pmid="1",
        title="Gut microbiota in gut blues disorder",
        sections=(records.Section(ABSTRACT),),
    )
    other = make_extractor(settings_for(tmp_path / "other", str(other_pipeline)))
    bundled = make_extractor(settings_for(tmp_path, "bundled"))
    assert other.version != bundled.version
    assert [(r.taxid, r.mesh, r.direction) for r in other.relations(article)] == [(FAECALIBACTERIUM, MDD, "decreased")]
    assert bundled.relations(article) == []
