"""The shape of data/datapackage.json, checked before any data file is opened.

Every structural mistake (a missing key, a wrong type, an unknown field type, a constraint
its type does not take, two resources or fields of one name, an unsafe path) is one line
naming the resource and field; frictionless and the loader only ever see a sound descriptor.

Plausible values are part of the schema: every number declares a minimum, and a maximum
wherever a value can be absurd (every real-valued number, every year); every partial date (a
string field with the partial-date pattern) its earliest and latest value, the earliest not
before 1900. A date field's bounds, where declared, are checked by frictionless. Counts
(integers that are not years) may leave the maximum open: frictionless refuses inf and
exponents in an integer field.
"""
from __future__ import annotations

import datetime
import math
import re

from evidence.problems import Problem
from evidence.safe_paths import unsafe_reason

DESCRIPTOR = "data/datapackage.json"
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
# A date known to the year, month or day (YYYY, YYYY-MM, YYYY-MM-DD). Fields of type string
# with exactly this pattern are checked against the calendar and their earliest/latest bounds.
PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
EARLIEST_DATE = "1900"
RESOURCE_NAME = re.compile(r"^[a-z0-9_]+$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

COMMON = {"required", "unique", "enum"}
BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
# The types the loader can read, and the constraints each takes ("earliest"/"latest" are this
# package's own, for partial dates; they are checked here and never passed to frictionless).
CONSTRAINTS = {
    "string": COMMON | {"pattern", "minLength", "maxLength", "earliest", "latest"},
    "number": COMMON | BOUNDS,
    "integer": COMMON | BOUNDS,
    "date": COMMON | BOUNDS,
    "boolean": COMMON,
}
OWN_CONSTRAINTS = ("earliest", "latest")


def is_partial_date(field: dict) -> bool:
    return field.get("type") == "string" and field.get("constraints", {}).get("pattern") == PARTIAL_DATE


def partial_date_start(value: str) -> datetime.date | None:
    """The first day a YYYY, YYYY-MM or YYYY-MM-DD value can mean, or None if it is no calendar date."""
    if not re.match(PARTIAL_DATE, value):
        return None
    parts = [int(x) for x in value.split("-")] + [1] * (2 - value.count("-"))
    try:
        return datetime.date(*parts)
    except ValueError:
        return None


def descriptor_problems(descriptor) -> list[Problem]:
    if not isinstance(descriptor, dict):
        return [_p("the file holds no JSON object", "Start it with { and list the resources under \"resources\"")]
    problems = []
    if not SEMVER.match(str(descriptor.get("version", ""))):
        problems.append(_p(f"package version {descriptor.get('version')!r} is not semver X.Y.Z",
                           "Set \"version\" like 1.2.0 (minor for new data, patch for corrections)"))
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        return problems + [_p("\"resources\" is not a non-empty list", "List each CSV under \"resources\": [...]")]
    names = []
    for n, res in enumerate(resources, start=1):
        if not isinstance(res, dict):
            problems.append(_p(f"resource {n} is not an object", "Write each resource as {\"name\": ..., ...}"))
            continue
        problems += _resource_problems(res, n)
        names.append(res.get("name"))
    for name in sorted({n for n in names if isinstance(n, str) and names.count(n) > 1}):
        problems.append(_p(f"{names.count(name)} resources are named {name!r}", "Give each resource its own name"))
    if not problems:
        problems += _key_problems(resources)
    return problems


def _p(what: str, fix: str) -> Problem:
    return Problem(DESCRIPTOR, what, fix + ".")


def _resource_problems(res: dict, n: int) -> list[Problem]:
    name = res.get("name")
    if not isinstance(name, str) or not RESOURCE_NAME.match(name):
        return [_p(f"resource {n} has no valid \"name\" (got {name!r})",
                   "Name it in lowercase letters, digits and underscores, e.g. \"funding\"")]
    where = f"resource {name!r}"
    for key in ("path", "schema"):
        if key not in res:
            return [_p(f"{where} has no \"{key}\"", f"Add \"{key}\" to the resource")]
    reason = unsafe_reason(res["path"])
    if reason:
        return [_p(f"{where}: path {res['path']!r} is refused: {reason}",
                   "Give the path of a CSV inside data/, relative to it, e.g. \"funding.csv\"")]
    for key in ("title", "description"):
        if key in res and not isinstance(res[key], str):
            return [_p(f"{where}: \"{key}\" is not a string", f"Write the {key} as text in double quotes")]
    schema = res["schema"]
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list) or not schema["fields"]:
        return [_p(f"{where}: \"schema\" has no list of \"fields\"", "Give the schema a \"fields\": [...] list")]
    problems, names = [], []
    for k, field in enumerate(schema["fields"], start=1):
        problems += _field_problems(where, field, k)
        names.append(field.get("name") if isinstance(field, dict) else None)
    for dup in sorted({f for f in names if isinstance(f, str) and names.count(f) > 1}):
        problems.append(_p(f"{where}: {names.count(dup)} fields are named {dup!r}", "Give each field its own name"))
    return problems


def _field_problems(where: str, field, k: int) -> list[Problem]:
    if not isinstance(field, dict):
        return [_p(f"{where}: field {k} is not an object", "Write each field as {\"name\": ..., \"type\": ...}")]
    name, kind = field.get("name"), field.get("type")
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        return [_p(f"{where}: field {k} has no valid \"name\" (got {name!r})",
                   "Name it in lowercase letters, digits and underscores")]
    where = f"{where}, field {name!r}"
    if kind not in CONSTRAINTS:
        return [_p(f"{where}: unknown type {kind!r}", f"Use one of {', '.join(CONSTRAINTS)}")]
    for key in ("description", "unit"):
        if key in field and not isinstance(field[key], str):
            return [_p(f"{where}: \"{key}\" is not a string", f"Write the {key} as text in double quotes")]
    constraints = field.get("constraints", {})
    if not isinstance(constraints, dict):
        return [_p(f"{where}: \"constraints\" is not an object", "Write them as {\"required\": true, ...}")]
    problems = [_p(f"{where} ({kind}): constraint {c!r} does not apply to this type",
                   f"Remove it; a {kind} field takes {', '.join(sorted(CONSTRAINTS[kind]))}")
                for c in constraints if c not in CONSTRAINTS[kind]]
    if "pattern" in constraints:
        try:
            re.compile(str(constraints["pattern"]))
        except re.error as err:
            problems.append(_p(f"{where}: pattern {constraints['pattern']!r} is not a regular expression ({err})",
                               "Fix the pattern"))
    if "enum" in constraints and not isinstance(constraints["enum"], list):
        problems.append(_p(f"{where}: \"enum\" is not a list", "List the allowed values: [\"a\", \"b\"]"))
    if field.get("bibtex") not in (None, "key", "keys"):
        problems.append(_p(f"{where}: \"bibtex\" is {field['bibtex']!r}", "Use \"key\" (one key) or \"keys\" (a;b)"))
    if problems:
        return problems
    if kind in ("number", "integer"):
        return _number_bounds(where, field, constraints)
    if is_partial_date(field):
        return _date_bounds(where, kind, constraints)
    if "earliest" in constraints or "latest" in constraints:
        return [_p(f"{where}: \"earliest\"/\"latest\" apply only to partial dates",
                   f"Give the field the pattern {PARTIAL_DATE} or remove the bounds")]
    return []


def needs_maximum(field: dict) -> bool:
    """Where a value can be absurd above: any real number (inf, 1e308) and any year."""
    return field.get("type") == "number" or field.get("unit") == "year"


def _number_bounds(where: str, field: dict, constraints: dict) -> list[Problem]:
    kind = field["type"]
    problems = []
    hints = {"minimum": " (\"exclusiveMinimum\": 0 where a value must be greater than zero)", "maximum": ""}
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if bound == "maximum" and not needs_maximum(field):
            continue
        if bound not in constraints and exclusive not in constraints:
            problems.append(_p(f"{where} ({kind}) declares no {bound}",
                               f"Add \"{bound}\" to its constraints: the bound beyond which a value would be "
                               f"absurd{hints[bound]}"))
    for name in BOUNDS & set(constraints):
        value = constraints[name]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or (kind == "integer" and not isinstance(value, int)):
            problems.append(_p(f"{where}: {name} {value!r} is not a finite {kind}", f"Write the {name} as a number"))
    return problems


def _date_bounds(where: str, kind: str, constraints: dict) -> list[Problem]:
    low, high = "earliest", "latest"
    problems = []
    for name in (low, high):
        value = constraints.get(name)
        if value is None:
            problems.append(_p(f"{where} (a date) declares no {name!r}",
                               f"Add \"{name}\" to its constraints (not before {EARLIEST_DATE}; the latest "
                               f"normally the edition's date)"))
        elif partial_date_start(str(value)) is None:
            problems.append(_p(f"{where}: {name} {value!r} is not a date", "Write it as YYYY, YYYY-MM or YYYY-MM-DD"))
    if not problems and str(constraints[low]) < EARLIEST_DATE:
        problems.append(_p(f"{where}: {low} {constraints[low]!r} is before {EARLIEST_DATE}",
                           f"No date in this package is before {EARLIEST_DATE}: raise the bound"))
    return problems


def _key_problems(resources: list[dict]) -> list[Problem]:
    """primaryKey and foreignKeys name fields that exist, in resources that exist."""
    fields = {r["name"]: {f["name"] for f in r["schema"]["fields"]} for r in resources}
    problems = []
    for res in resources:
        where, schema = f"resource {res['name']!r}", res["schema"]
        key = schema.get("primaryKey", [])
        key = [key] if isinstance(key, str) else key
        if not isinstance(key, list) or any(k not in fields[res["name"]] for k in key):
            problems.append(_p(f"{where}: primaryKey {key!r} names no field of the resource",
                               "List field names of this resource"))
        fks = schema.get("foreignKeys", [])
        if not isinstance(fks, list):
            problems.append(_p(f"{where}: \"foreignKeys\" is not a list", "Write them as a list"))
            continue
        for fk in fks:
            problems += _foreign_key_problems(where, res["name"], fk, fields)
    return problems


def _foreign_key_problems(where: str, name: str, fk, fields: dict[str, set[str]]) -> list[Problem]:
    ref = fk.get("reference") if isinstance(fk, dict) else None
    if not isinstance(ref, dict):
        return [_p(f"{where}: a foreign key has no \"reference\"", "Give it {\"fields\": ..., \"reference\": ...}")]
    target = ref.get("resource") or name
    own = fk.get("fields")
    theirs = ref.get("fields")
    own, theirs = ([own] if isinstance(own, str) else own), ([theirs] if isinstance(theirs, str) else theirs)
    if target not in fields:
        return [_p(f"{where}: a foreign key refers to resource {target!r}, which does not exist",
                   "Name an existing resource")]
    if not isinstance(own, list) or not isinstance(theirs, list) or len(own) != len(theirs) \
            or any(f not in fields[name] for f in own) or any(f not in fields[target] for f in theirs):
        return [_p(f"{where}: foreign key {own!r} -> {target}.{theirs!r} names fields that do not exist",
                   "Name existing fields, as many on each side")]
    return []
