"""The API's declared answer shapes (`miner.web.schemas`, in the OpenAPI document) are what it
sends: real answers over the shared seeded corpus (called in process), on SQLite and PostgreSQL, validate against each
endpoint's declared model with no field undeclared and none missing, and the OpenAPI document
names those models for each operation.
Imports: pydantic, `miner.web.schemas`, and the `corpus_client` fixture (tests/conftest.py).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from miner.web import schemas

API = "/api/v1"
# (path, query, declared model): every JSON endpoint, in the shapes its options give
ANSWERS = [
    ("/relations", {"limit": 500}, schemas.ClaimPage),
    ("/relations", {"taxon": "Lachnospiraceae", "include_descendants": "true", "limit": 3}, schemas.ClaimPage),
    ("/pairs", {"limit": 500}, schemas.PairPage),
    ("/pairs", {"roll_up": "family", "evidence": "all"}, schemas.PairPage),
    ("/pairs", {"disorder": "MDD,bipolar", "sort": "-consensus", "min_papers": 2}, schemas.PairPage),
    ("/profile", {"disorders": "depression,bipolar,parkinson"}, schemas.Profile),
    ("/profile", {"disorders": "depression,parkinson", "roll_up": "family", "sort": "taxon"}, schemas.Profile),
    ("/shared", {"disorders": "depression,parkinson"}, schemas.Shared),
    ("/taxa/Faecalibacterium", {"include_descendants": "true"}, schemas.TaxonDetail),
    ("/taxa/853", {}, schemas.TaxonDetail),
    ("/disorders", {}, schemas.Disorders),
    ("/disorders/MDD", {}, schemas.DisorderDetail),
    ("/articles/2004", {}, schemas.ArticleDetail),
    ("/conflicts", {}, schemas.Conflicts),
    ("/stats", {}, schemas.Stats),
    ("/suggest", {"q": "Blau"}, schemas.Suggestions),
    ("/suggest", {"q": "depress"}, schemas.Suggestions),
]


@pytest.fixture
def api(corpus_client):
    return corpus_client


def test_answers_are_the_declared_shapes(api):
    for path, params, model in ANSWERS:
        answer = api.get(API + path, params=params)
        assert answer.status_code == 200, (path, answer.text[:300])
        body = answer.json()
        try:
            model.model_validate(body)
        except ValidationError as exc:
            pytest.fail(f"{path} {params}: not a {model.__name__}: {exc}")
        assert any(
            body.get(key)
            for key in ("items", "rows", "findings", "claims", "taxa", "articles", "most_studied", "disorders")
        ), (path, "an empty answer proves nothing")


def test_a_field_the_model_does_not_declare_fails_the_check(api):
    body = api.get(API + "/stats").json()
    with pytest.raises(ValidationError):
        schemas.Stats.model_validate({**body, "undeclared": 1})
    del body["relations"]
    with pytest.raises(ValidationError):
        schemas.Stats.model_validate(body)


def test_the_openapi_document_names_each_answers_model(api):
    document = api.get(API + "/openapi.json").json()
    for path, _, model in ANSWERS:
        template = (
            "/taxa/{taxon}"
            if path.startswith("/taxa/")
            else "/disorders/{mesh}"
            if path.startswith("/disorders/")
            else ("/articles/{pmid}" if path.startswith("/articles/") else path)
        )
        content = document["paths"][API + template]["get"]["responses"]["200"]["content"]["application/json"]
        assert content["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}, (path, content)
    claim = document["components"]["schemas"]["Claim"]
    assert {"evidence", "taxon_start", "study", "direction"} <= set(claim["properties"])
