"""Scoring by the guidelines' rules, and `miner eval` end to end."""

from __future__ import annotations

import json

import pytest

from miner.cli import main
from miner.evaluate import score

GROUPS = {"D003865": "depression", "D003863": "depression", "D010300": "parkinson"}


def rel(taxon, mesh, direction, taxid=None, evidence=""):
    return {"taxon": taxon, "taxid": taxid, "mesh": mesh, "direction": direction, "evidence": evidence}


def test_triples_pairs_and_direction_accuracy():
    gold = {
        "1": [
            rel("Faecalibacterium", "D003865", "decreased", 216851),
            rel("Ruminococcaceae UCG-002", "D010300", "increased"),
        ],
        "2": [rel("Blautia", "D010300", "decreased", 572511)],
        "3": [],
    }
    predicted = {
        # same group through another descriptor, and a duplicate that counts once
        "1": [
            rel("Faecalibacterium", "D003863", "decreased", 216851),
            rel("Faecalibacterium", "D003863", "decreased", 216851),
            rel("[Ruminococcaceae]  ucg-002", "D010300", "increased"),
        ],
        "2": [rel("Blautia", "D010300", "increased", 572511)],  # right pair, wrong direction
        "3": [rel("Akkermansia", "D010300", "increased", 239934), rel("Akkermansia", "D010300", "associated", 239934)],
        "4": [rel("Bacteroides", "D010300", "increased", 816)],  # not in gold: not scored
    }
    result = score(gold, predicted, GROUPS)
    assert (result.triple.tp, result.triple.fp, result.triple.fn) == (2, 2, 1)
    assert (result.pair.tp, result.pair.fp, result.pair.fn) == (3, 1, 0)
    assert result.direction_accuracy == pytest.approx(2 / 3)
    assert result.triple.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert {(e.pmid, e.kind, e.taxon) for e in result.errors} == {
        ("2", "missed", "blautia"),
        ("2", "extra", "blautia"),
        ("3", "extra", "akkermansia"),
    }


def test_taxid_decides_when_both_sides_have_one():
    gold = {"1": [rel("Firmicutes", "D010300", "decreased", 1239)]}
    assert score(gold, {"1": [rel("Bacillota", "D010300", "decreased", 1239)]}, GROUPS).triple.tp == 1
    assert score(gold, {"1": [rel("Firmicutes", "D010300", "decreased", 999)]}, GROUPS).triple.tp == 0
    assert score(gold, {"1": [rel("firmicutes", "D010300", "decreased")]}, GROUPS).triple.tp == 1


def test_miner_eval_with_predictions(tmp_path, capsys):
    gold, predicted = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold.write_text(
        json.dumps({"pmid": "1", "relations": [rel("Blautia", "D010300", "decreased", 572511, "Blautia was lower.")]})
        + "\n"
    )
    predicted.write_text(
        json.dumps({"pmid": "1", "relations": [rel("Blautia", "D010300", "increased", 572511, "Blautia was higher.")]})
        + "\n"
    )
    assert main(["eval", str(gold), str(predicted), "--errors", "5"]) == 0
    out = capsys.readouterr().out
    assert "triple  P=0.000 R=0.000 F1=0.000 (tp=0 fp=1 fn=1)" in out
    assert "pair    P=1.000 R=1.000 F1=1.000 (tp=1 fp=0 fn=0)" in out
    assert "Blautia was higher." in out and "Blautia was lower." in out
    assert main(["eval", str(gold), str(predicted), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pair"]["f1"] == 1.0


@pytest.mark.slow
def test_miner_eval_extracts_from_the_texts_beside_the_gold(tmp_path, capsys):
    gold, texts = tmp_path / "set.jsonl", tmp_path / "set_texts.jsonl"
    gold.write_text(json.dumps({"pmid": "7", "relations": [rel("Coprococcus", "D003863", "decreased", 33042)]}) + "\n")
    texts.write_text(
        json.dumps({"pmid": "7", "title": "t", "abstract": "Coprococcus was depleted in patients with depression."})
        + "\n"
    )
    assert main(["eval", str(gold)]) == 0
    assert "triple  P=1.000 R=1.000 F1=1.000 (tp=1 fp=0 fn=0)" in capsys.readouterr().out
    missing = tmp_path / "alone.jsonl"
    missing.write_text("")
    assert main(["eval", str(missing)]) == 3
    assert "pass --texts" in capsys.readouterr().err
