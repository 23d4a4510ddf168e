"""The researchers' JSON API (/api/v1), called in process (httpx over the ASGI app), on SQLite and
PostgreSQL, over the known corpus of `tests/api_seed.py`: seeded once per session and shared by
the tests that only read (`corpus`), seeded afresh for the one that stores claims between pages.

Expectations come from the corpus model in `api_seed` (claims with their directions read through
the verdicts), never from `miner.query`: filters alone and combined, item fields and offsets,
sorting and cursor pagination (also while claims are stored between pages), parameter errors as
JSON, the pairs' counts and consensus, the entity endpoints, the streamed exports parsed back,
and the OpenAPI document and offline Swagger UI.
Imports: httpx, `miner.reference`, and the test helpers `api_seed`, `web_server`.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections import defaultdict

import httpx
import pytest
from api_seed import (
    CONFIRMED,
    DISORDERS,
    LACHNOSPIRACEAE_AND_BELOW,
    TAXA,
    Claim,
    add_claims,
    claims,
    contradicted,
    doi_of,
    expected_pairs,
    journal_of,
    lineage,
    seed,
    visible,
)
from web_server import asgi_client, make_app

from miner.reference import ReferenceData

API = "/api/v1"
MDD, DEP, PD, BD = "D003865", "D003863", "D010300", "D001714"
LACHNOSPIRACEAE_LINEAGE = [2, 1783272, 1239, 186801, 186802, 186803]


@pytest.fixture
def api(corpus_client, corpus):
    """An httpx client of the app over the shared seeded corpus (only read), and the database."""
    return corpus_client, corpus


@pytest.fixture
def own_api(seeded_copy):
    """The same over a copy of the corpus of the test's own, for a test that stores claims."""
    database = seeded_copy("api", seed)
    with asgi_client(make_app(database)) as client:
        yield client, database


def get(client: httpx.Client, path: str, /, **params) -> dict:
    answer = client.get(API + path, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    return answer.json()


def relations(client: httpx.Client, **params) -> list[dict]:
    """Every item of /relations for these filters (one page of 500: the corpus is smaller)."""
    page = get(client, "/relations", limit=500, **params)
    assert page["next_cursor"] is None
    return page["items"]


def error(client: httpx.Client, path: str, status: int, /, **params) -> str:
    """Assert the JSON error shape and status; returns the message."""
    answer = client.get(API + path, params=params)
    assert answer.status_code == status, (path, params, answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/json"), answer.headers["content-type"]
    body = answer.json()
    assert set(body) == {"error"} and body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str) and body["error"]["message"].strip()
    return body["error"]["message"]


def key(item: dict) -> tuple:
    """The corpus key of an API claim row (see `api_seed.Claim.key`)."""
    return (item["pmid"], item["taxon"], item["mesh"], item["subject"], item["extracted_direction"])


def keys(items: list[dict]) -> set[tuple]:
    found = [key(item) for item in items]
    assert len(found) == len(set(found)), "a claim is listed twice"
    return set(found)


def model(selected: list[Claim]) -> set[tuple]:
    return {c.key for c in selected}


def by_model_key() -> dict[tuple, Claim]:
    return {c.key: c for c in claims()}


def pair_key(item: dict) -> tuple[str, str, str]:
    return (item["taxon"], item["disorder_group"], item["subject"])


# ---- /relations: filters ---------------------------------------------------------------------

ALL, VISIBLE = claims, visible
FILTERS = [
    # (id, query parameters, which claims of the model, predicate)
    ("taxon-name", {"taxon": "Faecalibacterium"}, VISIBLE, lambda c: c.taxon == "Faecalibacterium"),
    ("taxon-name-any-case", {"taxon": "faecalibacterium"}, VISIBLE, lambda c: c.taxon == "Faecalibacterium"),
    ("taxon-taxid", {"taxon": "216851"}, VISIBLE, lambda c: c.taxon == "Faecalibacterium"),
    (
        "taxon-genus-with-species",
        {"taxon": "Faecalibacterium", "include_descendants": "true"},
        VISIBLE,
        lambda c: c.taxon.startswith("Faecalibacterium"),
    ),
    ("family-alone", {"taxon": "Lachnospiraceae"}, VISIBLE, lambda c: c.taxon == "Lachnospiraceae"),
    (
        "family-descendants-by-taxid",
        {"taxon": "186803", "include_descendants": "true"},
        VISIBLE,
        lambda c: c.taxon in LACHNOSPIRACEAE_AND_BELOW,
    ),
    (
        "family-descendants-by-name",
        {"taxon": "Lachnospiraceae", "include_descendants": "true"},
        VISIBLE,
        lambda c: c.taxon in LACHNOSPIRACEAE_AND_BELOW,
    ),
    (
        "genus-descendants",
        {"taxon": "Blautia", "include_descendants": "true"},
        VISIBLE,
        lambda c: c.taxon in ("Blautia", "Blautia obeum"),
    ),
    ("gazetteer-synonym", {"taxon": "Ruminococcus obeum"}, VISIBLE, lambda c: c.taxon == "Blautia obeum"),
    ("rank-species", {"rank": "species"}, VISIBLE, lambda c: c.rank == "species"),
    ("rank-family", {"rank": "family"}, VISIBLE, lambda c: c.rank == "family"),
    ("disorder-mesh", {"disorder": MDD}, VISIBLE, lambda c: c.mesh == MDD),
    ("disorder-name", {"disorder": "Major Depressive Disorder"}, VISIBLE, lambda c: c.mesh == MDD),
    ("disorder-name-folded", {"disorder": "Parkinson disease"}, VISIBLE, lambda c: c.mesh == PD),
    ("disorder-group", {"disorder": "depression"}, VISIBLE, lambda c: c.group == "depression"),
    ("disorder-group-parkinson", {"disorder": "parkinson"}, VISIBLE, lambda c: c.mesh == PD),
    ("direction-increased", {"direction": "increased"}, VISIBLE, lambda c: c.direction == "increased"),
    ("direction-decreased", {"direction": "decreased"}, VISIBLE, lambda c: c.direction == "decreased"),
    ("direction-unchanged", {"direction": "unchanged"}, VISIBLE, lambda c: c.direction == "unchanged"),
    ("direction-associated", {"direction": "associated"}, VISIBLE, lambda c: c.direction == "associated"),
    ("subject-animal", {"subject": "animal"}, VISIBLE, lambda c: c.subject == "animal"),
    ("subject-human", {"subject": "human"}, VISIBLE, lambda c: c.subject == "human"),
    ("years", {"year_from": "2019", "year_to": "2021"}, VISIBLE, lambda c: 2019 <= c.year <= 2021),
    ("year-from", {"year_from": "2023"}, VISIBLE, lambda c: c.year >= 2023),
    ("year-to", {"year_to": "2016"}, VISIBLE, lambda c: c.year <= 2016),
    ("min-confidence", {"min_confidence": "0.9"}, VISIBLE, lambda c: c.confidence >= 0.9),
    ("pmid", {"pmid": "2005"}, VISIBLE, lambda c: c.pmid == "2005"),
    ("conflict-only", {"conflict_only": "true"}, VISIBLE, lambda c: (c.taxon, c.group, c.subject) in contradicted()),
    ("verdict-unreviewed", {"verdict": "unreviewed"}, ALL, lambda c: c.verdict is None),
    ("verdict-reviewed", {"verdict": "reviewed"}, ALL, lambda c: c.verdict is not None),
    ("verdict-rejected", {"verdict": "rejected"}, ALL, lambda c: c.rejected),
    ("verdict-any", {"verdict": "any"}, ALL, lambda c: True),
    ("verdict-correct", {"verdict": "correct"}, ALL, lambda c: c.verdict == "correct"),
    ("verdict-wrong-direction", {"verdict": "wrong direction"}, ALL, lambda c: c.verdict == "wrong direction"),
    ("verdict-wrong-taxon", {"verdict": "wrong taxon"}, ALL, lambda c: c.verdict == "wrong taxon"),
    (
        "family-in-depression-since-2016",
        {
            "taxon": "Lachnospiraceae",
            "include_descendants": "true",
            "disorder": "depression",
            "subject": "human",
            "year_from": "2016",
        },
        VISIBLE,
        lambda c: (
            c.taxon in LACHNOSPIRACEAE_AND_BELOW and c.group == "depression" and c.subject == "human" and c.year >= 2016
        ),
    ),
    (
        "genus-down-confident-until-2019",
        {"taxon": "216851", "direction": "decreased", "min_confidence": "0.85", "year_to": "2019"},
        VISIBLE,
        lambda c: (
            c.taxon == "Faecalibacterium" and c.direction == "decreased" and c.confidence >= 0.85 and c.year <= 2019
        ),
    ),
    (
        "genera-down-in-parkinson",
        {"disorder": PD, "rank": "genus", "direction": "decreased"},
        VISIBLE,
        lambda c: c.mesh == PD and c.rank == "genus" and c.direction == "decreased",
    ),
    (
        "verdict-and-direction",
        {"taxon": "Blautia", "direction": "decreased", "verdict": "reviewed"},
        ALL,
        lambda c: c.taxon == "Blautia" and c.direction == "decreased" and c.verdict is not None,
    ),
    (
        "conflicts-in-depression-mesh",
        {"conflict_only": "true", "disorder": DEP},
        VISIBLE,
        lambda c: c.mesh == DEP and (c.taxon, c.group, c.subject) in contradicted(),
    ),
    (
        "animal-family-and-below",
        {"taxon": "186803", "include_descendants": "true", "subject": "animal"},
        VISIBLE,
        lambda c: c.taxon in LACHNOSPIRACEAE_AND_BELOW and c.subject == "animal",
    ),
]


@pytest.mark.parametrize("params, source, wanted", [pytest.param(p, s, w, id=i) for i, p, s, w in FILTERS])
def test_relations_filter(api, params, source, wanted):
    client, _ = api
    expected = model([c for c in source() if wanted(c)])
    assert expected, "a filter case must select something"
    assert keys(relations(client, **params)) == expected


def test_each_filter_narrows_the_corpus(api):
    """Guards the table above: every filter case selects fewer claims than the whole corpus."""
    client, _ = api
    everything = keys(relations(client, verdict="any"))
    assert everything == model(claims()) and len(everything) == 47
    for _, params, _source, _wanted in FILTERS:
        if params != {"verdict": "any"}:
            assert len(keys(relations(client, **params))) < len(everything), params


def test_family_without_descendants_is_only_its_own_claims(api):
    client, _ = api
    own = relations(client, taxon="Lachnospiraceae")
    below = relations(client, taxon="Lachnospiraceae", include_descendants="true")
    assert {i["taxon"] for i in own} == {"Lachnospiraceae"}
    assert {i["taxon"] for i in below} == LACHNOSPIRACEAE_AND_BELOW
    assert {i["rank"] for i in below} == {"family", "genus", "species"}
    assert keys(own) < keys(below)


def test_a_verdict_changes_what_is_read(api):
    client, _ = api
    # 2010's Blautia claim was extracted "increased"; a curator said "wrong direction"
    flipped = list(relations(client, taxon="Blautia", pmid="2010"))
    assert [(i["direction"], i["extracted_direction"], i["verdict"]) for i in flipped] == [
        ("decreased", "increased", "wrong direction")
    ]
    assert "2010" in {i["pmid"] for i in relations(client, taxon="Blautia", direction="decreased")}
    assert "2010" not in {i["pmid"] for i in relations(client, taxon="Blautia", direction="increased")}
    # 2010's Prevotella claim is "wrong taxon": hidden unless asked for
    assert {i["pmid"] for i in relations(client, taxon="Prevotella")} == {"2008", "2013"}
    assert "2010" not in {i["pmid"] for i in relations(client, pmid="2010") if i["taxon"] == "Prevotella"}
    for verdict in ("rejected", "any", "wrong taxon"):
        rejected = [i for i in relations(client, taxon="Prevotella", verdict=verdict) if i["pmid"] == "2010"]
        assert [(i["verdict"], i["direction"]) for i in rejected] == [("wrong taxon", "increased")], verdict


def test_relation_items_carry_their_evidence_and_article(api):
    client, _ = api
    known = by_model_key()
    items = relations(client, verdict="any")
    assert len(items) == len(known)
    for item in items:
        claim = known[key(item)]
        text = item["evidence"]
        assert text == claim.evidence
        assert text[item["taxon_start"] : item["taxon_end"]] == item["taxon_text"] == claim.taxon_text
        assert text[item["disorder_start"] : item["disorder_end"]] == item["disorder_text"] == DISORDERS[claim.mesh][2]
        assert text[item["trigger_start"] : item["trigger_end"]] == item["trigger"]
        assert (item["pmid"], item["journal"], item["year"], item["doi"]) == (
            claim.pmid,
            claim.journal,
            claim.year,
            claim.doi,
        )
        assert (item["taxid"], item["rank"], item["disorder"], item["disorder_group"]) == (
            claim.taxid,
            claim.rank,
            claim.disorder,
            claim.group,
        )
        assert (item["direction"], item["verdict"], item["subject"]) == (claim.direction, claim.verdict, claim.subject)
        assert item["confidence"] == pytest.approx(claim.confidence)
        assert isinstance(item["id"], int)
    # a species written abbreviated: the offsets slice what the sentence says, not the name
    prausnitzii = [i for i in items if i["taxon"] == "Faecalibacterium prausnitzii"]
    assert prausnitzii and all(
        i["evidence"][i["taxon_start"] : i["taxon_end"]] == "F. prausnitzii" for i in prausnitzii
    )


# ---- /relations: sorting and cursors ---------------------------------------------------------

SORT_KEYS = {
    "-id": (lambda i: i["id"], True),
    "id": (lambda i: i["id"], False),
    "-year": (lambda i: (i["year"], i["id"]), True),
    "year": (lambda i: (i["year"], i["id"]), False),
    "-confidence": (lambda i: (i["confidence"], i["id"]), True),
    "confidence": (lambda i: (i["confidence"], i["id"]), False),
}


def walk(client: httpx.Client, between=None, **params) -> list[dict]:
    """Every page of /relations by cursor; `between(n)` runs after the n-th page is fetched."""
    seen, cursor, pages = [], None, 0
    while True:
        answer = client.get(API + "/relations", params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert len(page["items"]) <= int(params["limit"])
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            assert "link" not in answer.headers
            return seen
        assert len(page["items"]) == int(params["limit"])
        assert f"cursor={cursor}" in answer.headers["link"] and answer.headers["link"].endswith('rel="next"')
        if between:
            between(pages)
        assert pages < 100, "the cursor never ends"


@pytest.mark.parametrize("sort", list(SORT_KEYS))
def test_sorting_and_walking_every_page(api, sort):
    client, _ = api
    by, descending = SORT_KEYS[sort]
    whole = relations(client, sort=sort)
    assert keys(whole) == model(visible())
    assert [by(i) for i in whole] == sorted((by(i) for i in whole), reverse=descending)
    paged = walk(client, sort=sort, limit="7")
    assert [i["id"] for i in paged] == [i["id"] for i in whole]  # same rows, same order, no repeats
    filtered = {"disorder": "depression", "subject": "human"}
    assert [i["id"] for i in walk(client, sort=sort, limit="4", **filtered)] == [
        i["id"] for i in relations(client, sort=sort, **filtered)
    ]


def test_sort_values_follow_the_corpus(api):
    client, _ = api
    assert relations(client, sort="-year")[0]["year"] == 2024 and relations(client, sort="year")[0]["year"] == 2015
    assert relations(client, sort="-confidence")[0]["confidence"] == pytest.approx(max(c.confidence for c in visible()))
    ids = [i["id"] for i in relations(client)]  # default: most recently stored first
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("sort", ["-id", "id", "-year", "year", "-confidence"])
def test_pages_neither_skip_nor_repeat_while_claims_are_stored(own_api, sort):
    client, database = own_api
    original = {i["id"] for i in relations(client, sort=sort)}
    years = [2025, 2019, 2014, 2021, 2016, 2023, 2018, 2020, 2024, 2017, 2022, 2015]

    def store_more(page: int) -> None:
        pmid = str(3000 + page)
        add_claims(
            database,
            pmid,
            years[page % len(years)],
            [
                ("Faecalibacterium", MDD, "decreased", "human", 0.3 + page / 100),
                ("Coprococcus", PD, "increased", "animal", 0.99 - page / 100),
            ],
        )

    seen = walk(client, between=store_more, sort=sort, limit="6")
    ids = [i["id"] for i in seen]
    assert len(ids) == len(set(ids)), "a page repeated a claim"
    assert original <= set(ids), f"pages skipped {sorted(original - set(ids))}"
    by, descending = SORT_KEYS[sort]
    assert [by(i) for i in seen] == sorted((by(i) for i in seen), reverse=descending)
    if sort == "-id":  # newer claims sort before the cursor: the walk sees exactly the original rows
        assert set(ids) == original
    assert len(relations(client, sort=sort)) > len(original)  # the claims were indeed stored meanwhile


def cursor_of(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def test_foreign_and_tampered_cursors_are_refused(api):
    client, _ = api
    first = get(client, "/relations", sort="-year", limit=5)
    cursor = first["next_cursor"]
    assert cursor
    assert "sort" in error(client, "/relations", 400, sort="-id", limit=5, cursor=cursor)
    assert "sort" in error(client, "/relations", 400, sort="year", limit=5, cursor=cursor)
    for tampered in (
        "x" + cursor[1:-3] + "!!!",
        "not-a-cursor",
        cursor_of("-year", "2020", 7),
        cursor_of("-year", 2020),
        cursor_of({"a": 1}),
        "e30",
        cursor_of("-year", 2020, 7.5),
    ):
        assert "cursor" in error(client, "/relations", 400, sort="-year", limit=5, cursor=tampered), tampered
    # the genuine cursor still works and continues where the first page stopped
    second = get(client, "/relations", sort="-year", limit=5, cursor=cursor)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_cursors_with_numbers_the_database_cannot_hold_are_a_400(api):
    client, _ = api
    for cursor in (
        cursor_of("-id", 1, 10**30),
        cursor_of("-confidence", 1e308 * 10, 5),
        cursor_of("-year", 10**30, 5),
        cursor_of("-id", 1, -1),
    ):
        sort = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[0]
        assert "cursor" in error(client, "/relations", 400, sort=sort, limit=5, cursor=cursor), cursor


# ---- parameter errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, params, status, mentions",
    [
        ("/relations", {"limit": "0"}, 400, "limit"),
        ("/relations", {"limit": "501"}, 400, "limit"),
        ("/relations", {"limit": "many"}, 400, "limit"),
        ("/relations", {"year_from": "abc"}, 400, "year_from"),
        ("/relations", {"year_to": "1066"}, 400, "year_to"),
        ("/relations", {"year_from": "2022", "year_to": "2018"}, 400, "year_from"),
        ("/relations", {"min_confidence": "2"}, 400, "min_confidence"),
        ("/relations", {"min_confidence": "high"}, 400, "min_confidence"),
        ("/relations", {"pmid": "PMC123"}, 400, "pmid"),
        ("/relations", {"direction": "sideways"}, 400, "direction"),
        ("/relations", {"subject": "plant"}, 400, "subject"),
        ("/relations", {"include_descendants": "perhaps"}, 400, "include_descendants"),
        ("/relations", {"sort": "taxon"}, 400, "sort"),
        ("/relations", {"rank": "tribe"}, 400, "rank"),
        ("/relations", {"verdict": "maybe"}, 400, "verdict"),
        ("/relations", {"taxon": "999999999"}, 404, "999999999"),
        ("/relations", {"taxon": "Notataxonia imaginaria"}, 404, "Notataxonia imaginaria"),
        ("/relations", {"disorder": "dragon pox"}, 404, "depression, eating, epilepsy"),
        ("/pairs", {"limit": "0"}, 400, "limit"),
        ("/pairs", {"limit": "501"}, 400, "limit"),
        ("/pairs", {"offset": "-1"}, 400, "offset"),
        ("/pairs", {"sort": "id"}, 400, "sort"),
        ("/pairs", {"disorder": "dragon pox"}, 404, "depression, eating, epilepsy"),
        ("/pairs", {"taxon": "Notataxonia"}, 404, "Notataxonia"),
        ("/articles/99999", {}, 404, "99999"),
        ("/articles/abc", {}, 400, "abc"),
        ("/disorders/D999", {}, 404, "D999"),
        ("/taxa/999999999", {}, 404, "999999999"),
        ("/taxa/abc", {}, 404, "abc"),
        ("/suggest", {}, 400, "q"),
        ("/suggest", {"q": ""}, 400, "q"),
        ("/conflicts", {"status": "pending"}, 400, "status"),
        ("/conflicts", {"disorder": "dragon pox"}, 404, "depression"),
        ("/nothing-here", {}, 404, "Not Found"),
    ],
)
def test_bad_requests_are_json_errors(api, path, params, status, mentions):
    client, _ = api
    assert mentions in error(client, path, status, **params)


# ---- /pairs ----------------------------------------------------------------------------------


def assert_pairs(items: list[dict], selected: list[Claim]) -> None:
    assert_pairs_as(items, expected_pairs(selected))


def assert_pairs_as(items: list[dict], expected: dict) -> None:
    found = {pair_key(i): i for i in items}
    assert len(found) == len(items), "a pair is listed twice"
    assert set(found) == set(expected)
    for pair, wanted in expected.items():
        item = found[pair]
        got = {name: item[name] for name in wanted}
        assert got == wanted, pair
        assert (item["taxid"], item["rank"]) == TAXA[pair[0]][:2]


def test_pair_counts_and_consensus(api):
    client, _ = api
    items = get(client, "/pairs", limit=500)["items"]
    assert_pairs(items, visible())
    found = {pair_key(i): i for i in items}
    # spot checks of the definition, worked by hand; the review (2004) does not vote by default
    spots = {
        ("Faecalibacterium", "depression", "human"): (
            1,
            4,
            1,
            6,
            -0.5,
            "decreased",
        ),  # 2015 counts once for two MeSH ids
        ("Lachnospiraceae", "depression", "human"): (
            0,
            1,
            0,
            1,
            -1.0,
            "single paper",
        ),  # the review's "unchanged" left out
        ("Blautia", "depression", "human"): (2, 1, 0, 3, 0.333, "mixed"),  # 2010 read decreased through its verdict
        ("Bacteroides", "depression", "human"): (2, 2, 0, 4, 0.0, "mixed"),
        ("Bacteroides", "bipolar", "human"): (0, 0, 2, 2, 0.0, "unchanged"),
        ("Coprococcus", "depression", "human"): (0, 2, 0, 2, -1.0, "decreased"),
        ("Prevotella", "depression", "human"): (0, 1, 0, 1, -1.0, "single paper"),  # 2010 rejected: no vote
        ("Faecalibacterium", "depression", "animal"): (1, 0, 0, 1, 1.0, "single paper"),  # kept apart from human
    }
    for pair, values in spots.items():
        item = found[pair]
        assert (
            item["increased"],
            item["decreased"],
            item["unchanged"],
            item["papers"],
            item["score"],
            item["consensus"],
        ) == values, pair
    reviewed = found[("Faecalibacterium", "depression", "human")]
    assert (reviewed["reviews_decreased"], reviewed["reviews_papers"], reviewed["evidence"]) == (
        1,
        1,
        "primary",
    )  # shown apart
    associated = found[("Blautia", "bipolar", "human")]  # one paper, "associated": no vote either way
    assert (associated["papers"], associated["score"]) == (1, None)
    assert (
        found[("Faecalibacterium", "depression", "human")]["first_year"],
        found[("Faecalibacterium", "depression", "human")]["latest_year"],
    ) == (2015, 2024)


def test_reviews_vote_with_evidence_all(api):
    client, _ = api
    answer = get(client, "/pairs", limit=500, evidence="all")
    assert answer["evidence"] == "all"
    assert_pairs_as(answer["items"], expected_pairs(visible(), evidence="all"))
    found = {pair_key(i): i for i in answer["items"]}
    spots = {
        ("Faecalibacterium", "depression", "human"): (1, 5, 1, 7, -0.571, "decreased"),
        ("Lachnospiraceae", "depression", "human"): (0, 1, 1, 2, -0.5, "decreased"),  # exactly -0.5 with two papers
        ("Coprococcus", "depression", "human"): (0, 3, 0, 3, -1.0, "decreased"),
    }
    for pair, values in spots.items():
        item = found[pair]
        assert (
            item["increased"],
            item["decreased"],
            item["unchanged"],
            item["papers"],
            item["score"],
            item["consensus"],
        ) == values, pair


def test_a_filter_chooses_pairs_never_votes(api):
    """2 papers up and 3 down stays 2/3 "mixed" whatever the filter: direction, years, confidence."""
    client, _ = api
    everything = {pair_key(i): i for i in get(client, "/pairs", limit=500)["items"]}
    for params in ({"direction": "decreased"}, {"year_from": "2020"}, {"min_confidence": "0.8"}, {"disorder": "MDD"}):
        for item in get(client, "/pairs", limit=500, **params)["items"]:
            whole = everything[pair_key(item)]
            assert {k: item[k] for k in ("increased", "decreased", "unchanged", "papers", "score", "consensus")} == {
                k: whole[k] for k in ("increased", "decreased", "unchanged", "papers", "score", "consensus")
            }, (params, pair_key(item))


def test_min_papers_keeps_pairs_with_enough_papers(api):
    client, _ = api
    items = get(client, "/pairs", limit=500, min_papers="3")["items"]
    assert_pairs_as(items, expected_pairs(visible(), min_papers=3))
    assert items and all(i["papers"] >= 3 for i in items)


@pytest.mark.parametrize(
    "params, wanted",
    [
        ({"disorder": MDD}, lambda c: c.mesh == MDD),
        ({"disorder": "parkinson"}, lambda c: c.group == "parkinson"),
        ({"year_from": "2018", "year_to": "2022"}, lambda c: 2018 <= c.year <= 2022),
        ({"taxon": "Lachnospiraceae", "include_descendants": "true"}, lambda c: c.taxon in LACHNOSPIRACEAE_AND_BELOW),
        ({"subject": "animal"}, lambda c: c.subject == "animal"),
        ({"direction": "decreased"}, lambda c: c.direction == "decreased"),
    ],
    ids=["mesh", "group", "years", "family-and-below", "animal", "decreased"],
)
def test_pairs_follow_the_filter(api, params, wanted):
    client, _ = api
    assert_pairs(get(client, "/pairs", limit=500, **params)["items"], [c for c in visible() if wanted(c)])


def test_pairs_show_their_conflict_status(api):
    client, _ = api
    found = {pair_key(i): i for i in get(client, "/pairs", limit=500)["items"]}
    statuses = {pair: (i["conflict"], isinstance(i["conflict_id"], int)) for pair, i in found.items() if i["conflict"]}
    assert statuses == {
        ("Faecalibacterium", "depression", "human"): ("open", True),
        ("Blautia", "depression", "human"): ("open", True),  # opened by the wrong-direction verdict
        CONFIRMED: ("confirmed", True),
        ("Prevotella", "depression", "human"): ("resolved", True),  # the rejecting verdict removed the contradiction
    }
    assert {pair for pair, (status, _) in statuses.items() if status in ("open", "confirmed")} == contradicted()
    only = {pair_key(i) for i in get(client, "/pairs", limit=500, conflict_only="true")["items"]}
    assert only == contradicted()


def test_pairs_sorted_by_papers_and_paged_by_offset(api):
    client, _ = api
    by_papers = get(client, "/pairs", limit=500)["items"]
    assert [i["papers"] for i in by_papers] == sorted((i["papers"] for i in by_papers), reverse=True)
    assert pair_key(by_papers[0]) == ("Faecalibacterium", "depression", "human")
    whole = get(client, "/pairs", limit=500, sort="taxon")["items"]
    assert len(whole) == len(expected_pairs(visible())) > 10
    windows = [
        get(client, "/pairs", limit=4, offset=offset, sort="taxon")["items"] for offset in range(0, len(whole), 4)
    ]
    assert [pair_key(i) for window in windows for i in window] == [pair_key(i) for i in whole]
    assert get(client, "/pairs", limit=4, offset=len(whole), sort="taxon")["items"] == []


@pytest.mark.parametrize("sort", ["-consensus", "consensus"])
def test_pairs_sorted_by_score(api, sort):
    """Most increased (-consensus) or most decreased (consensus) first; pairs with no vote (score
    null) come last on both backends."""
    client, _ = api
    items = get(client, "/pairs", limit=500, sort=sort)["items"]
    scores = [i["score"] for i in items]
    assert None in scores  # Blautia in bipolar: one "associated" claim
    voted = [s for s in scores if s is not None]
    assert voted == sorted(voted, reverse=sort == "-consensus")
    assert scores[len(voted) :] == [None] * (len(scores) - len(voted)), f"null scores not last: {scores}"


# ---- one taxon, the disorders, one article, conflicts, stats, suggestions ----------------------


def test_a_family_with_its_descendants(api):
    client, _ = api
    family = get(client, "/taxa/186803", include_descendants="true")
    assert (family["taxid"], family["name"], family["rank"]) == (186803, "Lachnospiraceae", "family")
    assert [n["taxid"] for n in family["lineage"]] == LACHNOSPIRACEAE_LINEAGE
    assert family["lineage"][0]["name"] == "Bacteria" and family["lineage"][-1]["name"] == "Lachnospiraceae"
    assert all(n["name"] for n in family["lineage"])
    below = [c for c in visible() if c.taxon in LACHNOSPIRACEAE_AND_BELOW]
    assert_pairs(family["findings"], below)
    counted: dict[str, int] = defaultdict(int)
    for c in below:
        if c.taxon != "Lachnospiraceae":
            counted[c.taxon] += 1
    assert {d["taxon"]: d["claims"] for d in family["descendants_with_findings"]} == counted
    assert {d["taxid"] for d in family["descendants_with_findings"]} == {TAXA[t][0] for t in counted}
    assert family["descendants_with_findings"][0]["taxon"] == max(counted, key=counted.get)  # most claims first
    own = get(client, "/taxa/186803")  # by default the taxon's own findings
    assert_pairs(own["findings"], [c for c in visible() if c.taxon == "Lachnospiraceae"])
    assert own["descendants_with_findings"] == family["descendants_with_findings"]


def test_a_species_with_its_names(api):
    client, _ = api
    obeum = get(client, "/taxa/40520")
    assert (obeum["name"], obeum["rank"]) == ("Blautia obeum", "species")
    assert [n["taxid"] for n in obeum["lineage"]] == list(lineage(40520)) and obeum["lineage"][-2]["name"] == "Blautia"
    assert "Ruminococcus obeum" in obeum["names"]
    assert obeum["written_as"] == [{"text": "B. obeum", "claims": 2}]
    assert obeum["descendants_with_findings"] == []
    assert {f["taxon"] for f in get(client, "/taxa/216851")["findings"]} == {"Faecalibacterium"}
    genus = get(client, "/taxa/216851", include_descendants="true")
    assert {f["taxon"] for f in genus["findings"]} == {"Faecalibacterium", "Faecalibacterium prausnitzii"}
    assert [(d["taxon"], d["taxid"]) for d in genus["descendants_with_findings"]] == [
        ("Faecalibacterium prausnitzii", 853)
    ]


def test_disorders_list_and_detail(api):
    client, _ = api
    listed = get(client, "/disorders")["items"]
    expected = {
        mesh: (name, group, sum(c.mesh == mesh for c in visible())) for mesh, (name, group, _) in DISORDERS.items()
    }
    assert {d["mesh"]: (d["name"], d["group"], d["claims"]) for d in listed} == expected
    assert [d["group"] for d in listed] == sorted(d["group"] for d in listed)

    mdd = get(client, "/disorders/d003865")  # any case
    assert (mdd["mesh"], mdd["name"], mdd["group"]) == (MDD, "major depressive disorder", "depression")
    assert "major depressive disorder" in mdd["terms"]
    assert mdd["conflicts"] == len([k for k in contradicted() if k[1] == "depression"])
    mine = expected_pairs([c for c in visible() if c.mesh == MDD])
    assert mdd["pairs"] == len(mine)
    voted = {
        k: v for k, v in mine.items() if v["papers"] >= 2
    }  # the up and down lists rank pairs of two papers or more
    assert [p["score"] for p in mdd["most_increased"]] == sorted((v["score"] for v in voted.values()), reverse=True)
    assert [p["score"] for p in mdd["most_decreased"]] == sorted(v["score"] for v in voted.values())
    assert pair_key(mdd["most_decreased"][0]) == ("Coprococcus", "depression", "human")  # 2004, 2011: both decreased
    assert mdd["most_studied"][0]["papers"] == max(v["papers"] for v in mine.values())
    assert {pair_key(p) for p in mdd["most_studied"]} == set(mine)


def test_a_disorder_of_the_lexicon_that_no_claim_names_is_an_empty_answer(api):
    """Schizophrenia is in the extractor's lexicon but not in the corpus: named by its name or its
    MeSH id it is known, with its terms, and nothing is reported of it yet."""
    client, _ = api
    for name in ("schizophrenia", "D012559"):
        found = get(client, f"/disorders/{name}")
        assert (found["mesh"], found["name"], found["group"]) == ("D012559", "schizophrenia", "schizophrenia")
        assert found["terms"] and (found["pairs"], found["most_studied"], found["conflicts"]) == (0, [], 0)


def test_an_article_lists_every_claim_with_its_verdict(api):
    client, _ = api
    article = get(client, "/articles/2010")
    assert (article["pmid"], article["year"], article["journal"], article["doi"], article["secondary"]) == (
        "2010",
        2021,
        journal_of("2010"),
        doi_of("2010"),
        False,
    )
    got = {(c["taxon"], c["mesh"], c["direction"], c["extracted_direction"], c["verdict"]) for c in article["claims"]}
    assert got == {
        ("Blautia", DEP, "decreased", "increased", "wrong direction"),
        ("Prevotella", DEP, "increased", "increased", "wrong taxon"),  # rejected, still listed here
        ("Faecalibacterium prausnitzii", PD, "decreased", "decreased", None),
    }
    assert get(client, "/articles/2004")["secondary"] is True
    assert len(get(client, "/articles/2015")["claims"]) == 4


def test_conflicts_endpoint(api):
    client, _ = api
    listed = get(client, "/conflicts")
    items = listed["items"]
    assert listed["total"] == len(items) == 4
    assert {(c["taxon"], c["disorder"], c["subject"], c["status"]) for c in items} == {
        ("Faecalibacterium", "depression", "human", "open"),
        ("Blautia", "depression", "human", "open"),
        ("Bacteroides", "depression", "human", "confirmed"),
        ("Prevotella", "depression", "human", "resolved"),
    }
    faecalibacterium = next(c for c in items if c["taxon"] == "Faecalibacterium")
    assert (faecalibacterium["increased"], sorted(faecalibacterium["decreased"]), faecalibacterium["unchanged"]) == (
        ["2003"],
        ["2001", "2002", "2004", "2013", "2015"],
        ["2011"],
    )
    assert items[0]["taxon"] == "Bacteroides"  # two papers on each side: the most evidence
    second = get(client, "/conflicts", limit=1, offset=1)
    assert (second["total"], [c["id"] for c in second["items"]]) == (4, [items[1]["id"]])
    assert {c["taxon"] for c in get(client, "/conflicts", status="open")["items"]} == {"Faecalibacterium", "Blautia"}
    assert len(get(client, "/conflicts", disorder=MDD)["items"]) == 4  # a MeSH id means its group
    assert get(client, "/conflicts", disorder="parkinson")["items"] == []


def test_stats(api):
    client, _ = api
    stats = get(client, "/stats")
    shown = visible()
    assert stats["articles"] == stats["articles_with_relations"] == 15
    assert stats["relations"] == len(shown) == 46
    assert stats["relations_by_direction"] == {
        d: sum(c.direction == d for c in shown) for d in ("increased", "decreased", "unchanged", "associated")
    }
    assert stats["taxa"] == len({c.taxon for c in shown}) == 9
    assert stats["disorders"] == 4
    assert stats["conflicts"] == len(contradicted()) == 3
    assert stats["conflicts_by_status"] == {"open": 2, "confirmed": 1}


def test_suggest(api):
    client, _ = api
    blau = get(client, "/suggest", q="blau")
    assert [t["name"] for t in blau["taxa"]][:2] == [
        "Blautia",
        "Blautia obeum",
    ]  # stored ones first, starts-with, shortest first
    assert blau["taxa"][0] == {"name": "Blautia", "taxid": 572511, "rank": "genus", "matched": "Blautia"}
    assert all(t["matched"].lower().startswith("blau") for t in blau["taxa"][2:])  # then the gazetteer's other taxa
    assert [t["name"] for t in get(client, "/suggest", q="obeum")["taxa"]] == ["Blautia obeum"]
    assert get(client, "/suggest", q="parkin")["disorders"] == [
        {"name": "Parkinson's disease", "mesh": PD, "group": "parkinson", "matched": "Parkinson's disease"}
    ]
    depress = get(client, "/suggest", q="depress")["disorders"]
    assert {d["mesh"] for d in depress} == {MDD, DEP, BD}  # bipolar by a term of its lexicon
    assert all("depress" in d["matched"].lower() for d in depress)
    assert get(client, "/suggest", q="b") == {"taxa": [], "disorders": []}
    assert get(client, "/suggest", q="100%_")["taxa"] == []


# ---- exports ---------------------------------------------------------------------------------


def download(client: httpx.Client, path: str, fmt: str, **params) -> tuple[httpx.Response, list[dict]]:
    answer = client.get(API + path, params={**params, "format": fmt})
    assert answer.status_code == 200, answer.text
    if fmt == "csv":
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
    else:
        assert answer.headers["content-type"].startswith("application/x-ndjson")
        assert answer.text.endswith("\n") or answer.text == ""
        rows = [json.loads(line) for line in answer.text.splitlines()]
    disposition = answer.headers["content-disposition"]
    name = path.rsplit("/", 1)[1]
    assert re.fullmatch(rf'attachment; filename="miner-{name}-[A-Za-z0-9-]+\.{fmt}"', disposition), disposition
    return answer, rows


EXPORT_FILTERS = [
    {},
    {"taxon": "Faecalibacterium", "include_descendants": "true", "disorder": "depression"},
    {"verdict": "any"},
    {"taxon": "186803", "include_descendants": "true", "year_from": "2016", "direction": "decreased"},
]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(
    "params", EXPORT_FILTERS, ids=["all", "genus-below-in-depression", "any-verdict", "family-down-since-2016"]
)
def test_relation_exports_equal_the_api(api, fmt, params):
    client, _ = api
    items = {i["id"]: i for i in relations(client, **params)}
    answer, rows = download(client, "/export/relations", fmt, **params)
    assert items and {int(r["id"]) for r in rows} == set(items) and len(rows) == len(items)
    for row in rows:
        item = items[int(row["id"])]
        for name in (
            "pmid",
            "taxon",
            "mesh",
            "direction",
            "extracted_direction",
            "subject",
            "evidence",
            "doi",
            "journal",
        ):
            assert str(row[name]) == str(item[name]), name
        assert int(row["year"]) == item["year"] and float(row["confidence"]) == pytest.approx(item["confidence"])
        assert (row["verdict"] or None) == item["verdict"]
        assert row["evidence"][int(row["taxon_start"]) : int(row["taxon_end"])] == row["taxon_text"]
    if params.get("taxon") == "Faecalibacterium":
        assert "taxon-Faecalibacterium" in answer.headers["content-disposition"]
    if not params:
        assert answer.headers["content-disposition"] == f'attachment; filename="miner-relations-everything.{fmt}"'


def expected_signatures(selected: list[Claim]) -> dict[str, list[Claim]]:
    found: dict[str, list[Claim]] = defaultdict(list)
    for c in selected:
        if c.direction in ("increased", "decreased"):
            found[f"{c.pmid}/{c.mesh}/{c.subject}/{'UP' if c.direction == 'increased' else 'DOWN'}"].append(c)
    return found


@pytest.mark.parametrize(
    "params",
    [{}, {"disorder": "parkinson"}, {"taxon": "Faecalibacterium", "include_descendants": "true"}],
    ids=["all", "parkinson", "genus-below"],
)
def test_signature_export(api, params):
    client, _ = api
    ids = {key(i): i["id"] for i in relations(client, verdict="any")}
    _, rows = download(client, "/export/signatures", "jsonl", **params)
    selected = visible()
    if "disorder" in params:
        selected = [c for c in selected if c.group == "parkinson"]
    if "taxon" in params:
        selected = [c for c in selected if c.taxon.startswith("Faecalibacterium")]
    expected = expected_signatures(selected)
    assert {r["signature"]: len(r["taxa"]) for r in rows} == {s: len(m) for s, m in expected.items()}
    for row in rows:
        members = {c.taxon: c for c in expected[row["signature"]]}
        first = next(iter(members.values()))
        assert set(row["taxa"]) == set(members)
        assert (
            row["pmid"],
            row["mesh"],
            row["condition"],
            row["disorder_group"],
            row["year"],
            row["doi"],
            row["journal"],
        ) == (first.pmid, first.mesh, first.disorder, first.group, first.year, first.doi, first.journal)
        assert row["host"] == {"human": "Homo sapiens", "animal": "animal model"}[first.subject]
        assert row["abundance_in_group_1"] == first.direction
        assert row["ncbi_taxids"] == [TAXA[t][0] for t in row["taxa"]]
        assert row["ncbi_lineages"] == ["|".join(map(str, lineage(TAXA[t][0]))) for t in row["taxa"]]
        assert all(
            path.startswith("2|") and path.endswith(f"|{TAXA[t][0]}")
            for t, path in zip(row["taxa"], row["ncbi_lineages"], strict=True)
        )
        assert all(
            name.startswith("k__Bacteria|")
            and name.endswith(
                ("g__" if TAXA[t][1] == "genus" else "s__" if TAXA[t][1] == "species" else "f__") + t.replace(" ", "_")
            )
            for t, name in zip(row["taxa"], row["metaphlan_names"], strict=True)
        )
        assert sorted(row["claims"]) == sorted(ids[c.key] for c in members.values())
    if not params:
        # 2010's Blautia claim, read through its verdict, is a DOWN signature; the rejected Prevotella one is gone
        assert [r["taxa"] for r in rows if r["signature"] == f"2010/{DEP}/human/DOWN"] == [["Blautia"]]
        assert f"2010/{DEP}/human/UP" not in {r["signature"] for r in rows}


def test_signature_export_as_csv(api):
    client, _ = api
    _, rows = download(client, "/export/signatures", "csv", pmid="2015")
    by_signature = {r["signature"]: r for r in rows}
    assert set(by_signature) == {f"2015/{DEP}/human/DOWN", f"2015/{MDD}/human/DOWN"}
    both = by_signature[f"2015/{DEP}/human/DOWN"]
    assert sorted(both["taxa"].split("; ")) == ["Bacteroides", "Faecalibacterium"]
    lineages = dict(zip(both["taxa"].split("; "), both["ncbi_lineages"].split("; "), strict=True))
    assert lineages == {t: "|".join(map(str, lineage(TAXA[t][0]))) for t in ("Bacteroides", "Faecalibacterium")}
    assert both["ncbi_taxids"].split("; ") == [str(TAXA[t][0]) for t in both["taxa"].split("; ")]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_pairs_export_equals_the_api(api, fmt):
    client, _ = api
    params = {"disorder": "depression"}
    items = {pair_key(i): i for i in get(client, "/pairs", limit=500, **params)["items"]}
    _, rows = download(client, "/export/pairs", fmt, **params)
    assert len(rows) == len(items) == len(expected_pairs([c for c in visible() if c.group == "depression"]))
    for row in rows:
        item = items[pair_key(row)]
        for name in ("increased", "decreased", "unchanged", "papers", "claims", "first_year", "latest_year"):
            assert int(row[name]) == item[name], name
        assert row["consensus"] == item["consensus"]
        assert float(row["score"]) == pytest.approx(item["score"])
        assert (row["conflict"] or None) == item["conflict"]


@pytest.mark.parametrize("export", ["relations", "signatures", "pairs"])
@pytest.mark.parametrize(
    "params, status, mentions",
    [
        ({"disorder": "dragon pox"}, 404, "depression"),
        ({"taxon": "Notataxonia"}, 404, "Notataxonia"),
        ({"year_from": "abc"}, 400, "year_from"),
        ({"format": "xml"}, 400, "format"),
        ({"rank": "tribe"}, 400, "rank"),
        ({"year_from": "2022", "year_to": "2018"}, 400, "year_from"),
    ],
    ids=["disorder", "taxon", "year-type", "format", "rank", "year-order"],
)
def test_a_bad_export_filter_is_a_json_error(api, export, params, status, mentions):
    client, _ = api
    assert mentions in error(client, f"/export/{export}", status, **params)


# ---- OpenAPI and the offline reference -------------------------------------------------------


def test_openapi_lists_the_api_and_nothing_else(api):
    client, _ = api
    answer = client.get(API + "/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    document = json.loads(answer.text)
    paths = set(document["paths"])
    assert {
        f"{API}/{p}"
        for p in (
            "relations",
            "pairs",
            "taxa/{taxon}",
            "disorders",
            "disorders/{mesh}",
            "articles/{pmid}",
            "conflicts",
            "stats",
            "suggest",
            "export/relations",
            "export/signatures",
            "export/pairs",
        )
    } <= paths
    assert all(p.startswith(API + "/") for p in paths), sorted(p for p in paths if not p.startswith(API))
    parameters = {p["name"]: p for p in document["paths"][f"{API}/relations"]["get"]["parameters"]}
    assert {"taxon", "include_descendants", "disorder", "direction", "verdict", "cursor", "limit", "sort"} <= set(
        parameters
    )
    assert parameters["limit"]["schema"]["maximum"] == 500
    assert "Consensus score" in document["paths"][f"{API}/pairs"]["get"]["description"]


def test_docs_are_served_without_a_cdn(api):
    client, _ = api
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "/docs-assets/swagger-ui-bundle.js" in docs.text and "/api/v1/openapi.json" in docs.text
    assert not re.search(r'(src|href)="https?://', docs.text), "the reference loads something from another site"
    bundle = client.get("/docs-assets/swagger-ui-bundle.js")
    assert (
        bundle.status_code == 200 and "javascript" in bundle.headers["content-type"] and len(bundle.content) > 100_000
    )
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200


# ---- names as people write them, several values, roll-up, the transdiagnostic view ------------


@pytest.mark.parametrize(
    "disorder, group",
    [
        ("MDD", "depression"),
        ("major depression", "depression"),
        ("Parkinson disease", "parkinson"),
        ("BD", "bipolar"),
        ("manic depression", "bipolar"),
    ],
    ids=["MDD", "major-depression", "parkinson-disease", "BD", "manic-depression"],
)
def test_disorder_names_abbreviations_and_terms_of_the_lexicon(api, disorder, group):
    client, _ = api
    pairs_named = get(client, "/pairs", limit=500, disorder=disorder)["items"]
    assert pairs_named and {i["disorder_group"] for i in pairs_named} == {group}


def test_a_disorder_known_but_not_reported_is_an_empty_answer(api):
    client, _ = api
    for name in ("generalized anxiety disorder", "GAD", "first-episode psychosis", "FEP", "schizophrenia"):
        assert get(client, "/pairs", disorder=name)["items"] == []


def test_several_disorders_and_taxa_at_once(api):
    client, _ = api
    both = get(client, "/pairs", limit=500, disorder="depression,bipolar")["items"]
    apart = (
        get(client, "/pairs", limit=500, disorder="depression")["items"]
        + get(client, "/pairs", limit=500, disorder="bipolar")["items"]
    )
    assert sorted(map(pair_key, both)) == sorted(map(pair_key, apart))
    taxa = get(client, "/relations", limit=500, taxon="Coprococcus, Roseburia")["items"]
    assert {c["taxon"] for c in taxa} == {"Coprococcus", "Roseburia"}
    assert len(taxa) == sum(c.taxon in ("Coprococcus", "Roseburia") for c in visible())


def test_a_taxon_by_name_or_synonym(api):
    client, _ = api
    by_id, by_name = get(client, "/taxa/216851"), get(client, "/taxa/Faecalibacterium")
    assert by_id == by_name and by_name["taxid"] == 216851
    bacillota = get(client, "/suggest", q="Firmicutes")["taxa"]  # the phylum's former name
    assert any(t["taxid"] == 1239 for t in bacillota)
    renamed = get(client, "/suggest", q="Bacillota")["taxa"]  # and its 2021 name, a synonym in the stored taxonomy
    assert [(t["taxid"], t["matched"]) for t in renamed][:1] == [(1239, "Bacillota")]
    assert get(client, "/taxa/Segatella copri")["taxid"] == 165179  # Prevotella copri's new name
    assert get(client, "/relations", taxon="Bacillota", include_descendants="true", limit=500)["items"]


def test_an_unknown_name_answers_did_you_mean(api):
    client, _ = api
    for path, params, meant in [
        ("/relations", {"taxon": "E. lenta"}, "Eggerthella lenta"),
        ("/pairs", {"taxon": "Akkermansia muciniphilla"}, "Akkermansia muciniphila"),
        ("/taxa/Faecalibacterim", {}, "Faecalibacterium"),
        ("/pairs", {"disorder": "schizofrenia"}, "schizophrenia"),
    ]:
        answer = client.get(API + path, params=params)
        assert answer.status_code == 404, (path, params)
        assert meant in answer.json()["error"]["did_you_mean"], answer.json()
        assert "did you mean" in answer.json()["error"]["message"]


def test_an_unknown_parameter_is_a_400(api):
    client, _ = api
    message = error(client, "/pairs", 400, secondary="false")
    assert "secondary" in message and "evidence" in message  # names it and what the endpoint takes


def rolled_up(rank: str, evidence: str = "primary") -> dict[tuple[str, str, str], tuple[int, int, int, int]]:
    """The model of roll_up: each claim's taxon pooled into its ancestor at `rank`, a paper once."""
    pooled: dict[tuple, dict[str, set]] = {}
    for c in visible():
        if evidence == "primary" and c.pmid == "2004":
            continue
        ancestor = next(
            (n.name for n in ReferenceData.of().taxon_tree.lineage(TAXA[c.taxon][0]) if n.rank == rank), None
        )
        if ancestor:
            pooled.setdefault((ancestor, c.group, c.subject), {}).setdefault(c.direction, set()).add(c.pmid)
    return {
        key: (
            len(d.get("increased", ())),
            len(d.get("decreased", ())),
            len(d.get("unchanged", ())),
            len(set().union(*d.values())),
        )
        for key, d in pooled.items()
    }


def test_roll_up_pools_a_family_counting_each_paper_once(api):
    client, _ = api
    items = get(client, "/pairs", limit=500, roll_up="family")["items"]
    got = {pair_key(i): (i["increased"], i["decreased"], i["unchanged"], i["papers"]) for i in items}
    assert got == rolled_up("family")
    lachno = next(i for i in items if pair_key(i) == ("Lachnospiraceae", "depression", "human"))
    assert (
        lachno["taxid"] == 186803 and lachno["rank"] == "family" and lachno["pooled_taxa"] == 5
    )  # the family, 3 genera, 1 species
    genus = {
        pair_key(i): i["papers"]
        for i in get(
            client, "/pairs", limit=500, roll_up="genus", taxon="Faecalibacterium,Faecalibacterium prausnitzii"
        )["items"]
    }
    assert genus == {k: v[3] for k, v in rolled_up("genus").items() if k[0] == "Faecalibacterium"}


def consensus_by_group(subject: str = "human") -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for (taxon, group, subj), values in expected_pairs(visible()).items():
        if subj == subject:
            labels.setdefault(taxon, {})[group] = values["consensus"]
    return labels


def test_shared_lists_taxa_moving_the_same_way_in_k_disorders(api):
    client, _ = api
    answer = get(client, "/shared", disorders="depression,parkinson,bipolar", k="2")
    expected = {}
    for taxon, labels in consensus_by_group().items():
        for direction in ("increased", "decreased"):
            agree = sorted(g for g, label in labels.items() if label == direction)
            if len(agree) >= 2:
                expected[taxon] = (direction, agree)
    assert {i["taxon"]: (i["direction"], sorted(i["agree"])) for i in answer["items"]} == expected
    assert expected  # the seed has a shared finding: Faecalibacterium decreased in depression and Parkinson's
    assert error(client, "/shared", 400, disorders="depression")  # one group is not a comparison


def test_profile_is_a_taxon_by_disorder_matrix(api):
    client, _ = api
    answer = get(
        client, "/profile", disorders="depression,parkinson,bipolar", taxa="Faecalibacterium,Roseburia,Bacteroides"
    )
    assert answer["disorders"] == ["depression", "parkinson", "bipolar"]
    labels = consensus_by_group()
    for row in answer["rows"]:
        for group, cell in row["cells"].items():
            assert (cell["consensus"] if cell else None) == labels[row["taxon"]].get(group), (row["taxon"], group)
    assert {r["taxon"] for r in answer["rows"]} == {"Faecalibacterium", "Roseburia", "Bacteroides"}
    agreeing = [r["agreeing"] for r in answer["rows"]]
    assert agreeing == sorted(agreeing, reverse=True)
