"""The learned decision (`miner_decision`) over the rules' candidates, and the pipeline's
conventions: declared requires/assigns, a version that follows everything deciding the output."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import ROOT

from miner.extract import article_text
from miner.extract.decision import Model, decide
from miner.extract.pipeline import code_files, pipeline_version
from miner.records import Article, Section

pytestmark = pytest.mark.slow


def candidates_of(nlp, text: str, title: str = "Gut microbiota in depression."):
    from miner.extract.extractor import prepared_docs

    article = Article(pmid="1", title=title, sections=(Section(text),))
    [(doc, _)] = list(nlp.pipe(prepared_docs(nlp, [article]), as_tuples=True))
    return doc._.candidates


SENTENCE = (
    "We investigated whether Blautia is reduced in depression. Faecalibacterium was decreased in patients "
    "with depression."
)


def test_the_model_keeps_what_reaches_its_threshold_at_the_best_mention(nlp):
    found = candidates_of(nlp, SENTENCE)
    by_taxon = {c.taxon.text: c for c in found}
    assert by_taxon["Faecalibacterium"].reject == "" and by_taxon["Blautia"].reject == "aim"
    # a model that only trusts what the rules accept, with a known calibration
    model = Model({"reject=none": 3.0, "bias": -1.0}, calibration=(1.0, 0.0), threshold=0.5)
    kept = decide(found, model, model.threshold)
    assert [(f.taxon.text, f.disorder.group, f.direction) for f in kept] == [
        ("Faecalibacterium", "depression", "decreased")
    ]
    assert kept[0].confidence == pytest.approx(0.881, abs=0.001)  # sigmoid(3 - 1)
    # the same candidates through a model that keeps everything: the aim comes back
    assert {f.taxon.text for f in decide(found, Model({"bias": 5.0}), 0.5)} == {"Faecalibacterium", "Blautia"}
    # "rules": the rules decide, the model only gives the confidence
    assert [f.taxon.text for f in decide(found, Model({"bias": -5.0}), 0.5, by="rules")] == ["Faecalibacterium"]


def test_the_shipped_model_drops_aims_and_keeps_a_plain_finding(extractor):
    article = Article(pmid="1", title="Gut microbiota in depression.", sections=(Section(SENTENCE),))
    [(_, relations)] = list(extractor.extract([article]))
    assert {(r.taxon, r.direction) for r in relations} == {("Faecalibacterium", "decreased")}
    assert 0.8 <= relations[0].confidence <= 1.0


def test_a_model_file_says_what_is_wrong_with_it(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"format": 99, "weights": {}, "calibration": [1, 0], "threshold": 0.5}))
    with pytest.raises(ValueError, match="format 99"):
        Model.load(path)
    round_trip = Model({"bias": -0.25, "how=pre": 1.5}, (1.2, -0.3), 0.61, {"abstracts": 3})
    path.write_text(json.dumps(round_trip.to_json()))
    assert Model.load(path) == round_trip


def test_components_declare_what_they_need_and_give(nlp):
    analysis = nlp.analyze_pipes(pretty=False)
    assert all(problems == [] for problems in analysis["problems"].values())
    assert analysis["summary"]["decision"]["requires"] == ["doc._.candidates"]
    assert "doc._.candidates" in analysis["summary"]["relations"]["assigns"]


def test_tuning_values_are_config(nlp):
    relations = nlp.get_pipe("relations")
    assert relations.tuning.max_scope == nlp.config["components"]["relations"]["max_scope"] == 45
    assert nlp.config["components"]["relations"]["confidence"]["strong"] == 0.92


def test_the_version_follows_config_data_and_code(tmp_path):
    folder = tmp_path / "miner" / "pipelines"
    shutil.copytree(ROOT / "miner" / "pipelines", folder, ignore=shutil.ignore_patterns("taxa"))
    shutil.copytree(ROOT / "miner" / "pipelines" / "taxa", folder / "taxa")
    config = folder / "miner.cfg"
    before = pipeline_version(config)
    assert pipeline_version(config) == before
    assert pipeline_version(config, {"components.decision.decide": "rules"}) != before
    cues = folder / "cues.json"
    cues.write_text(cues.read_text().replace('"hedges": [', '"hedges": ["perchance", ', 1))
    assert pipeline_version(config) != before
    # every module the components import, inside the extraction package or not
    names = {str(path.relative_to(ROOT / "miner")) for path in code_files()}
    assert {"taxon_tree.py", "extract/decision.py", "extract/features.py", "records.py"} <= names
    assert "cli.py" not in names and "store/writer.py" not in names


def test_article_text_keeps_italics_and_sections_as_doc_attributes(nlp):
    from miner.extract.extractor import prepared_docs

    article = Article(
        pmid="1", title="Title", sections=(Section("Blautia was lower.", label="RESULTS", italics=((0, 7),)),)
    )
    [(doc, _)] = list(nlp.pipe(prepared_docs(nlp, [article]), as_tuples=True))
    assert doc._.sections == ((0, 5, "TITLE"), (6, 24, "RESULTS"))
    assert doc._.italics == ((6, 13),)
    assert article_text(article).text == doc.text
