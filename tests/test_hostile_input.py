"""Hostile and careless input: every record stands alone, on SQLite and PostgreSQL alike.

Each test makes its input here (nothing big is stored): markup nested thousands deep, texts past
spaCy's limit, JSON Lines that break the json module, values longer than the database's columns,
characters PostgreSQL refuses, a record the database itself refuses, a record the pipeline fails
on, a problem line that looks like Rich markup. The rule under test: the bad record becomes one
`skipped` (or `warning`) problem with its PMID and the rest of the file goes in.
"""

from __future__ import annotations

import gzip
import io
import json

import pytest
from builders import make_article
from conftest import ROOT
from sqlalchemy import select, text

from miner import records
from miner.cli import main
from miner.extract import Extractor, Failed
from miner.extract.pieces import PIECE_CHARS, pieces
from miner.ingest import ingest
from miner.parse import read_jsonl, read_pubmed
from miner.record_checks import MAX_TEXT_CHARS, check_article
from miner.store.models import Article, IngestProblem, Relation

FINDING = "Faecalibacterium was decreased in patients with major depressive disorder compared with healthy controls."


def pubmed_xml(*records_xml: str) -> bytes:
    return ("<?xml version='1.0'?>\n<PubmedArticleSet>\n" + "\n".join(records_xml) + "\n</PubmedArticleSet>\n").encode()


def record_xml(
    pmid: str,
    abstract: str = FINDING,
    title: str = "Gut microbiota in depression",
    *,
    article_extra: str = "",
    label: str = "RESULTS",
    pmid_attrs: str = 'Version="1"',
) -> str:
    return (
        f"<PubmedArticle><MedlineCitation><PMID {pmid_attrs}>{pmid}</PMID><Article>"
        f"<Journal><Title>J Test</Title><JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue></Journal>"
        f"<ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText "
        f'Label="{label}">{abstract}</AbstractText></Abstract>'
        f"{article_extra}</Article></MedlineCitation></PubmedArticle>"
    )


def items(reader) -> tuple[list[records.Article], list[records.Problem]]:
    got = list(reader)
    return [i for i in got if isinstance(i, records.Article)], [i for i in got if isinstance(i, records.Problem)]


# ---------------------------------------------------------------------------------------- parse


@pytest.mark.parametrize("depth", [1_000, 2_000])
def test_italics_nested_thousands_deep_are_read_not_a_recursion_error(depth):
    nested = "<i>" * depth + "Blautia" + "</i>" * depth
    articles, problems = items(
        read_pubmed(io.BytesIO(pubmed_xml(record_xml("1", f"{nested} was higher in autism."), record_xml("2"))))
    )
    assert [a.pmid for a in articles] == ["1", "2"]
    assert articles[0].abstract == "Blautia was higher in autism."
    assert articles[0].sections[0].italics == ((0, 7),)
    assert problems == []


def test_mathml_nested_thousands_deep_is_read():
    depth = 1_500
    math = (
        '<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML">'
        + "<mml:mrow>" * depth
        + "<mml:mi>x</mml:mi>"
        + "</mml:mrow>" * depth
        + "</mml:math>"
    )
    articles, problems = items(
        read_pubmed(io.BytesIO(pubmed_xml(record_xml("1", f"The ratio {math} rose."), record_xml("2"))))
    )
    assert [a.pmid for a in articles] == ["1", "2"] and problems == []
    assert articles[0].abstract == "The ratio x rose."


def test_an_unexpected_failure_inside_one_record_skips_only_that_record():
    # a PMID version of 5,000 digits makes int() itself fail (Python's 4,300-digit limit)
    bad = record_xml("7", pmid_attrs=f'Version="{"9" * 5000}"')
    articles, problems = items(read_pubmed(io.BytesIO(pubmed_xml(record_xml("6"), bad, record_xml("8")))))
    assert [a.pmid for a in articles] == ["6", "8"]
    [problem] = problems
    assert problem.pmid == "7" and problem.severity == "error" and "cannot be read (ValueError" in problem.message


def test_values_longer_than_the_columns_are_fitted_with_a_warning():
    extra = f'<Language>{"x" * 20}</Language><ELocationID EIdType="doi" ValidYN="Y">10.1/{"d" * 300}</ELocationID>'
    xml = pubmed_xml(record_xml("1", label="L" * 100, article_extra=extra), record_xml("2" * 20), record_xml("3"))
    articles, problems = items(read_pubmed(io.BytesIO(xml)))
    assert [a.pmid for a in articles] == ["1", "3"]
    first = articles[0]
    assert first.sections[0].label == "L" * 64 and first.doi is None and first.language == ""
    warnings = [p.message for p in problems if p.severity == "warning"]
    assert (
        any("label" in w for w in warnings)
        and any("DOI" in w for w in warnings)
        and any("language" in w for w in warnings)
    )
    [skipped] = [p for p in problems if p.severity == "error"]
    assert "PMID of 20 digits" in skipped.message


def test_a_text_over_the_cap_is_skipped_with_its_pmid():
    article = make_article(pmid="5", text="a" * (MAX_TEXT_CHARS + 1))
    checked = check_article(article)
    assert checked.article is None and "cap" in (checked.reason or "")


# ---------------------------------------------------------------------------------- JSON Lines


def jsonl(*lines: str | bytes) -> io.BytesIO:
    return io.BytesIO(b"\n".join(line.encode() if isinstance(line, str) else line for line in lines) + b"\n")


def test_json_lines_that_break_the_json_module_are_one_problem_each():
    good = json.dumps({"pmid": "10", "title": "ok", "abstract": FINDING})
    deep = '{"pmid": "11", "title": ' + "[" * 100_000 + "]" * 100_000 + "}"
    huge_int = '{"pmid": "12", "title": "t", "n": ' + "9" * 5_000 + "}"
    huge_pmid = '{"pmid": ' + "9" * 5_000 + ', "title": "t"}'
    articles, problems = items(read_jsonl(jsonl(good, deep, huge_int, huge_pmid, good.replace('"10"', '"13"'))))
    assert [a.pmid for a in articles] == ["10", "13"]
    assert [p.position for p in problems] == [2, 3, 4]
    assert problems[0].pmid == "11" and problems[1].pmid == "12"
    assert all(p.severity == "error" for p in problems)


def test_lone_surrogates_and_nul_are_replaced_and_the_record_kept():
    line = '{"pmid": "20", "title": "bad \\ud800 title", "abstract": "NUL \\u0000 here. ' + FINDING + '"}'
    articles, problems = items(read_jsonl(jsonl(line)))
    [article] = articles
    assert article.title == "bad \ufffd title" and "\x00" not in article.abstract and "\ufffd" in article.abstract
    assert [p.severity for p in problems] == ["warning"]
    article.title.encode("utf-8")  # no lone surrogate is left to break an encoder


def test_a_line_over_the_cap_is_skipped_and_reading_goes_on():
    long_line = json.dumps({"pmid": "30", "title": "t", "abstract": "x" * 5_000})
    after = json.dumps({"pmid": "31", "title": "t", "abstract": FINDING})
    reader = read_jsonl(jsonl(long_line, after))
    reader._max = 1_000  # the cap is 64 MiB by default; the same code path at a small size
    articles, problems = items(reader)
    assert [a.pmid for a in articles] == ["31"]
    [problem] = problems
    assert problem.pmid == "30" and problem.position == 1 and "longer than 1,000 bytes" in problem.message


def test_a_long_line_split_over_many_chunks_is_read_whole():
    abstract = (FINDING + " ") * 18_000  # ~1.9 MB: a line over two 1 MiB chunks
    articles, problems = items(
        read_jsonl(io.BytesIO(gzip.compress(json.dumps({"pmid": "40", "title": "t", "abstract": abstract}).encode())))
    )
    assert problems == [] and articles[0].abstract == abstract.strip()


# ---------------------------------------------------------------------------------- extraction


@pytest.mark.slow
def test_a_text_past_spacys_limit_is_read_in_pieces(extractor):
    filler = "The weather was mild and the sample was collected in spring. " * 18_000  # ~1.1 M characters
    article = make_article(pmid="50", text=filler + FINDING)
    assert len(pieces(article)) > 1 and len(article.abstract) > 1_000_000 > PIECE_CHARS
    [(_, relations)] = list(extractor.extract([article]))
    assert not isinstance(relations, Failed)
    found = {(r.taxon, r.direction) for r in relations}
    assert ("Faecalibacterium", "decreased") in found
    whole = article.title + "\n" + article.abstract
    for relation in relations:  # offsets point into the whole article, not into a piece
        assert whole[relation.sentence_start :].startswith(relation.evidence)


def test_pieces_keep_every_character_and_map_offsets_back():
    article = make_article(pmid="51", text=" ".join(f"Sentence number {n} ends here." for n in range(20_000)))
    cut = pieces(article, size=30_000)
    assert len(cut) > 10
    whole = article.title + "\n" + article.abstract
    rebuilt = "".join(section.text for piece in cut for section in piece.article.sections)
    assert rebuilt == article.abstract
    for piece in cut:
        piece_text = piece.article.title + "\n" + "\n".join(s.text for s in piece.article.sections)
        for section, (at_piece, at_whole) in zip(piece.article.sections, piece.shifts, strict=True):
            assert piece_text[at_piece : at_piece + len(section.text)] == whole[at_whole : at_whole + len(section.text)]
            assert piece.whole_offset(at_piece + 5) == at_whole + 5


@pytest.fixture(scope="module")
def failing_extractor(tmp_path_factory):
    """The real pipeline plus one real component that raises on a marker word, to stand for any
    bug the pipeline may have on some text."""
    from spacy.language import Language

    @Language.component("test_fail_on_marker")
    def fail_on_marker(doc):
        if "XYZZY" in doc.text:
            raise RuntimeError("component broke on this text")
        return doc

    config = (ROOT / "miner" / "pipelines" / "miner.cfg").read_text()
    folder = tmp_path_factory.mktemp("pipeline")
    for path in (ROOT / "miner" / "pipelines").iterdir():
        if path.name != "miner.cfg":
            (folder / path.name).symlink_to(path)
    pipeline = config.split("pipeline = [", 1)[1].split("]", 1)[0]
    config = config.replace(f"pipeline = [{pipeline}]", f'pipeline = [{pipeline}, "fail"]', 1)
    config += '\n[components.fail]\nfactory = "test_fail_on_marker"\n'
    (folder / "miner.cfg").write_text(config)
    return Extractor(folder / "miner.cfg", batch_size=4)


@pytest.mark.slow
def test_an_article_the_pipeline_fails_on_is_failed_alone(failing_extractor):
    articles = [make_article(pmid=str(n), text=FINDING + (" XYZZY" if n == 3 else "")) for n in range(1, 7)]
    results = list(failing_extractor.extract(articles))
    assert [a.pmid for a, _ in results] == [str(n) for n in range(1, 7)]
    failed = [(a.pmid, r.reason) for a, r in results if isinstance(r, Failed)]
    assert failed == [("3", "extraction failed (RuntimeError: component broke on this text)")]
    assert all(r for a, r in results if a.pmid != "3")


# -------------------------------------------------------------------------------------- storing


def write_jsonl(path, rows) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


@pytest.mark.slow
def test_ingest_stores_the_hostile_batch_the_same_on_both_backends(database, extractor, tmp_path):
    xml = pubmed_xml(
        record_xml("1", label="L" * 100, article_extra=f"<Language>{'x' * 20}</Language>"),
        record_xml("2", pmid_attrs='Version="99999999999"'),
        record_xml(
            "3", "<i>" * 1_500 + "Faecalibacterium" + "</i>" * 1_500 + " was decreased in patients with depression."
        ),
        record_xml("4" * 17),
    )
    (tmp_path / "hostile.xml").write_bytes(xml)
    lines = write_jsonl(
        tmp_path / "hostile.jsonl",
        [
            {"pmid": "5", "title": "nul \x00 in title", "abstract": FINDING},
            {"pmid": "6", "title": "lone \ud800 surrogate", "abstract": FINDING},
        ],
    )
    summary = ingest(database, extractor, [str(tmp_path / "hostile.xml"), lines], commit_every=50)
    assert summary.status == "ok" and summary.new == 5
    with database.session() as session:
        stored = {a.pmid: a for a in session.scalars(select(Article))}
        assert set(stored) == {"1", "2", "3", "5", "6"}
        assert stored["2"].version == 1 and stored["5"].title == "nul \ufffd in title"
        assert session.scalar(select(Relation.id).where(Relation.pmid == "3")) is not None
        logged = list(session.scalars(select(IngestProblem).order_by(IngestProblem.id)))
    assert any(p.severity == "error" and "PMID of 17 digits" in p.message for p in logged)


def refuse_pmid(database, pmid: str) -> None:
    """A trigger that makes the database itself refuse one article (as a real constraint would)."""
    with database.engine.begin() as connection:
        if database.engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON article WHEN NEW.pmid = '{pmid}' BEGIN SELECT "
                    "RAISE(ABORT, 'refused by test trigger'); END"
                )
            )
        else:
            connection.execute(
                text(
                    f"CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.pmid = '{pmid}' THEN RAISE "
                    "EXCEPTION 'refused by test trigger'; "
                    "END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text("CREATE TRIGGER refuse BEFORE INSERT ON article FOR EACH ROW EXECUTE FUNCTION refuse()")
            )


@pytest.mark.slow
def test_a_record_the_database_refuses_is_skipped_and_the_batch_goes_in(database, extractor, tmp_path):
    refuse_pmid(database, "62")
    source = write_jsonl(
        tmp_path / "batch.jsonl",
        [{"pmid": str(n), "title": "Gut microbiota", "abstract": FINDING} for n in range(60, 66)],
    )
    summary = ingest(database, extractor, [source], commit_every=10)
    assert summary.status == "ok"
    assert (summary.read, summary.new, summary.skipped) == (6, 5, 1)
    with database.session() as session:
        assert sorted(session.scalars(select(Article.pmid))) == ["60", "61", "63", "64", "65"]
        [problem] = session.scalars(select(IngestProblem))
        assert (
            problem.pmid == "62"
            and "cannot be stored" in problem.message
            and "refused by test trigger" in problem.message
        )
        assert session.scalar(select(text("count(*)")).select_from(Relation)) == 5


@pytest.mark.slow
def test_an_extraction_failure_is_a_skipped_problem_and_the_rest_go_in(database, failing_extractor, tmp_path):
    rows = [
        {"pmid": str(n), "title": "Gut microbiota", "abstract": FINDING + (" XYZZY" if n == 72 else "")}
        for n in range(70, 75)
    ]
    summary = ingest(database, failing_extractor, [write_jsonl(tmp_path / "x.jsonl", rows)], commit_every=10)
    assert (summary.new, summary.skipped, summary.status) == (4, 1, "ok")
    with database.session() as session:
        [problem] = session.scalars(select(IngestProblem))
    assert problem.pmid == "72" and problem.message.startswith("extraction failed (RuntimeError")


# ------------------------------------------------------------------------------------------ CLI


@pytest.mark.slow
def test_problem_lines_are_never_markup_and_never_wrapped(capsys, tmp_path, database_url):
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n')
    source = tmp_path / "bad[bold][red].jsonl"  # a path that looks like markup, too
    long_title = "t" * 300
    source.write_text(
        json.dumps({"pmid": "[/bold]", "title": "x"})
        + "\n"
        + json.dumps({"pmid": "[red]1[/red]\nsecond line", "title": "x"})
        + "\n"
        + json.dumps({"pmid": "81", "title": long_title, "abstract": "a\u0000b " + FINDING})
        + "\n"
    )
    code = main(["--config", str(config), "ingest", str(source)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 3, lines  # two skipped, one warning: one line each, however long
    assert "[/bold]" in lines[0] and "bad[bold][red].jsonl" in lines[0] and lines[0].startswith("skipped: ")
    assert "[red]1[/red]" in lines[1] and len(lines[1]) > 100
    assert lines[2].startswith("warning: ") and "PMID 81" in lines[2]
    assert "Traceback" not in captured.err
