"""The digest follows PubMed's calendar, on SQLite and (with MINER_TEST_DATABASE_URL) PostgreSQL.

- A backfilled database (every article stored today, Entrez dates spread over past weeks of
  2025) gives, through `miner digest --week`, each past week exactly the papers PubMed added that
  week: its numbers, findings, moves, new conflicts and chart; an article without an Entrez date
  (JSON Lines input) counts in the week it was stored.
- Late additions, with the clock given: week W's issue is generated, then articles of week W are
  stored; the next issue lists them once under "Late additions" (in its four renderings, each
  with its Entrez date), the one after does not, an article stored between the end of a week and
  its issue is not lost, a late paper that completes a conflict makes it new there, and a rebuilt
  issue takes in what it had missed.
- The rule itself (`Calendar.is_late`) on generated schedules, in and out of week order: each
  article that missed its week's issue is listed by exactly one later issue.
Only the clock is given: every build gets `now`, and storage times are set as the scenario says.
The late-additions scenario is played once per session into a shared database that the tests
only read; the other tests store into a database of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from builders import cohort_finding, make_article, store_papers
from sqlalchemy import select, update

from miner.cli import main
from miner.config import Settings
from miner.digest.calendar import Calendar
from miner.digest.content import LateAddition, Paper, build_digest
from miner.digest.publish import publish
from miner.digest.weeks import Week
from miner.store.models import Article, Conflict, DigestIssue, utcnow

UTC = UTC
PUBLIC_URL = "https://miner.example.org"
PUBMED_LINK = re.compile(r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/")
TAXA = {"Faecalibacterium": 216851, "Blautia": 572511, "Roseburia": 841, "Akkermansia": 239934}
DISORDERS = {"depression": ("D003865", "major depressive disorder"), "parkinson": ("D010300", "Parkinson's disease")}
TRIGGERS = {"increased": "increased", "decreased": "reduced"}


@dataclass(frozen=True)
class Entry:
    pmid: str
    entrez: datetime | None  # None: JSON Lines input, no Entrez date
    findings: tuple[tuple[str, str, str], ...] = ()  # (taxon, disorder group, direction)

    @property
    def title(self) -> str:
        return f"Gut microbiota and the brain, cohort {self.pmid}"


def at(day: str, time: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UTC)


def _records(paper: Entry):
    relations, sentences = [], []
    for taxon, group, direction in paper.findings:
        mesh, disorder = DISORDERS[group]
        sentence, relation = cohort_finding(
            paper.pmid, taxon, TAXA[taxon], direction, TRIGGERS[direction], mesh, disorder, group
        )
        relations.append(relation)
        sentences.append(sentence)
    article = make_article(
        pmid=paper.pmid,
        title=paper.title,
        text=" ".join(sentences) or "An editorial.",
        journal="Gut Microbes",
        year=2026,
        entrez_date=paper.entrez,
    )
    return article, relations


def store(database, papers: list[Entry], stored: datetime | None = None) -> None:
    """Store `papers` as the writer does (conflicts refreshed), first stored at `stored` (None:
    now, as a harvest would); conflicts they open or change are dated the same."""
    started = utcnow()
    with database.session() as session:
        store_papers(session, (_records(paper) for paper in papers))
        if stored is not None:
            session.execute(
                update(Article).where(Article.pmid.in_([p.pmid for p in papers])).values(first_seen_at=stored)
            )
            session.execute(update(Conflict).where(Conflict.first_seen_at >= started).values(first_seen_at=stored))
            session.execute(update(Conflict).where(Conflict.status_at >= started).values(status_at=stored))


def settings_for(tmp_path) -> Settings:
    return Settings().replace("digest", recipients=[], out_dir=str(tmp_path / "digests"), public_url=PUBLIC_URL)


def linked(html: str) -> set[str]:
    """The PMIDs a rendering links to PubMed."""
    return set(PUBMED_LINK.findall(html))


def late_part(issue: DigestIssue) -> str:
    """The text rendering's "Late additions" part ("" when it has none)."""
    text = issue.text
    if "\nLATE ADDITIONS\n" not in text:
        return ""
    part = text.split("\nLATE ADDITIONS\n", 1)[1]
    return re.split(r"\n[A-Z][A-Z' ]+\n", part, maxsplit=1)[0]


# --- a backfilled database -----------------------------------------------------------------------

W39, W40, W41 = "2025-W39", "2025-W40", "2025-W41"  # 22 September – 12 October 2025
BACKFILL = [
    Entry("5001", at("2025-09-24"), (("Faecalibacterium", "depression", "decreased"),)),
    Entry("5002", at("2025-09-30"), (("Faecalibacterium", "depression", "increased"),)),
    Entry("5003", at("2025-10-05", "23:59:59"), (("Blautia", "parkinson", "increased"),)),
    Entry("5004", at("2025-09-29", "00:00"), ()),  # an editorial: counted, no findings
    Entry(
        "5005",
        at("2025-10-06", "00:00"),
        (("Roseburia", "parkinson", "decreased"), ("Blautia", "parkinson", "decreased")),
    ),
    Entry("5006", None, (("Akkermansia", "depression", "decreased"),)),  # JSON Lines: its week is today's
]
OF_WEEK = {W39: {"5001"}, W40: {"5002", "5003", "5004"}, W41: {"5005"}}


@pytest.fixture
def backfilled(database):
    store(database, BACKFILL)  # all stored now, by one harvest of the past weeks
    return database


def run_digest(database_url, tmp_path, capsys, week: str) -> tuple[str, str, str, str, str]:
    """`miner digest --week` on the command line: its summary line and the html, text and
    markdown files."""
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[digest]\npublic_url = "{PUBLIC_URL}"\n')
    out = tmp_path / week
    assert main(["--config", str(config), "digest", "--week", week, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    files = [(out / f"digest-{week}.{ext}").read_text(encoding="utf-8") for ext in ("html", "txt", "md")]
    return printed[-1], *files, week


@pytest.mark.parametrize("week", [W39, W40, W41])
def test_a_backfilled_database_gives_each_past_week_its_own_papers(backfilled, database_url, tmp_path, capsys, week):
    summary, html, text, markdown, _ = run_digest(database_url, tmp_path, capsys, week)
    papers = OF_WEEK[week]
    with_findings = {p.pmid for p in BACKFILL if p.pmid in papers and p.findings}
    claims = sum(len(p.findings) for p in BACKFILL if p.pmid in papers)
    assert summary.startswith(
        f"{len(papers)} new article{'' if len(papers) == 1 else 's'} ({len(with_findings)} with findings), {claims} "
        "new finding"
    )
    for rendering in (html, text, markdown):
        assert linked(rendering) == with_findings
    assert "Late additions" not in html and "LATE ADDITIONS" not in text  # nothing missed a digest: none was made


def test_a_backfilled_week_has_its_moves_and_conflicts_by_entrez_date(backfilled):
    with backfilled.session() as session:
        digests = {week: build_digest(session, Week.parse(week), PUBLIC_URL, utcnow()) for week in (W39, W40, W41)}
    # Faecalibacterium in depression: decreased in W39 (5001), increased in W40 (5002)
    [move] = digests[W40].moves
    assert (move.taxon, move.before["consensus"], move.before["papers"], move.after["papers"]) == (
        "Faecalibacterium",
        "single paper",
        1,
        2,
    )
    assert [(c.taxon, c.increased, c.decreased) for c in digests[W40].new_conflicts] == [
        ("Faecalibacterium", ["5002"], ["5001"])
    ]
    # Blautia in Parkinson's disease: increased in W40 (5003, its last second), decreased in W41 (5005)
    assert [(c.taxon, c.increased, c.decreased) for c in digests[W41].new_conflicts] == [
        ("Blautia", ["5003"], ["5005"])
    ]
    assert digests[W39].new_conflicts == [] and digests[W39].moves == []
    assert all(d.changed_conflicts == [] for d in digests.values())


def test_a_backfilled_chart_counts_findings_in_their_entrez_weeks(backfilled):
    with backfilled.session() as session:
        digest = build_digest(session, Week.parse(W41), PUBLIC_URL, utcnow())
    assert digest.chart_weeks[-3:] == [W39, W40, W41]
    assert digest.chart_series["depression"][-3:] == [1, 1, 0]
    assert digest.chart_series["Parkinson's disease"][-3:] == [0, 1, 2]
    assert sum(sum(values) for values in digest.chart_series.values()) == 5  # not 5006's: it is today's


def test_an_article_without_an_entrez_date_counts_in_the_week_it_was_stored(backfilled, database_url, tmp_path, capsys):
    with backfilled.session() as session:
        seen = session.scalar(select(Article.first_seen_at).where(Article.pmid == "5006"))
    summary, html, text, markdown, _ = run_digest(database_url, tmp_path, capsys, str(Week.containing(seen)))
    assert summary.startswith("1 new article (1 with findings), 1 new finding")  # not the 90 days' harvest
    assert linked(html) == linked(text) == linked(markdown) == {"5006"}


# --- late additions --------------------------------------------------------------------------------

W47, W48, W49, W50 = (Week.parse(w) for w in ("2026-W47", "2026-W48", "2026-W49", "2026-W50"))
ISSUED = {
    W47: at("2026-11-23", "08:00"),
    W48: at("2026-11-30", "08:00"),
    W49: at("2026-12-07", "08:00"),
    W50: at("2026-12-14", "08:00"),
}
ON_TIME = [  # stored before W47's issue
    (Entry("6001", at("2026-11-17"), (("Faecalibacterium", "depression", "decreased"),)), at("2026-11-17", "13:00")),
    (
        Entry("6002", at("2026-11-18"), (("Blautia", "parkinson", "increased"),)),
        at("2026-11-23", "07:59"),
    ),  # before the issue: in it
    (
        Entry("6005", at("2026-11-02"), (("Roseburia", "parkinson", "decreased"),)),
        at("2026-11-10"),
    ),  # W45: no issue was made
]
AFTER_W47 = [  # stored after W47's issue, before W48's
    (
        Entry("6003", at("2026-11-19"), (("Faecalibacterium", "depression", "increased"),)),
        at("2026-11-24", "09:00"),
    ),  # completes a conflict
    (
        Entry("6004", at("2026-11-20", "23:00"), (("Akkermansia", "depression", "decreased"),)),
        at("2026-11-30", "07:00"),
    ),  # after W48 ended
    (Entry("6006", at("2026-11-24"), (("Blautia", "depression", "increased"),)), at("2026-11-25")),  # W48's own
    (Entry("6007", None, (("Roseburia", "depression", "decreased"),)), at("2026-11-26")),  # no Entrez date: W48's own
    (Entry("6009", at("2026-11-04"), ()), at("2026-11-27")),  # W45 still has no issue: not late
]
AFTER_W48 = [
    (Entry("6008", at("2026-11-21"), (("Blautia", "depression", "decreased"),)), at("2026-12-01"))
]  # late again, in W49


def store_each(database, stored: list[tuple[Entry, datetime]]) -> None:
    for paper, seen in stored:
        store(database, [paper], seen)


def issued(database) -> None:
    """W47's issue made, then late papers stored, W48's made, one more late paper, W49's and W50's made."""
    settings = Settings().replace("digest", recipients=[], public_url=PUBLIC_URL)
    store_each(database, ON_TIME)
    publish(database, settings, W47, ISSUED[W47])
    store_each(database, AFTER_W47)
    publish(database, settings, W48, ISSUED[W48])
    store_each(database, AFTER_W48)
    publish(database, settings, W49, ISSUED[W49])
    publish(database, settings, W50, ISSUED[W50])


@pytest.fixture
def issues(seeded_databases, tmp_path):
    """The four issues of `issued`, as stored in the session's shared copy of that scenario (only read)."""
    database = seeded_databases.get("digest-late-additions", issued)
    return {week: publish(database, settings_for(tmp_path), week) for week in (W47, W48, W49, W50)}


def test_an_issue_lists_its_weeks_papers_stored_by_the_time_it_is_made(issues):
    assert linked(issues[W47].html) == {"6001", "6002"}
    assert issues[W47].figures["new_articles"] == 2 and issues[W47].figures["late_additions"] == 0
    assert late_part(issues[W47]) == ""


def test_late_additions_appear_once_in_the_next_issue_with_their_entrez_dates(issues):
    w48 = issues[W48]
    assert w48.figures["new_articles"] == 2 and w48.figures["late_additions"] == 2  # 6006 and 6007; 6003 and 6004 late
    assert "2 late additions from earlier weeks" in w48.summary
    part = late_part(w48)
    assert part.index("cohort 6003") < part.index("cohort 6004")  # oldest Entrez date first
    assert "Entrez date 19 November 2026 (2026-W47)" in part and "Entrez date 20 November 2026 (2026-W47)" in part
    assert "Faecalibacterium: increased in depression" in part and "Akkermansia: decreased in depression" in part
    assert set(PUBMED_LINK.findall(part)) == {"6003", "6004"}  # not 6005 nor 6009: W45 had no issue
    for rendering in (w48.html, w48.email_html):
        document = lxml.html.document_fromstring(rendering)
        [heading] = [h for h in document.xpath("//h2") if h.text_content() == "Late additions"]
        block = " ".join(heading.getparent().text_content().split())
        assert "Entrez date 19 November 2026 (2026-W47)" in block and "Entrez date 20 November 2026 (2026-W47)" in block
        assert linked(lxml.html.tostring(heading.getparent(), encoding="unicode")) == {"6003", "6004"}
    markdown = w48.markdown.split("## Late additions", 1)[1].split("\n## ", 1)[0]
    assert (
        "— Entrez date 19 November 2026 (2026-W47)" in markdown
        and "*Faecalibacterium*: **increased** in depression" in markdown
    )
    assert linked(markdown) == {"6003", "6004"}
    assert linked(w48.html) == {"6003", "6004", "6006", "6007"}


def test_a_late_addition_is_not_listed_again(issues):
    assert set(PUBMED_LINK.findall(late_part(issues[W49]))) == {"6008"}  # stored after W48's issue
    assert "Entrez date 21 November 2026 (2026-W47)" in late_part(issues[W49])
    assert linked(issues[W49].html) == {"6008"}
    assert issues[W50].figures["late_additions"] == 0 and linked(issues[W50].html) == set()


def test_a_late_paper_that_completes_a_conflict_makes_it_new_in_the_issue_that_lists_it(issues):
    assert [issue.figures["new_conflicts"] for issue in issues.values()] == [0, 1, 1, 0]
    assert [issue.figures["changed_conflicts"] for issue in issues.values()] == [0, 0, 0, 0]
    # 6003 (late in W48) against 6001 (W47); 6008 (late in W49) against 6006 (W48)
    assert (
        "New: Faecalibacterium in depression: increased in 1 paper (PMID 6003); decreased in 1 paper (PMID 6001)."
        in " ".join(issues[W48].text.split())
    )
    assert (
        "New: Blautia in depression: increased in 1 paper (PMID 6006); decreased in 1 paper (PMID 6008)."
        in " ".join(issues[W49].text.split())
    )


def test_a_rebuilt_issue_takes_in_the_papers_it_had_missed(database, tmp_path):
    settings = settings_for(tmp_path)
    store_each(database, ON_TIME)
    publish(database, settings, W47, ISSUED[W47])
    store_each(database, AFTER_W47[:1])  # 6003, on 24 November 09:00
    rebuilt = publish(database, settings, W47, at("2026-11-24", "10:00"), rebuild=True)
    assert linked(rebuilt.html) == {"6001", "6002", "6003"}
    with database.session() as session:
        assert build_digest(session, W48, PUBLIC_URL, ISSUED[W48]).numbers["late_additions"] == 0


def test_a_late_addition_without_an_entrez_date_is_dated_by_its_storage():
    paper = Paper("7001", "A title", "Gut Microbes", 2026, False)
    assert (
        LateAddition(paper, None, at("2026-12-02", "09:30"), []).dated
        == "no Entrez date; first stored 2 December 2026 (2026-W49)"
    )
    assert (
        LateAddition(paper, at("2026-11-29", "23:30"), at("2026-12-02"), []).dated
        == "Entrez date 29 November 2026 (2026-W48)"
    )


def test_the_late_part_of_the_text_is_wrapped_at_78_columns(issues):
    assert [line for line in late_part(issues[W48]).splitlines() if len(line) > 78 and "://" not in line] == []


# --- the rule on schedules -------------------------------------------------------------------------

WEEKS = [Week.parse(f"2026-W{n}") for n in range(40, 46)]


def first_seen_times() -> list[datetime]:
    """Moments spread over the weeks, on and around the hours the issues are made."""
    start = WEEKS[0].start
    return [start + timedelta(hours=hours) for hours in range(0, 7 * 24 * len(WEEKS) + 24 * 14, 11)]


@pytest.mark.parametrize("order", [(0, 1, 2, 3, 4, 5), (0, 2, 1, 3, 5, 4), (3, 0, 1, 5, 2, 4), (5, 4, 3, 2, 1, 0)])
def test_each_article_that_missed_its_weeks_issue_is_listed_by_exactly_one_later_issue(order):
    # issues made a day apart from the Monday after the last week, in the given order of weeks
    generated = {WEEKS[i]: WEEKS[-1].end + timedelta(days=n, hours=8) for n, i in enumerate(order)}
    # and one week's issue made on time, before the others
    generated[WEEKS[1]] = WEEKS[1].end + timedelta(hours=8)
    builds = sorted(generated.items(), key=lambda item: item[1])
    for seen in first_seen_times():
        for week in WEEKS:
            added = week.start + timedelta(days=2)
            if seen < added:
                continue
            listed_by = [
                built
                for built, now in builds
                if Calendar(built, now, {w: g for w, g in generated.items() if w != built and g < now}).is_late(
                    added, seen
                )
            ]
            missed = generated[week] < seen
            later = [w for w, g in builds if w > week and g >= seen]
            assert len(listed_by) == (1 if missed and later else 0), (week, seen, listed_by)
            if listed_by:
                assert listed_by == [later[0]]  # the first made after it was stored, among later weeks


def test_no_issue_lists_an_article_stored_before_its_weeks_issue():
    week, now = WEEKS[2], WEEKS[3].end + timedelta(hours=8)
    issues = {WEEKS[2]: WEEKS[2].end + timedelta(hours=8)}
    calendar = Calendar(WEEKS[3], now, issues)
    added = week.start + timedelta(days=1)
    assert not calendar.is_late(added, issues[WEEKS[2]])  # stored the instant the issue was made: in it
    assert calendar.is_late(added, issues[WEEKS[2]] + timedelta(microseconds=1))
    assert not calendar.is_late(added, now + timedelta(seconds=1))  # not stored yet
    assert not Calendar(WEEKS[2], now, {}).is_late(added, now)  # its own week: not late but new
