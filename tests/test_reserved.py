"""The hidden evaluation abstracts stay out of the repository: no file tracked by git (gzipped
ones unpacked) names a PMID of ../shared/data/gold/RESERVED_PMIDS.txt. The list is read from
../shared where it is, never copied here; without it the test skips."""

from __future__ import annotations

import gzip
import re
import subprocess

import pytest
from conftest import ROOT

_NUMBER = re.compile(rb"(?<![0-9])[0-9]{6,9}(?![0-9])")
RESERVED = ROOT.parent / "shared" / "data" / "gold" / "RESERVED_PMIDS.txt"


def tracked_files():
    listed = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    )
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


@pytest.mark.skipif(not RESERVED.is_file(), reason="../shared/data/gold/RESERVED_PMIDS.txt is not here")
def test_no_reserved_pmid_appears_in_the_repository():
    reserved = set(RESERVED.read_text().split())
    assert len(reserved) > 100
    found = {}
    for path in tracked_files():
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        hits = reserved.intersection(number.decode() for number in _NUMBER.findall(data))
        if hits:
            found[str(path.relative_to(ROOT))] = sorted(hits)[:5]
    assert found == {}
