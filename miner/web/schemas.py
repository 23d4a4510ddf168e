"""The shapes of the API's answers, declared as Pydantic models: FastAPI puts them in the OpenAPI
document (`response_model`), so /docs shows every field of every answer, and the tests validate
real answers against them (no field undeclared, none missing), so the document cannot drift
from what the endpoints send. The endpoints still answer with the JSON `miner.query` builds
(no second serialisation of 500-row pages); these models describe it.
Imports: pydantic, `miner.query` (the consensus text).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from miner.query.pairs import CONSENSUS_TEXT


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


Direction = Literal["increased", "decreased", "unchanged", "associated"]
Consensus = Literal["increased", "decreased", "unchanged", "mixed", "single paper", "no direction"]
ConflictStatus = Literal["open", "confirmed", "resolved", "dismissed"]


class Study(Shape):
    """What the claim's paper says of its own study (`miner.study_facts`); empty when it does not say."""

    design: list[str] = Field(
        description="case-control, cohort, cross-sectional, RCT, animal model, in vitro, Mendelian randomization, "
        "review, meta-analysis"
    )
    host: list[str] = Field(description="human, mouse, rat…")
    sample_size: int | None = Field(description="Participants (or animals) in all, as stated.")
    cases: int | None
    controls: int | None
    body_sites: list[str] = Field(
        description="stool, oral, nasal, skin, vaginal, intestinal mucosa, intestinal content…"
    )
    methods: list[str] = Field(description="16S rRNA, shotgun metagenomics, qPCR, culture")
    countries: list[str]


class Claim(Shape):
    """One extracted claim with its evidence sentence and the offsets of its parts in it."""

    id: int
    pmid: str
    taxon: str
    taxid: int | None
    rank: str | None
    disorder: str
    mesh: str
    disorder_group: str
    direction: Direction = Field(description="As read through the curators' verdict.")
    extracted_direction: Direction
    verdict: str | None
    subject: Literal["human", "animal"]
    confidence: float
    evidence: str
    taxon_text: str
    taxon_start: int | None
    taxon_end: int | None
    disorder_text: str
    disorder_start: int | None
    disorder_end: int | None
    trigger: str | None
    trigger_start: int | None
    trigger_end: int | None
    section: str | None
    journal: str | None
    year: int | None
    doi: str | None
    pipeline_version: str
    study: Study


class Filter(Shape):
    """The filter as understood (`miner.query.RelationFilter`)."""

    taxon: str | None
    descendants: bool
    rank: str | None
    disorder: str | None
    direction: str | None
    subject: str | None
    year_from: int | None
    year_to: int | None
    min_confidence: float | None
    pmid: str | None
    conflict_only: bool
    verdict: str | None
    design: str | None
    host: str | None
    body_site: str | None
    method: str | None
    country: str | None
    min_sample_size: int | None


class ClaimPage(Shape):
    items: list[Claim]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")
    limit: int
    sort: str
    filter: Filter


class Pair(Shape):
    """The consensus of one (taxon, disorder group, subject)."""

    taxon_id: int | None = Field(description="The stored taxon's row id; null for a rolled-up ancestor.")
    taxon: str
    taxid: int | None
    rank: str | None
    pooled_taxa: int = Field(description="How many taxa the row pools (1 unless rolled up).")
    disorder_group: str
    disorder: str
    subject: Literal["human", "animal"]
    evidence: Literal["primary", "all"]
    increased: int = Field(description="Papers reporting it increased (that vote).")
    decreased: int
    unchanged: int
    papers: int
    claims: int
    first_year: int | None
    latest_year: int | None
    reviews_increased: int = Field(
        description="Reviews and meta-analyses reporting it increased (apart with evidence=primary)."
    )
    reviews_decreased: int
    reviews_unchanged: int
    reviews_papers: int
    score: float | None = Field(description="(increased − decreased) / (increased + decreased + unchanged)")
    consensus: Consensus
    conflict: ConflictStatus | None
    conflict_id: int | None


class PairPage(Shape):
    items: list[Pair]
    limit: int
    offset: int
    sort: str
    evidence: Literal["primary", "all"]
    min_papers: int
    roll_up: str | None
    consensus: str = Field(description=CONSENSUS_TEXT)
    filter: Filter


class Cell(Shape):
    """One (taxon, disorder group) of the transdiagnostic matrix."""

    increased: int
    decreased: int
    unchanged: int
    papers: int
    score: float | None
    consensus: Consensus
    reviews_papers: int
    conflict: ConflictStatus | None


class ProfileRow(Shape):
    taxon: str
    taxid: int | None
    rank: str | None
    cells: dict[str, Cell | None] = Field(
        description="Disorder group → its cell; null where the taxon is not reported."
    )
    papers: int
    direction: Literal["increased", "decreased"] | None = Field(
        description="The direction most groups' consensus shares; null on a tie or none."
    )
    agreeing: int = Field(description="How many groups' consensus is that direction.")
    agree: list[str]
    disagree: list[str]
    reported_in: int = Field(description="In how many of the groups the taxon is reported.")


class Profile(Shape):
    disorders: list[str]
    subject: Literal["human", "animal"]
    evidence: Literal["primary", "all"]
    roll_up: str | None
    sort: str
    rows: list[ProfileRow]


class Shared(Shape):
    disorders: list[str]
    k: int
    subject: Literal["human", "animal"]
    evidence: Literal["primary", "all"]
    roll_up: str | None
    items: list[ProfileRow]


class LineageNode(Shape):
    taxid: int
    name: str
    rank: str


class WrittenAs(Shape):
    text: str
    claims: int


class TaxonBelow(Shape):
    taxon: str
    taxid: int | None
    rank: str | None
    claims: int


class TaxonDetail(Shape):
    taxid: int
    name: str
    rank: str
    lineage: list[LineageNode]
    names: list[str]
    written_as: list[WrittenAs]
    findings: list[Pair]
    findings_include_descendants: bool
    descendants_with_findings: list[TaxonBelow]


class DisorderRow(Shape):
    mesh: str
    name: str
    group: str
    claims: int


class Disorders(Shape):
    items: list[DisorderRow]


class DisorderDetail(Shape):
    mesh: str
    name: str
    group: str
    terms: list[str]
    abbreviations: list[str]
    pairs: int
    most_increased: list[Pair]
    most_decreased: list[Pair]
    most_studied: list[Pair]
    conflicts: int


class ArticleDetail(Shape):
    pmid: str
    title: str
    journal: str | None
    year: int | None
    doi: str | None
    publication_types: list[str]
    secondary: bool = Field(description="A review or meta-analysis.")
    retracted: bool
    authors: list[str]
    mesh: list[str]
    abstract: str
    pipeline_version: str | None
    study: Study
    claims: list[Claim]


class Weighted(Shape):
    pmid: str
    weight: float
    secondary: bool


class ConflictEvidence(Shape):
    increased: list[Weighted]
    decreased: list[Weighted]
    unchanged: list[Weighted]


class ConflictItem(Shape):
    id: int
    taxon: str
    taxid: int | None
    rank: str | None
    disorder: str
    mesh: list[str]
    subject: Literal["human", "animal"]
    status: ConflictStatus
    status_by: str | None
    status_reason: str | None
    increased: list[str]
    decreased: list[str]
    unchanged: list[str]
    evidence: ConflictEvidence


class Conflicts(Shape):
    items: list[ConflictItem]
    total: int
    limit: int
    offset: int


class LastRun(Shape):
    id: int
    kind: str
    status: str
    finished_at: str | None


class Stats(Shape):
    articles: int
    articles_with_relations: int
    relations: int
    relations_by_direction: dict[str, int]
    taxa: int
    disorders: int
    conflicts: int
    conflicts_by_status: dict[str, int]
    last_run: LastRun | None


class SuggestedTaxon(Shape):
    name: str
    taxid: int | None
    rank: str | None
    matched: str = Field(description="The name that matched: the taxon's own, a synonym or a former name.")


class SuggestedDisorder(Shape):
    name: str
    mesh: str
    group: str
    matched: str


class Suggestions(Shape):
    taxa: list[SuggestedTaxon]
    disorders: list[SuggestedDisorder]
