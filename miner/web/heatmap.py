"""The transdiagnostic heat map as server-rendered SVG: one row per taxon, one column per disorder
group, each cell coloured by the pair's consensus score (red increased, blue decreased, grey no
shared direction) and paler the fewer papers it rests on; a cell links to the pair's claims and
its tooltip (<title>) gives the counts. No script: the page is readable as delivered.
Every text placed in the SVG is escaped here.
Imports: stdlib, markupsafe.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from markupsafe import Markup, escape

NAME_WIDTH = 140  # at least; wider for longer names
CHARACTER_WIDTH = 7.4  # of the 13px sans-serif names, roughly
CELL_WIDTH = 118
CELL_HEIGHT = 30
HEADER = 42
AGREE_WIDTH = 150
FULL_STRENGTH_PAPERS = 5  # from this many papers a cell takes its full colour
INCREASED = (178, 24, 43)
DECREASED = (33, 102, 172)
NEUTRAL = (247, 247, 247)
ARROWS = {"increased": "↑", "decreased": "↓"}


def cell_colour(score: float | None, papers: int) -> str:
    """The fill for a consensus score (−1…+1) on `papers` papers: white → red or blue with
    |score|, scaled down below FULL_STRENGTH_PAPERS papers; grey when there is no score."""
    if score is None:
        return "rgb(220,220,220)"
    strength = abs(score) * min(1.0, papers / FULL_STRENGTH_PAPERS)
    target = INCREASED if score > 0 else DECREASED
    red, green, blue = (round(n + (t - n) * strength) for n, t in zip(NEUTRAL, target, strict=True))
    return f"rgb({red},{green},{blue})"


def heat_map(rows: list[dict], groups: list[str], claims_url: Callable[[dict, str], str]) -> Markup:
    """The SVG of a `miner.query.profile.profile` answer's rows over `groups`; `claims_url(row,
    group)` is where a cell links."""
    left = max(
        [NAME_WIDTH]
        + [round(CHARACTER_WIDTH * (len(row["taxon"]) + len(row.get("rank") or "") + 1)) + 16 for row in rows]
    )
    width = left + CELL_WIDTH * len(groups) + AGREE_WIDTH
    height = HEADER + CELL_HEIGHT * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="heatmap-title"><title id="heatmap-title">Consensus of {len(rows)} taxa across '
        f"{escape(', '.join(groups))}</title>",
    ]
    for column, group in enumerate(groups):
        x = left + column * CELL_WIDTH + CELL_WIDTH / 2
        parts.append(f'<text class="group" x="{x:.0f}" y="{HEADER - 12}" text-anchor="middle">{escape(group)}</text>')
    parts.append(
        f'<text class="group" x="{left + CELL_WIDTH * len(groups) + 10}" y="{HEADER - 12}">groups agreeing</text>'
    )
    for line, row in enumerate(rows):
        y = HEADER + line * CELL_HEIGHT
        parts.append(
            f'<g class="row" data-taxon="{escape(row["taxon"])}">'
            f'<text class="taxon" x="{left - 8}" y="{y + 19}" text-anchor="end">'
            f'<tspan class="name">{escape(row["taxon"])}</tspan>{" " if row.get("rank") else ""}'
            f'<tspan class="rank">{escape(row.get("rank") or "")}</tspan></text>'
        )
        for column, group in enumerate(groups):
            parts.append(_cell(row, group, left + column * CELL_WIDTH, y, claims_url))
        direction = row.get("direction")
        agreeing = (
            f"{ARROWS[direction]} {row['agreeing']} of {row['reported_in']}"
            if direction
            else f"— of {row['reported_in']}"
        )
        parts.append(
            f'<text class="agree {escape(direction or "none")}" '
            f'x="{left + CELL_WIDTH * len(groups) + 10}" y="{y + 19}">'
            f"{escape(agreeing)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _cell(row: dict, group: str, x: int, y: int, claims_url: Callable[[dict, str], str]) -> str:
    cell = row["cells"].get(group)
    box = f'x="{x + 1}" y="{y + 1}" width="{CELL_WIDTH - 2}" height="{CELL_HEIGHT - 2}"'
    if not cell:
        return (
            f'<rect class="cell empty" {box} fill="#ffffff" stroke="#d0d0d0" stroke-dasharray="3 3">'
            f"<title>{escape(row['taxon'])} in {escape(group)}: not reported</title></rect>"
        )
    counts = f"↑{cell['increased']} ↓{cell['decreased']} ={cell['unchanged']}"
    score = "" if cell["score"] is None else f", score {cell['score']:+.2f}"
    reviews = (
        f"; {cell['reviews_papers']} review{'' if cell['reviews_papers'] == 1 else 's'} apart"
        if cell.get("reviews_papers")
        else ""
    )
    tip = (
        f"{row['taxon']} in {group}: {cell['consensus']}{score} — {cell['increased']} increased, "
        f"{cell['decreased']} decreased, {cell['unchanged']} unchanged ({cell['papers']} papers){reviews}"
    )
    fill = cell_colour(cell["score"], cell["papers"])
    dark = cell["score"] is not None and abs(cell["score"]) * min(1.0, cell["papers"] / FULL_STRENGTH_PAPERS) > 0.55
    return (
        f'<a href="{escape(claims_url(row, group))}">'
        f'<rect class="cell {escape(cell["consensus"].replace(" ", "-"))}" {box} fill="{fill}"'
        f' data-group="{escape(group)}" data-consensus="{escape(cell["consensus"])}">'
        f"<title>{escape(tip)}</title></rect>"
        f'<text class="counts{" dark" if dark else ""}" x="{x + CELL_WIDTH / 2:.0f}" y="{y + 19}" text-anchor="middle">'
        f"{escape(counts)}</text></a>"
    )


def claims_link(subject: str, pooled: bool) -> Callable[[dict, str], str]:
    """A cell's link: the search page's claims of that taxon (by taxid when known; with the taxa
    below it when rows pool them) and group."""

    def url(row: dict, group: str) -> str:
        query = {
            "taxon": row["taxid"] or row["taxon"],
            "disorder": group,
            "subject": subject,
            **({"include_descendants": "true"} if pooled else {}),
        }
        return "/search/claims?" + urlencode(query)

    return url
