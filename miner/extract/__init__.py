"""Extraction: a spaCy pipeline built from `pipelines/*.cfg` that turns articles into plain
`Relation` records. Public surface: `Extractor`, `load_pipeline`, `pipeline_version`.
Imports: config, errors, records, resources (and spaCy/scispaCy)."""
from miner.extract.extractor import Extractor, article_text
from miner.extract.pipeline import load_pipeline, pipeline_version

__all__ = ["Extractor", "article_text", "load_pipeline", "pipeline_version"]
