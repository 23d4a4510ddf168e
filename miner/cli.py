"""`miner`: the command line. Thin Typer commands, one stage call each.

A `MinerError` becomes one line on stderr and its exit code; a traceback only with `--debug`.
Progress bars go to stderr (and only to a terminal), data to stdout or `--output`.
Imports: everything in miner (nothing imports this module).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from miner import __version__, records
from miner.accounts import create_user, disable_user, list_users, set_password, set_role
from miner.config import Settings, load_settings
from miner.conflicts import count_conflicts, find_conflicts
from miner.digest.weeks import Week
from miner.errors import ConfigError, DeliveryError, MinerError, ParseError
from miner.evaluate import read_records as read_gold
from miner.evaluate import score, texts_beside
from miner.exports import ExportRow, write_rows
from miner.parse import read_records
from miner.query import (
    ARTICLE_COLUMNS,
    RELATION_COLUMNS,
    SIGNATURE_COLUMNS,
    RelationFilter,
    article_rows,
    pairs,
    relation_page,
    relation_rows,
    signature_rows,
    stats,
    top_disorders,
    top_taxa,
)
from miner.query.pairs import PAIR_COLUMNS, PairOptions
from miner.resources import package_path
from miner.services import disorder_groups, harvest_plan, make_client, make_extractor, open_database
from miner.store.models import utcnow

if TYPE_CHECKING:
    from miner.ingest import RunSummary

# The extraction, harvest, digest and scheduler stacks (spaCy, matplotlib, APScheduler) are imported
# by the commands that use them, so `miner stats` or `miner users list` start in half the time.

SAMPLE = ("samples", "gutbrain-sample.xml.gz")  # inside the package

app = typer.Typer(
    help="Literature mining for the gut–brain axis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="Workbench accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")

# Text is printed as it is: markup only where a call asks for it (markup=True), since names,
# paths and messages may hold brackets; a message on stderr is one line, never wrapped.
out = Console(width=None if sys.stdout.isatty() else 200, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


class ExportKind(str, Enum):
    relations = "relations"
    articles = "articles"


class Format(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


class ConflictFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Role(str, Enum):
    reader = "reader"
    curator = "curator"
    admin = "admin"


CONFLICT_COLUMNS = (
    "id",
    "taxon",
    "taxid",
    "rank",
    "disorder",
    "mesh",
    "subject",
    "status",
    "status_by",
    "status_reason",
    "increased",
    "decreased",
    "unchanged",
)


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option("--config", help="Config file (default: ./config.toml).")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    ctx.obj = {"config": config, "debug": debug}


def _settings(ctx: typer.Context) -> Settings:
    if "settings" not in ctx.obj:
        ctx.obj["settings"] = load_settings(ctx.obj["config"])
    return ctx.obj["settings"]


@contextmanager
def _progress(label: str, total: int | None = None) -> Iterator:
    columns = [
        SpinnerColumn(),
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn() if total else TextColumn("{task.completed} records"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


@app.command("ingest")
def ingest_command(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="PubMed XML (.xml, .xml.gz) or JSON Lines files; - for stdin.")],
) -> None:
    """Parse, extract and store PubMed records."""
    from miner.ingest import ingest

    settings = _settings(ctx)
    database = open_database(settings)
    extractor = make_extractor(settings)
    with _progress("ingesting") as advance:
        summary = ingest(database, extractor, paths, commit_every=settings.ingest.commit_every, progress=advance)
    _report(summary)


@app.command("harvest")
def harvest_command(
    ctx: typer.Context,
    since: Annotated[
        datetime | None,
        typer.Option(
            "--since", formats=["%Y-%m-%d"], help="First Entrez date (default: the watermark minus the overlap)."
        ),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option("--until", formats=["%Y-%m-%d"], help="Last Entrez date (default: today, UTC)."),
    ] = None,
) -> None:
    """Fetch new and changed PubMed records for the configured query and store them."""
    from miner.harvest import harvest

    settings = _settings(ctx)
    client = make_client(settings)
    database = open_database(settings)
    extractor = make_extractor(settings)
    with _progress("harvesting") as advance:
        summary = harvest(
            database,
            extractor,
            client,
            harvest_plan(settings),
            since=since.date() if since else None,
            until=until.date() if until else None,
            progress=advance,
        )
    out.print(summary.line(), highlight=False, soft_wrap=True)
    if summary.failed:
        err.print(
            f"[yellow]{summary.failed} records could not be fetched[/] (table ingest_problem, "
            f"run {summary.stored.run_id if summary.stored else '?'}); the next run tries them again",
            highlight=False,
            markup=True,
        )


@app.command("extract")
def extract_command(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="PubMed XML or JSON Lines {pmid,title,abstract}; - for stdin.")] = "-",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Extract relations without a database: one JSON line per article (the guidelines' record format)."""
    from miner.extract import Failed

    settings = _settings(ctx)
    extractor = make_extractor(settings)

    def articles():
        for item in read_records(path):
            if isinstance(item, records.Article):
                yield item
            elif isinstance(item, records.Problem):
                _print_problem(item)

    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        with _progress("extracting") as advance:
            for article, relations in extractor.extract(articles()):
                if isinstance(relations, Failed):
                    _print_problem(records.Problem(path, relations.reason, pmid=article.pmid))
                else:
                    stream.write(
                        json.dumps(
                            {"pmid": article.pmid, "relations": [r.record() for r in relations]}, ensure_ascii=False
                        )
                        + "\n"
                    )
                advance(1)
    finally:
        if output:
            stream.close()


@app.command("export")
def export_command(
    ctx: typer.Context,
    kind: Annotated[ExportKind, typer.Argument(help="What to export.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Export stored relations or articles as JSON Lines or CSV."""
    database = open_database(_settings(ctx))
    rows, columns = (
        ((lambda session: relation_rows(session, as_tuples=True)), RELATION_COLUMNS)
        if kind is ExportKind.relations
        else (article_rows, ARTICLE_COLUMNS)
    )
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with database.session() as session:
            count = write_rows(rows(session), stream, fmt.value, columns)
    finally:
        if output:
            stream.close()
    if output:
        err.print(f"{count} {kind.value} written to {output}", highlight=False)


@app.command("stats")
def stats_command(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False
) -> None:
    """Counts of articles, relations by direction and conflicts."""
    database = open_database(_settings(ctx))
    with database.session() as session:
        figures = stats(session)
    if as_json:
        out.print_json(json.dumps(figures))
        return
    out.print(
        f"{figures['articles']} articles ({figures['articles_with_relations']} with relations), "
        f"{figures['relations']} relations ("
        + ", ".join(f"{n} {d}" for d, n in figures["relations_by_direction"].items())
        + f"), {figures['taxa']} taxa, {figures['disorders']} disorders, {figures['conflicts']} conflicting pairs",
        highlight=False,
    )


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


class QueryKind(str, Enum):
    claims = "claims"
    pairs = "pairs"
    signatures = "signatures"


@app.command("query")
def query_command(
    ctx: typer.Context,
    taxon: Annotated[str | None, typer.Option("--taxon", help="Taxon name or NCBI taxid.")] = None,
    descendants: Annotated[
        bool, typer.Option("--descendants", help="With the taxa below it (a family returns its genera's findings).")
    ] = False,
    disorder: Annotated[str | None, typer.Option("--disorder", help="MeSH descriptor, disorder name or group.")] = None,
    direction: Annotated[
        str | None, typer.Option("--direction", help="increased, decreased or unchanged (read through verdicts).")
    ] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="human or animal.")] = None,
    rank: Annotated[str | None, typer.Option("--rank", help="Only taxa of this rank.")] = None,
    year_from: Annotated[int | None, typer.Option("--year-from")] = None,
    year_to: Annotated[int | None, typer.Option("--year-to")] = None,
    min_confidence: Annotated[float | None, typer.Option("--min-confidence")] = None,
    pmid: Annotated[str | None, typer.Option("--pmid")] = None,
    conflict_only: Annotated[
        bool, typer.Option("--conflict-only", help="Only pairs in an open or confirmed conflict.")
    ] = False,
    verdict: Annotated[
        str | None, typer.Option("--verdict", help="unreviewed, reviewed, rejected, any or one verdict.")
    ] = None,
    design: Annotated[
        str | None,
        typer.Option("--design", help="Papers of these study designs (case-control, RCT, animal model…)."),
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="Papers whose data come from these hosts (human, mouse…).")
    ] = None,
    body_site: Annotated[
        str | None, typer.Option("--body-site", help="Papers sampling these sites (stool, oral…).")
    ] = None,
    method: Annotated[
        str | None,
        typer.Option("--method", help="Papers measuring by these methods (16S rRNA, shotgun metagenomics…)."),
    ] = None,
    country: Annotated[str | None, typer.Option("--country", help="Papers from these countries.")] = None,
    min_sample_size: Annotated[
        int | None, typer.Option("--min-sample-size", help="Papers stating at least this many participants.")
    ] = None,
    kind: Annotated[
        QueryKind,
        typer.Option("--what", help="claims (one row each), pairs (consensus) or signatures (BugSigDB-style)."),
    ] = QueryKind.claims,
    evidence: Annotated[
        str, typer.Option("--evidence", help="Pairs: primary (primary studies vote; reviews shown apart) or all.")
    ] = "primary",
    min_papers: Annotated[
        int, typer.Option("--min-papers", help="Pairs: only those with at least this many papers.")
    ] = 1,
    roll_up: Annotated[
        str | None,
        typer.Option("--roll-up", help="Pairs: pool taxa into their ancestor at this rank (family, genus, phylum…)."),
    ] = None,
    fmt: Annotated[
        QueryFormat, typer.Option("--format", "-f", help="table (a summary), csv or jsonl (every row).")
    ] = QueryFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """What the literature says: claims, pair consensus or signatures for a taxon and/or disorder."""
    f = RelationFilter(
        taxon,
        descendants,
        rank,
        disorder,
        direction,
        subject,
        year_from,
        year_to,
        min_confidence,
        pmid,
        conflict_only,
        verdict,
        design,
        host,
        body_site,
        method,
        country,
        min_sample_size,
    )
    options = PairOptions(evidence, min_papers, roll_up)
    database = open_database(_settings(ctx))
    with database.session() as session:
        if fmt is QueryFormat.table:
            _query_tables(session, f, kind, options)
            return
        kinds: dict[QueryKind, tuple[Callable[[], Iterator[ExportRow]], Sequence[str]]] = {
            QueryKind.claims: (lambda: relation_rows(session, f, as_tuples=True), RELATION_COLUMNS),
            QueryKind.pairs: (lambda: iter(pairs(session, f, limit=None, options=options)), PAIR_COLUMNS),
            QueryKind.signatures: (lambda: signature_rows(session, f), SIGNATURE_COLUMNS),
        }
        rows, columns = kinds[kind]
        stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            count = write_rows(rows(), stream, fmt.value, columns)
        finally:
            if output:
                stream.close()
    if output:
        err.print(f"{count} {kind.value} written to {output}", highlight=False)


def _query_tables(session, f: RelationFilter, kind: QueryKind, options: PairOptions, shown: int = 25) -> None:
    found = pairs(session, f, limit=shown, options=options)
    table = Table(
        "taxon",
        "rank",
        "disorder",
        "subject",
        "increased",
        "decreased",
        "unchanged",
        "reviews ↑/↓/=",
        "consensus",
        "conflict",
        "years",
        title=f"Pairs for {f.described()} ({options.evidence} evidence)",
        title_justify="left",
    )
    for p in found:
        years = f"{p['first_year']}–{p['latest_year']}" if p["first_year"] != p["latest_year"] else str(p["first_year"])
        score = f" ({p['score']:+.2f})" if p["score"] is not None else ""
        reviews = f"{p['reviews_increased']}/{p['reviews_decreased']}/{p['reviews_unchanged']}"
        table.add_row(
            p["taxon"],
            p["rank"],
            p["disorder_group"],
            p["subject"],
            str(p["increased"]),
            str(p["decreased"]),
            str(p["unchanged"]),
            reviews,
            p["consensus"] + score,
            p["conflict"] or "",
            years,
        )
    out.print(table)
    if kind is QueryKind.pairs:
        return
    page = relation_page(session, f, sort="-year", limit=shown)
    claims = Table(
        "PMID",
        "year",
        "taxon",
        "direction",
        "disorder",
        "verdict",
        "evidence",
        title="Evidence, newest first",
        title_justify="left",
    )
    for c in page.items:
        claims.add_row(
            c["pmid"],
            str(c["year"] or ""),
            c["taxon"],
            c["direction"],
            c["disorder"],
            c["verdict"] or "",
            c["evidence"],
        )
    out.print(claims)
    if page.next_cursor:
        out.print("… more: --format csv or jsonl gives every claim", highlight=False)


@app.command("digest")
def digest_command(
    ctx: typer.Context,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week YYYY-Www (default: the week just ended, UTC).")
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for digest-YYYY-Www.html/.txt/.md/.png (default: [digest] out_dir)."),
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="E-mail it to [digest] recipients (each once; earlier failures are retried).")
    ] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Build the week's digest again, unless it was already sent to someone.")
    ] = False,
) -> None:
    """The weekly digest: build it, write it as HTML, text and Markdown, and optionally send it."""
    from miner.digest.publish import deliver, publish, write_files

    settings = _settings(ctx)
    database = open_database(settings)
    chosen = Week.parse(week) if week else Week.just_ended(utcnow())
    issue = publish(database, settings, chosen, rebuild=rebuild)
    for path in write_files(issue, folder or settings.digest.out_dir):
        out.print(str(path), highlight=False, soft_wrap=True)
    out.print(issue.summary, highlight=False, soft_wrap=True)
    if send:
        if not settings.digest.recipients:
            raise ConfigError("no recipients: set [digest] recipients (or MINER_DIGEST_RECIPIENTS=a@x.org,b@y.org)")
        report = deliver(database, settings, chosen, settings.digest.recipients)
        if report.failed:
            raise DeliveryError(f"digest {chosen}: {report.line()} (they are tried again next time)")
        err.print(f"mail: {report.line()}", highlight=False)


@app.command("conflicts")
def conflicts_command(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="open, confirmed, resolved or dismissed.")] = None,
    disorder: Annotated[
        str | None, typer.Option("--disorder", help="Disorder group, MeSH descriptor or disorder name.")
    ] = None,
    fmt: Annotated[
        ConflictFormat, typer.Option("--format", "-f", help="table, json (one array) or csv.")
    ] = ConflictFormat.table,
) -> None:
    """Taxon–disorder pairs that papers report in opposite directions, most evidence first."""
    database = open_database(_settings(ctx))
    with database.session() as session:
        conflicts = find_conflicts(session, status=status, disorder=disorder)
    if fmt is ConflictFormat.json:
        sys.stdout.write(json.dumps([c.to_json() for c in conflicts], ensure_ascii=False, indent=1) + "\n")
    elif fmt is ConflictFormat.csv:
        write_rows((c.to_json() for c in conflicts), sys.stdout, "csv", CONFLICT_COLUMNS)
    else:
        _conflict_table(conflicts, limit=None)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . @ -).")],
    role: Annotated[
        Role, typer.Option("--role", help="reader browses; curator gives verdicts; admin also manages accounts.")
    ] = Role.reader,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of stdin instead of prompting."),
    ] = False,
) -> None:
    """Create a workbench account (asks for the password)."""
    password = _read_password(password_stdin)
    database = open_database(_settings(ctx))
    with database.session() as session:
        create_user(session, name, role.value, password)
    out.print(f"user {name} added ({role.value})", highlight=False)


@users_app.command("role")
def users_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[Role, typer.Argument(help="reader, curator or admin.")],
) -> None:
    """Change an account's role."""
    database = open_database(_settings(ctx))
    with database.session() as session:
        set_role(session, name, role.value)
    out.print(f"user {name} is now {role.value}", highlight=False)


@users_app.command("password")
def users_password(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Set a new password for an account."""
    password = _read_password(password_stdin)
    database = open_database(_settings(ctx))
    with database.session() as session:
        set_password(session, name, password)
    out.print(f"password of {name} changed", highlight=False)


@users_app.command("disable")
def users_disable(ctx: typer.Context, name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Disable an account (it can no longer log in; its verdicts stay)."""
    database = open_database(_settings(ctx))
    with database.session() as session:
        disable_user(session, name)
    out.print(f"user {name} disabled", highlight=False)


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """The workbench accounts and their roles."""
    database = open_database(_settings(ctx))
    table = Table("user", "role", "state", "created (UTC)", title="Users", title_justify="left")
    with database.session() as session:
        for user in list_users(session):
            table.add_row(
                user.username, user.role, "disabled" if user.disabled else "active", f"{user.created_at:%Y-%m-%d %H:%M}"
            )
    out.print(table)


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Listen address (default: [web] host).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default: [web] port).")] = None,
) -> None:
    """Serve the curators' workbench (and the pages and API) with uvicorn."""
    import uvicorn

    from miner.web import create_app

    settings = _settings(ctx)
    application = create_app(
        settings,
        open_database(settings),
        warn=lambda message: err.print(Text.assemble(("warning", "yellow"), ": ", message), highlight=False),
    )
    host, port = host or settings.web.host, port or settings.web.port
    err.print(f"serving on http://{host}:{port}/ (Ctrl-C stops)", highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=True)


@app.command("reextract")
def reextract_command(
    ctx: typer.Context,
    everything: Annotated[
        bool, typer.Option("--all", help="Re-extract every article, not only those of other pipeline versions.")
    ] = False,
) -> None:
    """Re-run the current pipeline over stored articles extracted by an older version."""
    from miner.ingest import pending_reextraction, reextract

    settings = _settings(ctx)
    database = open_database(settings)
    extractor = make_extractor(settings)
    total = None if everything else pending_reextraction(database, extractor.version)
    with _progress("re-extracting", total) as advance:
        summary = reextract(
            database, extractor, everything=everything, commit_every=settings.ingest.commit_every, progress=advance
        )
    _report(summary)


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    gold: Annotated[Path, typer.Argument(help="Gold relations, JSON Lines in the guidelines' record format.")],
    predicted: Annotated[Path | None, typer.Argument(help="Predicted relations; without it, extract them now.")] = None,
    texts: Annotated[
        Path | None, typer.Option("--texts", help="The gold abstracts (default: <gold>_texts.jsonl beside it).")
    ] = None,
    errors: Annotated[int, typer.Option("--errors", help="List up to N missed and extra triples.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="The scores as one JSON object.")] = False,
) -> None:
    """Score extraction against gold annotations (P/R/F1 on triples and pairs, direction accuracy)."""
    from miner.extract import Failed

    settings = _settings(ctx)
    gold_records = read_gold(gold)
    if predicted is not None:
        predictions = read_gold(predicted)
    else:
        source = texts or texts_beside(gold)
        if source is None:
            raise ParseError(f"{gold}: no abstracts beside it (expected {gold.stem}_texts.jsonl); pass --texts")
        extractor = make_extractor(settings)
        articles = (item for item in read_records(str(source)) if isinstance(item, records.Article))
        with _progress("extracting") as advance:
            predictions = {}
            for article, relations in extractor.extract(articles):
                if isinstance(relations, Failed):
                    _print_problem(records.Problem(str(source), relations.reason, pmid=article.pmid))
                predictions[article.pmid] = [] if isinstance(relations, Failed) else [r.record() for r in relations]
                advance(1)
    result = score(gold_records, predictions, disorder_groups(settings))
    if as_json:
        out.print_json(json.dumps(result.to_json()))
        return
    for line in result.lines(errors):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


@app.command("train")
def train_command(
    ctx: typer.Context,
    gold: Annotated[
        list[Path], typer.Argument(help="Annotated abstracts: JSON Lines gold files in the guidelines' record format.")
    ],
    texts: Annotated[
        list[Path], typer.Option("--texts", help="Their abstracts (PubMed XML or JSON Lines); repeatable.")
    ],
    folds: Annotated[int, typer.Option("--folds", min=2, help="Cross-validation folds (by abstract).")] = 5,
    seeds: Annotated[
        int, typer.Option("--seeds", min=1, help="Repetitions of the cross-validation with other splits.")
    ] = 3,
    min_precision: Annotated[
        float,
        typer.Option(
            "--min-precision", min=0.0, max=1.0, help="The decision threshold keeps precision at least this high."
        ),
    ] = 0.85,
    decide: Annotated[
        str,
        typer.Option(
            "--decide",
            help="What decides: auto (the best cross-validated F1), model, rules, 'rules and model' "
            "or 'rules or model'.",
        ),
    ] = "auto",
    write: Annotated[
        bool, typer.Option("--write/--dry-run", help="Write the model and the quality report into the pipeline folder.")
    ] = True,
) -> None:
    """Cross-validate the learned relation decision on annotated abstracts, then train it on all of them."""
    from miner import training

    settings = _settings(ctx)
    if decide != "auto" and decide not in training.DECISIONS:
        raise ConfigError(f"--decide must be auto or one of: {', '.join(training.DECISIONS)}")
    result = training.train(
        settings.pipeline.config,
        gold,
        texts,
        disorder_groups(settings),
        k=folds,
        seeds=tuple(range(seeds)),
        min_precision=min_precision,
        decision=decide,
        write=write,
    )
    for line in training.report_lines(result):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


@app.command("schedule")
def schedule_command(ctx: typer.Context) -> None:
    """Run the scheduler: the daily harvest and the weekly digest (until SIGTERM or Ctrl-C)."""
    from miner.scheduler import run_scheduler

    settings = _settings(ctx)
    database = open_database(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = str(Path(settings.source).resolve()) if settings.source != "defaults" else ""
    err.print(
        f"scheduler started (jobs in {database.engine.url.render_as_string(hide_password=True)}); stop with Ctrl-C",
        highlight=False,
    )
    try:
        run_scheduler(settings, database, config, stop)
    except KeyboardInterrupt:
        stop.set()
    err.print("scheduler stopped", highlight=False)


@app.command("jobs")
def jobs_command(ctx: typer.Context) -> None:
    """The scheduled jobs, their next run time, and how the last runs ended."""
    from miner.scheduler import last_harvests, list_jobs

    settings = _settings(ctx)
    database = open_database(settings)
    table = Table("job", "schedule", "next run (UTC)", "last runs", title="Jobs", title_justify="left")
    for info in list_jobs(settings, database):
        runs = "\n".join(
            f"{run.status} {run.started_at:%Y-%m-%d %H:%M}" + (f": {run.message[:90]}" if run.message else "")
            for run in info.last_runs
        )
        table.add_row(
            info.id, info.schedule, f"{info.next_run:%Y-%m-%d %H:%M}" if info.next_run else "—", runs or "no runs yet"
        )
    out.print(table)
    harvests = last_harvests(database)
    if harvests:
        out.print("last harvest runs:", highlight=False)
        for run in harvests:
            out.print(
                f"  {run.id} {run.status} {run.started_at:%Y-%m-%d %H:%M} {run.window_start}..{run.window_end}: "
                f"{run.found} found, {run.fetched} fetched, {run.new} new, {run.updated} updated, {run.failed} failed, "
                f"{run.requests} requests, {run.retries} retries",
                highlight=False,
            )


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations."""
    database = open_database(_settings(ctx), create=False, check=False)
    before, after = database.upgrade()
    out.print(
        f"database at revision {after}" + (f" (was {before or 'empty'})" if before != after else " (already current)"),
        highlight=False,
    )


@app.command("demo")
def demo_command(ctx: typer.Context) -> None:
    """Ingest the bundled sample corpus into the configured database and summarise it."""
    from miner.ingest import ingest

    settings = _settings(ctx)
    database = open_database(settings)
    extractor = make_extractor(settings)
    sample = package_path(*SAMPLE)
    out.print(
        f"miner {__version__} · database {database.engine.url.render_as_string(hide_password=True)} "
        f"· pipeline {extractor.version}",
        highlight=False,
    )
    with _progress("ingesting sample") as advance:
        summary = ingest(
            database, extractor, [str(sample)], commit_every=settings.ingest.commit_every, kind="demo", progress=advance
        )
    _report(summary)
    with database.session() as session:
        _print_summary(session)


def _print_problem(problem: records.Problem) -> None:
    """One line on stderr whatever the problem holds: its text is never read as markup, never
    wrapped, and stripped of line breaks and terminal control characters."""
    label = Text("warning", style="yellow") if problem.severity == "warning" else Text("skipped", style="red")
    err.print(Text.assemble(label, ": ", str(problem)), highlight=False)


def _report(summary: RunSummary) -> None:
    for problem in summary.problems[:20]:
        _print_problem(problem)
    if len(summary.problems) > 20:
        err.print(
            f"… and {len(summary.problems) - 20} more problems (table ingest_problem, run {summary.run_id})",
            highlight=False,
        )
    out.print(summary.line(), highlight=False)


def _print_summary(session) -> None:
    figures = stats(session)
    directions = figures["relations_by_direction"]
    out.print(
        f"\n[bold]{figures['articles']}[/] articles, [bold]{figures['relations']}[/] relations: "
        f"{directions['increased']} increased, {directions['decreased']} decreased, "
        f"{directions['unchanged']} unchanged",
        highlight=False,
        markup=True,
    )
    taxa = Table("taxon", "taxid", "papers", "relations", title="Top taxa", title_justify="left")
    for name, taxid, papers, count in top_taxa(session, 10):
        taxa.add_row(name, str(taxid or "—"), str(papers), str(count))
    disorders = Table("disorder group", "e.g.", "papers", "relations", title="Top disorders", title_justify="left")
    for group, name, papers, count in top_disorders(session, 10):
        disorders.add_row(group, name, str(papers), str(count))
    out.print(taxa)
    out.print(disorders)
    _conflict_table(
        find_conflicts(session, include_resolved=False, limit=15),
        limit=15,
        total=count_conflicts(session, include_resolved=False),
    )
    out.print("Review them in the workbench: miner serve", highlight=False)


def _conflict_table(conflicts, limit: int | None, total: int | None = None) -> None:
    """With a limit (the demo's summary): paper counts; without: the PMIDs on each side."""
    total = len(conflicts) if total is None else total
    table = Table(
        "id",
        "taxon",
        "disorder",
        "subject",
        "status",
        "increased",
        "decreased",
        "unchanged",
        title=f"Conflicts: {total}",
        title_justify="left",
    )
    for conflict in conflicts[:limit]:
        sides = conflict.to_json()
        cells = [
            str(len(sides[side])) if limit is not None else " ".join(sides[side]) or "—"
            for side in ("increased", "decreased", "unchanged")
        ]
        table.add_row(str(conflict.id), conflict.taxon, conflict.group, conflict.subject, conflict.status, *cells)
    out.print(table)
    if limit is not None and total > limit:
        out.print(f"… and {total - limit} more (miner conflicts)", highlight=False)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("password", hide_input=True, err=True)
    if typer.prompt("again", hide_input=True, err=True) != first:
        raise MinerError("the passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="miner", standalone_mode=False)
        return 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err.print("aborted")
        return 130
    except typer.TyperException as exc:  # usage errors (from Typer's own copy of click): shown as shells expect
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(str(exc), highlight=False, markup=False)
        return int(getattr(exc, "exit_code", 2))
    except MinerError as exc:
        if debug:
            raise
        err.print(f"miner: error: {exc}", highlight=False, markup=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
