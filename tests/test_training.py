"""Training and cross-validating the learned decision (`miner train`), on 20 annotated development
abstracts copied into tests/fixtures/annotated/; the scores printed by `miner eval` carry a
reliability table."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT

from miner import training
from miner.config import load_settings
from miner.evaluate import precision_from, read_records, reliability, score
from miner.extract.decision import Model
from miner.extract.pipeline import load_pipeline
from miner.services import disorder_groups

pytestmark = pytest.mark.slow

FIXTURES = ROOT / "tests" / "fixtures" / "annotated"


@pytest.fixture(scope="module")
def corpus():
    gold, articles, sources = training.load_corpus([FIXTURES / "gold.jsonl"], [FIXTURES / "texts.xml"])
    groups = disorder_groups(load_settings(None))
    nlp = load_pipeline(ROOT / "miner" / "pipelines" / "miner.cfg", exclude=("decision",))
    rows = training.collect(nlp, (articles[p] for p in sorted(gold)), gold, groups)
    return gold, rows, groups, sources


def test_candidates_are_labelled_against_the_gold(corpus):
    gold, rows, groups, sources = corpus
    assert sources == {"gold.jsonl": 20}
    assert {row.pmid for row in rows} <= set(gold)
    positives = [row for row in rows if row.label]
    assert positives and len(positives) < len(rows)
    # a positive row is a triple of its abstract's gold record
    for row in positives:
        assert any(r["direction"] == row.direction and groups[r["mesh"]] == row.group for r in gold[row.pmid])
    # the rules alone accept some candidates and turn others down, saying why
    assert {row.rule for row in rows} == {True, False}
    assert all("reject=none" in row.features for row in rows if row.rule)


def test_cross_validation_scores_every_way_of_deciding(corpus):
    gold, rows, groups, _ = corpus
    result = training.cross_validate(rows, gold, groups, k=4, seeds=(0,), c=0.3)
    assert set(result.scores) == set(training.DECISIONS)
    assert all(len(scores) == 4 for scores in result.scores.values())
    # every fold is scored on its own abstracts only: the folds' gold triples add up to the whole
    whole = score(gold, {}, groups).triple.fn
    assert sum(s.triple.tp + s.triple.fn for s in result.scores["rules"]) == whole
    figures = training.summary(result.scores["model"])
    assert 0.0 <= figures["f1"]["mean"] <= 1.0 and figures["f1"]["sd"] >= 0.0


def test_a_trained_model_is_a_plain_table_the_pipeline_reads(corpus, tmp_path):
    gold, rows, groups, _ = corpus
    model = training.fit(rows, gold, groups, inner_folds=4)
    assert "bias" in model.weights and "reject=none" in model.weights
    assert model.weights["reject=none"] > 0  # what the rules accept is more often right
    assert 0.0 < model.threshold < 1.0
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model.to_json()))
    assert Model.load(path).threshold == pytest.approx(model.threshold, abs=1e-4)
    predicted, kept = training.predict(model, rows)
    assert kept and all(0.0 <= p <= 1.0 for p, _ in kept)
    assert set(predicted) <= set(gold)


def test_reliability_table_and_trusted_confidence():
    judged = (
        [(0.95, True)] * 9 + [(0.95, False)] + [(0.85, True)] * 4 + [(0.75, True), (0.75, False)] + [(0.55, False)] * 2
    )
    table = {row["confidence"]: row for row in reliability(judged)}
    assert table["0.9–1.0"] == {"confidence": "0.9–1.0", "triples": 10, "precision": 0.9}
    assert table["0.7–0.8"]["precision"] == 0.5 and table["0.6–0.7"]["triples"] == 0
    assert precision_from(judged, 0.8) == {"confidence_at_least": 0.8, "triples": 14, "precision": round(13 / 14, 3)}
    # trusted from where every bin above is right at least 85% of the time, on enough triples
    assert training.trusted_confidence(judged, evidence=1) == 0.8
    assert training.trusted_confidence(judged, evidence=5) == 0.9
    assert training.trusted_confidence([(0.95, True)] * 30 + [(0.85, True)] * 30 + [(0.55, True)] * 3) == 0.8


def test_miner_train_dry_run_and_eval_print_the_tables(tmp_path):
    env_python = sys.executable
    done = subprocess.run(
        [
            env_python,
            "-m",
            "miner",
            "train",
            str(FIXTURES / "gold.jsonl"),
            "--texts",
            str(FIXTURES / "texts.xml"),
            "--folds",
            "4",
            "--seeds",
            "1",
            "--dry-run",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "20 annotated abstracts, 4-fold cross-validation × 1 seeds" in done.stdout
    chosen = [line for line in done.stdout.splitlines() if line.startswith("* ")]
    assert len(chosen) == 1 and chosen[0].split("  ")[0][2:].strip() in training.DECISIONS  # the way of deciding chosen
    assert "confidence  triples  precision" in done.stdout
    evaluated = subprocess.run(
        [
            env_python,
            "-m",
            "miner",
            "eval",
            str(FIXTURES / "gold.jsonl"),
            "--texts",
            str(FIXTURES / "texts.xml"),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    result = json.loads(evaluated.stdout)
    assert sum(row["triples"] for row in result["reliability"]) == result["triple"]["tp"] + result["triple"]["fp"]


def test_annotations_without_texts_are_refused(tmp_path):
    from miner.errors import ParseError

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"pmid": "99999999", "relations": []}) + "\n")
    with pytest.raises(ParseError, match="no text for 1 annotated abstracts"):
        training.load_corpus([gold], [FIXTURES / "texts.xml"])
    assert read_records(gold) == {"99999999": []}
