"""Reads shared by the CLI, the API, the pages and the digest. Every read goes through the
curators' verdicts (`miner.store.claims`): a verdict overrides the extraction everywhere.
Nothing here writes.

- `filters`: `RelationFilter` and how it becomes SQL;
- `relations`: claims a page at a time (cursor) or streamed for export;
- `pairs`: the consensus per taxon–disorder pair;
- `entities`: one taxon, the disorders, one disorder, one article, name suggestions;
- `signatures`: BugSigDB-style signature rows;
- `summary`: counts, top lists, articles for export.
Imports: `miner.query.*`; its modules import SQLAlchemy, `miner.errors`, `miner.records`, `miner.reference`,
`miner.store`, `miner.study_facts`, `miner.taxon_tree`.
"""

from miner.query.entities import article_detail, disorder_detail, disorders, most_reported, suggest, taxon_detail
from miner.query.filters import RelationFilter
from miner.query.pairs import PairOptions, consensus, pairs
from miner.query.relations import RELATION_COLUMNS, Page, relation_page, relation_rows
from miner.query.signatures import SIGNATURE_COLUMNS, signature_rows
from miner.query.summary import ARTICLE_COLUMNS, article_rows, stats, top_disorders, top_taxa

__all__ = [
    "ARTICLE_COLUMNS",
    "RELATION_COLUMNS",
    "SIGNATURE_COLUMNS",
    "Page",
    "PairOptions",
    "RelationFilter",
    "article_detail",
    "article_rows",
    "consensus",
    "disorder_detail",
    "disorders",
    "most_reported",
    "pairs",
    "relation_page",
    "relation_rows",
    "signature_rows",
    "stats",
    "suggest",
    "taxon_detail",
    "top_disorders",
    "top_taxa",
]
