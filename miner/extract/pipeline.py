"""Assemble the spaCy pipeline from `miner/pipelines/*.cfg` and fingerprint it.

The config names scispaCy's tokenizer and AbbreviationDetector, miner's sentence splitter
(scispaCy's pysbd splitter can stand in for it) and miner's own components; their data files are
read in `nlp.initialize()`. `pipeline_version` hashes the config, every data file it names and the
extraction code, so stored relations say exactly which pipeline made them. Nothing here downloads anything.
Imports: spaCy, scispaCy, stdlib, `miner` (version), `miner.errors`, `miner.resources`,
`miner.extract` components (imported for their factory registration).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

# imported for their @Language.factory registrations
import scispacy.abbreviation
import scispacy.custom_sentence_segmenter  # noqa: F401  pysbd_sentencizer (an alternative in the config)
import spacy
from scispacy.custom_tokenizer import combined_rule_tokenizer
from scispacy.version import VERSION as scispacy_version
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import registry

import miner
from miner.errors import PipelineError
from miner.extract import decision, disorders, relations, sentences, taxa  # noqa: F401
from miner.resources import pipeline_config

# scispaCy's factory does not declare what it assigns; say it, so nlp.analyze_pipes() can check
# that the disorder recognizer runs after it
Language.get_factory_meta("abbreviation_detector").assigns = ["doc._.abbreviations"]

# scispaCy's AbbreviationDetector keeps an empty matcher for optional global patterns, and its
# tokenizer compiles a regex that Python flags as a possible set union; both are harmless.
warnings.filterwarnings("ignore", message=r"\[W036\] The component 'matcher'", category=UserWarning)
warnings.filterwarnings("ignore", message="Possible set union", category=FutureWarning)


# "/" and "_" between word characters separate words: "anxiety/depression",
# "Prevotella/Prevotellaceae", "genus_Subdoligranulum", "Lachnospiraceae_NK4A136_group"
_SLASH_UNDERSCORE = r"(?<=[^\W_])[/_]+(?=[^\W_\d]|\[)"


@registry.tokenizers("miner.scispacy_tokenizer.v1")  # type: ignore[untyped-decorator]  # catalogue has no types
def scispacy_tokenizer() -> Callable[[Language], Tokenizer]:
    """scispaCy's rule tokenizer (keeps "Escherichia-Shigella", "UCG-002", "p<0.05" whole), with
    slashes and underscores between words as separate tokens."""

    def create(nlp: Language) -> Tokenizer:
        # scispaCy builds on the language's default tokenizer, which spaCy has not attached yet
        nlp.tokenizer = registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        tokenizer = combined_rule_tokenizer(nlp)
        infixes = tokenizer.infix_finditer.__self__.pattern
        tokenizer.infix_finditer = re.compile(f"{_SLASH_UNDERSCORE}|{infixes}").finditer
        return tokenizer

    return create


def load_pipeline(
    config_path: str | Path, exclude: tuple[str, ...] = (), overrides: dict[str, Any] | None = None
) -> Language:
    """The pipeline of the config, initialized; `exclude` leaves components out (training reads
    the relation candidates without the decision it trains); `overrides` sets config values
    ({"components.decision.decide": "rules"})."""
    path = pipeline_config(config_path)
    if not path.is_file():
        raise PipelineError(f"pipeline config not found: {path}")
    try:
        config = spacy.util.load_config(
            path, overrides={"paths.pipelines": str(path.parent), **(overrides or {})}, interpolate=True
        )
        if exclude:
            config["nlp"]["pipeline"] = [name for name in config["nlp"]["pipeline"] if name not in exclude]
            for name in exclude:
                config["components"].pop(name, None)
                config["initialize"]["components"].pop(name, None)
        nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
        nlp.initialize()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        detail = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise PipelineError(f"cannot build pipeline from {path}: {detail}") from exc
    return nlp


def pipeline_version(config_path: str | Path, overrides: dict[str, Any] | None = None) -> str:
    """ "<package version>+<12 hex digits>": a hash of everything that decides the output."""
    path = pipeline_config(config_path)
    return _version(str(path), json.dumps(overrides or {}, sort_keys=True), _stamp(path.parent))


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """When and how big each file of the pipeline folder is: a changed file is a new version."""
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.rglob("*")) if p.is_file())


@lru_cache(maxsize=8)
def _version(config_path: str, overrides: str, stamp: tuple[tuple[str, int, int], ...]) -> str:
    """Hash the resolved config (every component's settings with its factory's defaults filled
    in), every data file the config names, every module of `miner` the components import
    (followed through their imports), and the spaCy and scispaCy versions."""
    path = Path(config_path)
    folder = str(path.parent)
    config = spacy.util.load_config(
        path, overrides={"paths.pipelines": folder, **json.loads(overrides)}, interpolate=True
    )
    digest = hashlib.sha256()
    resolved = {name: _with_defaults(block) for name, block in config["components"].items()}
    digest.update(
        json.dumps([config["nlp"], resolved, config["initialize"]], sort_keys=True, default=str)
        .replace(folder, "${paths.pipelines}")
        .encode()
    )
    for name, file in sorted(_data_files(config["initialize"], folder).items()):
        digest.update(name.encode())
        digest.update(file.read_bytes())
    package = Path(miner.__file__).parent
    for source in code_files():
        digest.update(str(source.relative_to(package)).encode())
        digest.update(source.read_bytes())
    digest.update(f"spacy {spacy.__version__} scispacy {scispacy_version}".encode())
    return f"{miner.__version__}+{digest.hexdigest()[:12]}"


def _with_defaults(block: dict[str, Any]) -> dict[str, Any]:
    factory = block.get("factory")
    if factory is None or not Language.has_factory(factory):
        return dict(block)
    return {**(Language.get_factory_meta(factory).default_config or {}), **block}


def _data_files(section: object, folder: str) -> dict[str, Path]:
    """Every file a config section names (by absolute path), keyed by its path relative to the
    pipeline folder."""
    found: dict[str, Path] = {}
    values = section.values() if isinstance(section, dict) else [section]
    for value in values:
        if isinstance(value, dict):
            found.update(_data_files(value, folder))
        elif isinstance(value, str) and Path(value).is_file():
            found[value.replace(folder, "${paths.pipelines}")] = Path(value)
    return found


def code_files() -> list[Path]:
    """The extraction package's modules and every `miner` module they import, transitively."""
    package = Path(miner.__file__).parent
    todo = sorted((package / "extract").glob("*.py"))
    seen: set[Path] = set()
    while todo:
        source = todo.pop()
        if source in seen:
            continue
        seen.add(source)
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            todo += [
                found
                for name in names
                if name.split(".")[0] == "miner" and (found := _module_file(package, name)) is not None
            ]
    return sorted(seen)


def _module_file(package: Path, name: str) -> Path | None:
    parts = name.split(".")[1:]
    if not parts:
        return package / "__init__.py"
    relative = Path(*parts)
    for candidate in (package / relative.with_suffix(".py"), package / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None
