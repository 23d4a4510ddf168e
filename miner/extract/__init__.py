"""Extraction: a spaCy pipeline built from `miner/pipelines/*.cfg` that turns articles into plain
`Relation` records. Public surface: `Extractor`, `Failed` (an article the pipeline could not read),
`load_pipeline`, `pipeline_version`.
Imports: `miner.extract.{extractor,pipeline}`."""

from miner.extract.extractor import Extractor, Failed, article_text
from miner.extract.pipeline import load_pipeline, pipeline_version

__all__ = ["Extractor", "Failed", "article_text", "load_pipeline", "pipeline_version"]
