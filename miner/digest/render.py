"""Render a `Digest` three ways from Jinja2 templates: HTML with inline CSS (mail clients drop
style sheets), plain text wrapped at 78 columns, and Markdown. The HTML refers to its chart by
`image_src`: a cid: address inside an e-mail, a file name beside the HTML on disk or the web.
Imports: Jinja2/markupsafe, stdlib, `miner.digest.content`, `miner.digest.chart`.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from miner.digest.chart import chart_alt
from miner.digest.content import Digest, plural

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_ENV.filters["wrap"] = lambda text, first="", rest="": textwrap.fill(
    str(text), width=78, initial_indent=first, subsequent_indent=rest
)
_ENV.filters["plural"] = plural
_ENV.filters["md"] = lambda text: re.sub(r"([\\\\`*_\[\]<>#|])", r"\\\1", str(text))  # Markdown's special characters


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str
    markdown: str


def render(digest: Digest, image_src: str) -> Rendered:
    values = {"d": digest, "image_src": image_src, "chart_alt": chart_alt(digest.chart_weeks, digest.chart_series)}
    return Rendered(
        html=_ENV.get_template("digest.html.j2").render(values),
        text=_squeeze(_ENV.get_template("digest.txt.j2").render(values)),
        markdown=_squeeze(_ENV.get_template("digest.md.j2").render(values)),
    )


def _squeeze(text: str) -> str:
    """At most one blank line in a row."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
