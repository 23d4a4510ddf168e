"""Render pages: one Jinja2 environment (autoescaping on) with the helpers templates share, and
`highlight`, which marks the taxon, the disorder and the trigger words inside an evidence sentence.

Every piece of text from the database goes through Jinja2's escaping or `markupsafe.escape`;
nothing is marked safe before it is escaped.
Imports: Jinja2/markupsafe, Starlette, `miner`, `miner.web.deps`.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from miner import __version__
from miner.web.deps import CSRF_FIELD, csrf_token

TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, undefined=StrictUndefined
    )
)
PUBMED = "https://pubmed.ncbi.nlm.nih.gov/{}/"
TAXONOMY = "https://www.ncbi.nlm.nih.gov/Taxonomy/Browser/wwwtax.cgi?id={}"
MESH = "https://meshb.nlm.nih.gov/record/ui?ui={}"


def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    values = {"user": user, "version": __version__, "csrf_field": CSRF_FIELD, "csrf": csrf_token(request), **context}
    return TEMPLATES.TemplateResponse(request, template, values, status_code=status_code)


def highlight(text: str, spans: list[tuple[int | None, int | None, str]]) -> Markup:
    """`text` escaped, with each (start, end, kind) span wrapped in <mark class="kind">; spans that
    are missing, out of range or overlap an earlier one are left unmarked."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if start is None or end is None or not 0 <= start < end <= len(text):
            continue
        if any(start < other_end and other_start < end for other_start, other_end, _ in chosen):
            continue
        chosen.append((start, end, kind))
    pieces, at = [], 0
    for start, end, kind in sorted(chosen):
        pieces.append(escape(text[at:start]))
        pieces.append(Markup('<mark class="{}">{}</mark>').format(kind, text[start:end]))
        at = end
    pieces.append(escape(text[at:]))
    return Markup("").join(pieces)


def claim_sentence(relation) -> Markup:
    """The evidence sentence of a stored Relation, its taxon, disorder and trigger marked."""
    return row_sentence({name: getattr(relation, name) for name in _SPAN_FIELDS})


_SPAN_FIELDS = (
    "evidence",
    "taxon_start",
    "taxon_end",
    "disorder_start",
    "disorder_end",
    "trigger_start",
    "trigger_end",
)


def row_sentence(row: dict) -> Markup:
    """The same marks for a claim read as a row (`miner.query.relations`)."""
    return highlight(
        row["evidence"],
        [
            (row["taxon_start"], row["taxon_end"], "taxon"),
            (row["disorder_start"], row["disorder_end"], "disorder"),
            (row["trigger_start"], row["trigger_end"], "trigger"),
        ],
    )


TEMPLATES.env.globals.update(
    pubmed_url=PUBMED.format,
    taxonomy_url=TAXONOMY.format,
    mesh_url=MESH.format,
    claim_sentence=claim_sentence,
    row_sentence=row_sentence,
)
