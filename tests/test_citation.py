"""CITATION.cff is valid Citation File Format 1.2.0 and names the current data version.

The schema is the official CFF 1.2.0 JSON schema, copied unchanged from the cffconvert
2.0.0 wheel (Apache-2.0) into tests/fixtures: cffconvert itself pins an old jsonschema
that conflicts with this stack.
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "fixtures" / "citation-file-format-1.2.0.schema.json"


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(citation()), key=str)
    assert not errors, "CITATION.cff: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_citation_names_the_data_version():
    version = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert citation()["version"] == version, "bump CITATION.cff's version with the data package's"
