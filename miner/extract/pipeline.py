"""Assemble the spaCy pipeline from `pipelines/*.cfg` and fingerprint it.

The config names scispaCy's tokenizer and AbbreviationDetector, miner's sentence splitter
(scispaCy's pysbd splitter can stand in for it) and miner's own components; their data files are read in `nlp.initialize()`. `pipeline_version` hashes the
config, every data file it names and the extraction code, so stored relations say exactly which
pipeline made them. Nothing here downloads anything.
Imports: spaCy, scispaCy, stdlib, `miner` (version), `miner.errors`, `miner.resources`,
`miner.extract` components (imported for their factory registration).
"""
from __future__ import annotations

import hashlib
import re
import warnings
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.util import registry

import miner
from miner.errors import PipelineError
from miner.resources import resolve

# imported for their @Language.factory registrations
import scispacy.abbreviation  # noqa: F401  abbreviation_detector
import scispacy.custom_sentence_segmenter  # noqa: F401  pysbd_sentencizer (an alternative in the config)
from scispacy.custom_tokenizer import combined_rule_tokenizer
from miner.extract import decision, disorders, relations, sentences, taxa  # noqa: F401

# scispaCy's AbbreviationDetector keeps an empty matcher for optional global patterns, and its
# tokenizer compiles a regex that Python flags as a possible set union; both are harmless.
warnings.filterwarnings("ignore", message=r"\[W036\] The component 'matcher'", category=UserWarning)
warnings.filterwarnings("ignore", message="Possible set union", category=FutureWarning)


# "/" and "_" between word characters separate words: "anxiety/depression",
# "Prevotella/Prevotellaceae", "genus_Subdoligranulum", "Lachnospiraceae_NK4A136_group"
_SLASH_UNDERSCORE = r"(?<=[^\W_])[/_]+(?=[^\W_\d]|\[)"


@registry.tokenizers("miner.scispacy_tokenizer.v1")
def scispacy_tokenizer():
    """scispaCy's rule tokenizer (keeps "Escherichia-Shigella", "UCG-002", "p<0.05" whole), with
    slashes and underscores between words as separate tokens."""

    def create(nlp: Language):
        # scispaCy builds on the language's default tokenizer, which spaCy has not attached yet
        nlp.tokenizer = registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        tokenizer = combined_rule_tokenizer(nlp)
        infixes = tokenizer.infix_finditer.__self__.pattern
        tokenizer.infix_finditer = re.compile(f"{_SLASH_UNDERSCORE}|{infixes}").finditer
        return tokenizer

    return create


def load_pipeline(config_path: str | Path, exclude: tuple[str, ...] = ()) -> Language:
    """The pipeline of the config, initialized; `exclude` leaves components out (training reads
    the relation candidates without the decision it trains)."""
    path = resolve(config_path)
    if not path.is_file():
        raise PipelineError(f"pipeline config not found: {path}")
    try:
        config = spacy.util.load_config(path, overrides={"paths.pipelines": str(path.parent)}, interpolate=True)
        if exclude:
            config["nlp"]["pipeline"] = [name for name in config["nlp"]["pipeline"] if name not in exclude]
            for name in exclude:
                config["components"].pop(name, None)
                config["initialize"]["components"].pop(name, None)
        nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
        nlp.initialize()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        detail = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise PipelineError(f"cannot build pipeline from {path}: {detail}") from None
    return nlp


def pipeline_version(config_path: str | Path) -> str:
    """"<package version>+<12 hex digits>" over the config, its data files and the extractor code."""
    return _version(str(resolve(config_path)))


@lru_cache(maxsize=4)
def _version(config_path: str) -> str:
    path = Path(config_path)
    digest = hashlib.sha256()
    text = path.read_text(encoding="utf-8")
    digest.update(text.encode())
    for name in sorted(set(re.findall(r'"\$\{paths\.pipelines\}/([^"]+)"', text))):
        data = path.parent / name
        if data.is_file():
            digest.update(name.encode())
            digest.update(data.read_bytes())
    code = Path(__file__).parent
    for source in sorted(code.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return f"{miner.__version__}+{digest.hexdigest()[:12]}"
