"""Hostile requests and hostile records against the API and the pages, called in process (httpx
over the ASGI app; one test through a real uvicorn server on loopback, for its connection), on
SQLite and PostgreSQL, over the corpus of `tests/api_seed.py` and two hostile papers (seeded once
per session, then only read).

- Every integer a route reads (found from the app's routes, so a new route is covered without
  editing this file), and every taxon filter (a taxid is an integer too), given a number out of
  range, negative or past 2^63−1, is a 400 with the usual error body: JSON under /api/v1, the
  HTML error page elsewhere; never a 500.
- An empty query value means the same as a missing one, everywhere.
- The OpenAPI document says what the API answers: 400/404 with the real error body, no 422,
  exports as text/csv and application/x-ndjson.
- A record whose title, taxon, evidence or journal starts with `=HYPERLINK(…)` (or +, -, @, tab,
  carriage return) comes out of every CSV miner writes (API exports, `miner export`, `miner
  conflicts`) with a leading single quote, while numbers stay numbers and JSON Lines stay exact.
Imports: httpx, FastAPI (its route list), `miner.*`, and the test helpers `api_seed`,
`builders`, `web_server`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import get_args

import httpx
import pytest
from api_seed import CURATOR, MDD, seed
from builders import make_article, make_relation, store_papers
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, iter_route_contexts
from web_server import asgi_client, serve

from miner.cli import main
from miner.exports import formatted

API = "/api/v1"
FORMULA = '=HYPERLINK("http://evil.example/steal","click me")'
HOSTILE_TAXON = FORMULA
HOSTILE_JOURNAL = "@SUM(1+1)*cmd|' /C calc'!A0"
HOSTILE_TITLE = "+" + FORMULA
TOO_BIG = [str(2**63), "99999999999999999999", "-1", "-99999999999999999999"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# every (route, integer parameter) the probe found: the discovery below must find at least these
KNOWN = {
    ("/api/v1/relations", "limit"),
    ("/api/v1/relations", "year_from"),
    ("/api/v1/relations", "year_to"),
    ("/api/v1/pairs", "offset"),
    ("/api/v1/pairs", "limit"),
    ("/api/v1/pairs", "min_papers"),
    ("/api/v1/conflicts", "offset"),
    ("/api/v1/conflicts", "limit"),
    ("/api/v1/export/relations", "year_from"),
    ("/search", "year_from"),
    ("/search", "year_to"),
    ("/search/claims", "year_to"),
    ("/conflicts", "page"),
    ("/conflicts/{conflict_id}", "conflict_id"),
    ("/audit", "before"),
    ("/claims/{relation_id}/verdict", "relation_id"),
}
# what each form needs besides the number, so that the number is the only thing wrong
FORMS = {"/conflicts/{conflict_id}/status": {"status": "open"}, "/claims/{relation_id}/verdict": {"verdict": "correct"}}


def hostile_papers() -> list:
    """Two papers disagreeing about a taxon whose name is a formula (so a conflict names it too),
    with a formula in the title, the journal and the evidence sentence."""
    papers = []
    for pmid, direction, trigger in (("3001", "decreased", "reduced"), ("3002", "increased", "raised")):
        evidence = f"{HOSTILE_TAXON} was {trigger} in major depressive disorder patients."
        at, trigger_at = evidence.index("major"), evidence.index(trigger)
        relation = make_relation(
            pmid=pmid,
            taxon=HOSTILE_TAXON,
            taxid=None,
            direction=direction,
            mesh=MDD,
            evidence=evidence,
            taxon_text=HOSTILE_TAXON,
            taxon_start=0,
            taxon_end=len(HOSTILE_TAXON),
            disorder_text="major depressive disorder",
            disorder_start=at,
            disorder_end=at + len("major depressive disorder"),
            trigger=trigger,
            trigger_start=trigger_at,
            trigger_end=trigger_at + len(trigger),
            sentence_start=0,
        )
        article = make_article(
            pmid=pmid,
            title=HOSTILE_TITLE,
            text=evidence,
            journal=HOSTILE_JOURNAL,
            year=2023,
            doi=f"10.5555/hostile.{pmid}",
        )
        papers.append((article, [relation]))
    return papers


def with_hostile_papers(database) -> None:
    with database.session() as session:
        store_papers(session, hostile_papers())


@pytest.fixture
def site(seeded_databases):
    """The app over the seeded corpus and the hostile papers, and that database (only read)."""
    on = ("api", seed)
    return (
        seeded_databases.app("api-with-hostile", with_hostile_papers, on),
        seeded_databases.get("api-with-hostile", with_hostile_papers, on),
    )


@pytest.fixture
def client(site):
    """An anonymous client of the app, in process."""
    with asgi_client(site[0]) as client:
        yield client


@pytest.fixture
def curator(site):
    """A client logged in as the seeded curator (the workbench pages and forms need one)."""
    with asgi_client(site[0]) as client:
        answer = client.post(
            "/login",
            data={"username": CURATOR[0], "password": CURATOR[1], "next": "/", "csrf_token": csrf(client, "/login")},
        )
        assert answer.status_code == 303, answer.text[:300]
        yield client


def csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    return TOKEN.search(page.text).group(1)


# ---- integers out of range ----------------------------------------------------------------------


def routes(app) -> list[tuple[str, set[str], list]]:
    """(path, methods, parameters) of every route of the app, however its routers are included."""
    return [
        (context.path, set(context.methods), get_flat_params(context.original_route.dependant))
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]


def integer_inputs(app) -> list[tuple[str, str, str, str]]:
    """(method, path, parameter, where) for every integer path or query parameter of every route."""
    return [
        (method, path, field.alias, type(field.field_info).__name__.lower())
        for path, methods, fields in routes(app)
        for field in fields
        if _is_integer(field.field_info.annotation)
        for method in sorted(methods)
    ]


def _is_integer(annotation) -> bool:
    """int, or int inside Optional, a union or Annotated."""
    return annotation is int or any(_is_integer(inner) for inner in get_args(annotation))


def taxon_inputs(app) -> list[tuple[str, str]]:
    """(path, where) of the GET routes with a `taxon` parameter: a taxid in it is an integer too."""
    return [
        (path, type(f.field_info).__name__.lower())
        for path, methods, fields in routes(app)
        if "GET" in methods
        for f in fields
        if f.alias == "taxon"
    ]


def ask(client: httpx.Client, method: str, path: str, name: str, where: str, value: str) -> httpx.Response:
    """Send `value` as the parameter, every other path parameter an existing id (1), and a form
    that is otherwise valid."""
    params, url = {}, path
    if where == "path":
        url = url.replace("{" + name + "}", value)
    else:
        params[name] = value
    url = re.sub(r"\{[^}]+\}", "1", url)
    if method == "GET":
        return client.get(url, params=params)
    return client.post(url, params=params, data={"csrf_token": csrf(client, "/conflicts"), **FORMS.get(path, {})})


def assert_error(answer: httpx.Response, status: int, mentions: str) -> None:
    assert answer.status_code == status, (answer.request.url, answer.status_code, answer.text[:300])
    if answer.request.url.path.startswith(API + "/"):
        body = answer.json()
        assert set(body) == {"error"} and body["error"]["status"] == status, body
        assert mentions in body["error"]["message"], body
    else:
        assert answer.headers["content-type"].startswith("text/html")
        assert mentions in answer.text, answer.text[:500]


def test_the_route_list_finds_every_integer_parameter(site):
    app, _ = site
    found = {(path, name) for _, path, name, _ in integer_inputs(app)}
    assert found >= KNOWN, KNOWN - found
    assert {f"{API}/relations", f"{API}/pairs", f"{API}/export/signatures", "/search", "/search/claims"} <= {
        path for path, _ in taxon_inputs(app)
    }


def test_every_integer_out_of_range_is_a_400(site, curator):
    app, _ = site
    inputs = integer_inputs(app)
    for method, path, name, where in inputs:
        for value in TOO_BIG:
            assert_error(ask(curator, method, path, name, where, value), 400, name)
    inputs = taxon_inputs(app)
    assert ("/api/v1/taxa/{taxon}", "path") in inputs
    for path, where in inputs:
        for value in TOO_BIG[:2]:
            assert_error(ask(curator, "GET", path, "taxon", where, value), 400, "taxid")


def test_the_connection_is_kept_after_a_400(site):
    """A refused number is an ordinary answer: the next request goes over the same connection.
    Through a real uvicorn server on loopback: the test of the server itself."""
    app, _ = site
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        first = client.get(f"{API}/pairs", params={"offset": TOO_BIG[1]})
        second = client.get(f"{API}/stats")
    assert first.status_code == 400 and second.status_code == 200
    assert first.headers.get("connection", "keep-alive").lower() != "close"


@pytest.mark.parametrize(
    "taxon, status",
    [("²", 404), ("a\x00b", 400), ("a\tb", 400), ("x" * 201, 400)],
    ids=["superscript-digit", "nul", "tab", "too-long"],
)
def test_taxa_that_are_not_names_nor_taxids(client, taxon, status):
    assert_error(client.get(f"{API}/relations", params={"taxon": taxon}), status, "taxon")


def test_text_the_database_refuses_is_a_400_on_the_pages_too(site, curator):
    """NUL in a page's free text reaches PostgreSQL's driver, which refuses it: a 400, not a 500."""
    _, database = site
    answer = curator.get("/audit", params={"actor": "carol\x00"})
    if database.engine.dialect.name == "postgresql":
        assert_error(answer, 400, "cannot hold")
    else:
        assert answer.status_code == 200


# ---- empty values -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"{API}/relations", f"{API}/pairs", f"{API}/conflicts", f"{API}/export/relations"])
def test_an_empty_value_is_a_missing_one(client, path):
    plain = client.get(path)
    names = (
        "taxon",
        "verdict",
        "rank",
        "disorder",
        "direction",
        "subject",
        "year_from",
        "limit",
        "offset",
        "sort",
        "status",
        "format",
        "cursor",
    )
    for blank in ("", " ", "%20%20"):
        emptied = client.get(f"{path}?" + "&".join(f"{name}={blank}" for name in names))
        assert emptied.status_code == plain.status_code == 200, emptied.text[:300]
        assert emptied.content == plain.content


def test_an_empty_required_value_is_missing_too(client):
    assert_error(client.get(f"{API}/suggest?q="), 400, "q: Field required")
    assert_error(client.get(f"{API}/suggest?q=%20"), 400, "q: Field required")


def test_empty_values_on_the_pages(client):
    queue = client.get("/conflicts")
    assert client.get("/conflicts?status=&page=&disorder=").text == queue.text
    search = client.get("/search?taxon=Blautia&year_from=&year_to=&verdict=&subject=")
    assert search.status_code == 200 and "Blautia" in search.text
    assert 'href="/api/v1/export/relations?taxon=Blautia&amp;format=csv"' in search.text  # blank fields leave the links


# ---- the OpenAPI document -----------------------------------------------------------------------


def test_openapi_documents_what_the_api_answers(client):
    document = client.get(f"{API}/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    assert schemas["ErrorBody"]["required"] == ["error"] and set(schemas["ErrorDetail"]["required"]) == {
        "status",
        "message",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (path, method)
            if operation.get("parameters"):
                assert responses["400"]["content"]["application/json"]["schema"] == error_ref, path
            if "{" in path or {"taxon"} <= {p["name"] for p in operation.get("parameters", [])}:
                assert responses["404"]["content"]["application/json"]["schema"] == error_ref, path
            if "/export/" in path:  # signatures also as GMT (text/plain)
                plain = {"text/plain"} if path.endswith("/signatures") else set()
                assert set(responses["200"]["content"]) == {"text/csv", "application/x-ndjson"} | plain, path
            assert responses["400"]["content"]["application/json"]["schema"] == error_ref, (
                path
            )  # an unknown parameter, anywhere
    limit = next(p for p in document["paths"][f"{API}/pairs"]["get"]["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 500)


def test_exports_answer_the_media_types_documented(client):
    for fmt, media in (("csv", "text/csv"), ("jsonl", "application/x-ndjson")):
        answer = client.get(f"{API}/export/pairs", params={"format": fmt})
        assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == media
    for fmt, media in (("bugsigdb", "text/csv"), ("gmt", "text/plain")):
        answer = client.get(f"{API}/export/signatures", params={"format": fmt})
        assert answer.status_code == 200 and answer.headers["content-type"].split(";")[0] == media


# ---- CSV formula injection ----------------------------------------------------------------------


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_api_csv_exports_quote_formulas(site):
    with asgi_client(site[0], base_url=f"http://testserver{API}") as client:
        claims = list(csv_rows(client.get("/export/relations", params={"pmid": "3001"}).text))
        assert len(claims) == 1
        claim = claims[0]
        assert claim["taxon"] == claim["taxon_text"] == "'" + HOSTILE_TAXON
        assert claim["evidence"] == "'" + HOSTILE_TAXON + " was reduced in major depressive disorder patients."
        assert claim["journal"] == "'" + HOSTILE_JOURNAL
        assert int(claim["taxon_start"]) == 0 and float(claim["confidence"]) == pytest.approx(
            0.9
        )  # numbers stay numbers
        pair = next(r for r in csv_rows(client.get("/export/pairs").text) if HOSTILE_TAXON in r["taxon"])
        assert pair["taxon"] == "'" + HOSTILE_TAXON and pair["conflict"] == "open"
        signatures = list(csv_rows(client.get("/export/signatures", params={"pmid": "3002"}).text))
        assert [r["taxa"] for r in signatures] == ["'" + HOSTILE_TAXON] and signatures[0][
            "journal"
        ] == "'" + HOSTILE_JOURNAL
        decreasing = [
            r
            for r in csv_rows(client.get("/export/pairs", params={"taxon": "Faecalibacterium"}).text)
            if float(r["score"]) < 0
        ]
        assert decreasing and all(
            re.fullmatch(r"-[0-9.]+", r["score"]) for r in decreasing
        )  # a negative score is not text
        jsonl = [
            json.loads(line)
            for line in client.get("/export/relations", params={"pmid": "3001", "format": "jsonl"}).text.splitlines()
        ]
        assert jsonl[0]["taxon"] == HOSTILE_TAXON  # JSON Lines are data, written exactly


def test_cli_csv_exports_quote_formulas(site, tmp_path, capsys):
    _, database = site
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database.engine.url.render_as_string(hide_password=False)}"\n')
    assert main(["--config", str(config), "export", "articles", "--format", "csv"]) == 0
    articles = {r["pmid"]: r for r in csv_rows(capsys.readouterr().out)}
    assert articles["3001"]["title"] == "'" + HOSTILE_TITLE and articles["3001"]["journal"] == "'" + HOSTILE_JOURNAL
    assert articles["2001"]["title"].startswith("Gut microbiota")  # plain text untouched
    assert main(["--config", str(config), "conflicts", "--format", "csv"]) == 0
    conflicts = csv_rows(capsys.readouterr().out)
    assert "'" + HOSTILE_TAXON in {r["taxon"] for r in conflicts}


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_quoted_in_dict_and_tuple_rows(first):
    text = f"{first}1+2"
    for rows in ([{"text": text, "number": -3, "list": [text, "b"]}], [(text, -3, text)]):
        out = csv_rows("".join(formatted(rows, "csv", ("text", "number", "list"))))
        assert out == [
            {"text": "'" + text, "number": "-3", "list": "'" + (f"{text}; b" if isinstance(rows[0], dict) else text)}
        ]
