"""Study facts through the API: claims chosen by what the paper's own study is (design, host, body
site, method, country, participants), the facts shown with each claim and article, and the errors
for values that mean nothing — on SQLite and PostgreSQL, called in process, over the corpus of
`tests/api_seed.py` with study facts given to a few of its articles (seeded once per session, then
only read).
Imports: httpx, `miner.store.writer`, `miner.study_facts`, and the test helpers `api_seed`,
`web_server`.
"""

from __future__ import annotations

import httpx
import pytest
from api_seed import article_record, expected_pairs, seed, visible
from web_server import asgi_client

from miner.store.writer import save_article
from miner.study_facts import StudyFacts, facts_of

API = "/api/v1"
# pmid → the study its abstract describes (as if read by miner.study_facts)
STUDIES = {
    "2001": StudyFacts(
        design=("case-control",),
        host=("human",),
        sample_size=120,
        cases=60,
        controls=60,
        body_sites=("stool",),
        methods=("16S rRNA",),
        countries=("China",),
    ),
    "2002": StudyFacts(
        design=("case-control", "animal model"),
        host=("human", "mouse"),
        sample_size=40,
        cases=20,
        controls=20,
        body_sites=("stool", "intestinal content"),
        methods=("shotgun metagenomics",),
        countries=("Netherlands",),
    ),
    "2003": StudyFacts(
        design=("cohort",),
        host=("human",),
        sample_size=800,
        body_sites=("oral",),
        methods=("16S rRNA", "qPCR"),
        countries=("United States",),
    ),
}


def with_studies(database) -> None:
    """Three articles of the corpus stored again with their study facts."""
    with database.session() as session:
        for pmid, facts in STUDIES.items():
            article, relations = article_record(pmid)
            save_article(session, article, relations, pipeline_version="test", facts=facts)


@pytest.fixture
def api(seeded_databases):
    with asgi_client(seeded_databases.app("api-with-studies", with_studies, on=("api", seed))) as client:
        yield client


def relation_pmids(client: httpx.Client, **params) -> set[str]:
    answer = client.get(API + "/relations", params={"limit": 500, **params})
    assert answer.status_code == 200, answer.text
    return {item["pmid"] for item in answer.json()["items"]}


def study(pmid: str) -> StudyFacts:
    """The article's study: given above, or what the reader finds in its seeded abstract."""
    return STUDIES.get(pmid) or facts_of(article_record(pmid)[0])


def having(test) -> set[str]:
    """The seeded PMIDs (with visible claims) whose study passes `test`."""
    return {c.pmid for c in visible() if test(study(c.pmid))}


@pytest.mark.parametrize(
    "params, test",
    [
        ({"design": "case-control"}, lambda s: "case-control" in s.design),
        ({"design": "Cohort, animal model"}, lambda s: {"cohort", "animal model"} & set(s.design)),
        ({"host": "mouse"}, lambda s: "mouse" in s.host),
        ({"body_site": "stool"}, lambda s: "stool" in s.body_sites),
        ({"method": "16S rRNA"}, lambda s: "16S rRNA" in s.methods),
        ({"country": "china,united states"}, lambda s: {"China", "United States"} & set(s.countries)),
        ({"min_sample_size": 100}, lambda s: (s.sample_size or 0) >= 100),
        (
            {"design": "case-control", "method": "16S rRNA"},
            lambda s: "case-control" in s.design and "16S rRNA" in s.methods,
        ),
        ({"design": "RCT"}, lambda s: "RCT" in s.design),
    ],
    ids=[
        "design",
        "two-designs",
        "host",
        "body-site",
        "method",
        "countries",
        "min-sample-size",
        "design-and-method",
        "none",
    ],
)
def test_claims_are_chosen_by_their_papers_study(api, params, test):
    assert relation_pmids(api, **params) == having(test)


def test_each_claim_and_article_shows_its_study(api):
    answer = api.get(API + "/relations", params={"limit": 500})
    items = answer.json()["items"]
    assert {item["pmid"] for item in items} >= set(STUDIES)
    for item in items:
        assert item["study"] == study(item["pmid"]).to_json()
    article = api.get(API + "/articles/2002").json()
    assert article["study"] == STUDIES["2002"].to_json()


def test_pairs_are_chosen_by_study_but_counted_whole(api):
    """A study filter chooses the pairs (those with a claim from such a paper); their consensus
    still counts every paper, like any other claim filter."""
    answer = api.get(API + "/pairs", params={"design": "cohort", "limit": 500})
    assert answer.status_code == 200, answer.text
    chosen = [c for c in visible() if c.pmid == "2003"]
    want = expected_pairs(chosen)
    got = {(p["taxon"], p["disorder_group"], p["subject"]): p for p in answer.json()["items"]}
    assert set(got) == set(want)
    assert {k: p["papers"] for k, p in got.items()} == {k: w["papers"] for k, w in want.items()}


@pytest.mark.parametrize(
    "params, status, words",
    [
        ({"design": "randomised trial"}, 400, "use one of case-control"),
        ({"body_site": "feces"}, 400, "use one of stool"),
        ({"method": "16S"}, 400, "use one of 16S rRNA"),
        ({"country": "Chna"}, 404, "did you mean China?"),
        ({"host": "mose"}, 404, "did you mean mouse?"),
        ({"min_sample_size": 0}, 400, "min_sample_size"),
        ({"min_sample_size": 2**31}, 400, "min_sample_size"),
    ],
    ids=["design", "body-site", "method", "country-typo", "host-typo", "zero-participants", "past-the-column"],
)
def test_study_values_that_mean_nothing_are_refused(api, params, status, words):
    answer = api.get(API + "/relations", params=params)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["error"]["message"]


def test_the_largest_sample_size_the_column_holds_is_an_empty_answer_everywhere(api):
    """2^31 - 1 participants: no paper has them, on SQLite and PostgreSQL (whose INTEGER column
    refuses larger numbers, so the API does), in the list and in the streamed exports."""
    largest = {"min_sample_size": 2**31 - 1}
    assert relation_pmids(api, **largest) == set()
    for path in ("/export/relations", "/export/signatures"):
        answer = api.get(API + path, params={**largest, "format": "jsonl"})
        assert answer.status_code == 200 and answer.text == "", (path, answer.text[:200])
        refused = api.get(API + path, params={"min_sample_size": 2**31, "format": "jsonl"})
        assert refused.status_code == 400 and "min_sample_size" in refused.text


def test_a_real_country_no_paper_has_is_an_empty_answer(api):
    assert relation_pmids(api, country="Iceland") == set()


def test_the_search_pages_filter_by_study_and_show_it(api):
    page = api.get("/search", params={"design": "case-control", "country": "China"})
    assert page.status_code == 200
    assert '<option value="case-control" selected>' in page.text and 'value="China"' in page.text
    claims = api.get("/search/claims", params={"design": "case-control", "country": "China"})
    assert claims.status_code == 200
    shown = claims.text.count('<li class="claim"')
    assert shown == len([c for c in visible() if c.pmid == "2001"])
    assert (
        claims.text.count("Study: case-control, human · n = 120 (60 cases, 60 controls) · stool · 16S rRNA · China")
        == shown
    )
