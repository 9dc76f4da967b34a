"""A SYNTHETIC stand-in for the OpenAlex API, answering from tests/fixtures/openalex.

It behaves as the 2026 documentation describes the parts the refresh uses, so the refresh
can be tested offline, either in-process (``FakeOpener``, in place of urllib's urlopen) or over
HTTP on 127.0.0.1 (``serving``), e.g. for ``make refresh`` run in a copy of the repository:

- an API key is required: a request without ``api_key`` gets 429 "daily limit exceeded" (the
  documented key-less allowance is too small for a refresh; the fake grants none), one with
  another key gets 401;
- ``per_page`` outside 1-100 gets 400 with a JSON ``{"error", "message"}`` body;
- the groups of a query are served with cursor paging: ``cursor=*`` starts, ``meta.next_cursor``
  continues, a full page carries a cursor, a short or empty page ends with ``null``; the
  recorded pages of a query are joined and re-paged at the per_page asked for;
- ``faults`` maps a request's number (1 = first) to a Fault: an HTTP status with headers and
  body (e.g. 429 with Retry-After), a body sent with 200, or an exception (in-process only).

Helper module for tests (not a test module): the tests import it, never each other.
"""
from __future__ import annotations

import base64
import email.message
import hashlib
import io
import json
import re
import shutil
import threading
import urllib.error
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "openalex"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
KEY = "synthetic-test-key"
MAX_PER_PAGE = 100
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


@dataclass
class Fault:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None          # None with an error status: a documented JSON error body
    exception: BaseException | None = None


def error_body(error: str, message: str) -> bytes:
    return json.dumps({"error": error, "message": message}).encode()


def rate_limited(retry_after: str | None = None) -> Fault:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Fault(429, headers, error_body("Rate limit exceeded", "daily limit exceeded"))


def slow_down() -> Fault:
    return Fault(403, {}, error_body("Forbidden", "rate limit exceeded; slow down"))


def _query_key(year: str, kind: str) -> str:
    return f"{year}_{kind}"


def load_queries() -> dict[str, tuple[int, list[dict]]]:
    """{'2019_all': (meta.count, every group of every recorded page)} from the fixture files."""
    queries: dict[str, tuple[int, list[dict]]] = {}
    for path in sorted(FIXTURES.glob("works_*_p*.json"), key=lambda p: int(p.stem.rsplit("_p", 1)[1])):
        year, kind = re.fullmatch(r"works_(\d{4})_(all|with_cn)_p\d+", path.stem).groups()
        page = json.loads(path.read_text(encoding="utf-8"))
        count, groups = queries.get(_query_key(year, kind), (page["meta"]["count"], []))
        queries[_query_key(year, kind)] = (count, groups + page["group_by"])
    return queries


def page_files() -> int:
    """How many recorded answers a refresh over the fixtures' years asks for (topics and pages)."""
    return len(list(FIXTURES.glob("topic_*.json"))) + len(list(FIXTURES.glob("works_*.json")))


class FakeOpenAlex:
    def __init__(self, key: str = KEY, faults: dict[int, Fault] | None = None):
        self.key = key
        self.faults = dict(faults or {})
        self.urls: list[str] = []
        self.queries = load_queries()

    def answer(self, url: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one GET of ``url`` (path and query are what count)."""
        self.urls.append(url)
        fault = self.faults.get(len(self.urls))
        if fault is not None and fault.exception is not None:
            raise fault.exception
        if fault is not None:
            body = fault.body if fault.body is not None else error_body(REASONS.get(fault.status, "Error"), "fault")
            return fault.status, fault.headers, body
        parts = urllib.parse.urlsplit(url)
        params = dict(urllib.parse.parse_qsl(parts.query))
        refused = self._refusal(params)
        if refused:
            return refused
        if parts.path.startswith("/topics/"):
            path = FIXTURES / f"topic_{parts.path.rsplit('/', 1)[-1]}.json"
            if path.exists():
                return 200, {}, path.read_bytes()
            return 404, {}, error_body("Not Found", f"topic {parts.path} not found")
        if parts.path == "/works" and params.get("group_by") == "authorships.countries":
            return self._groups(params)
        return 404, {}, error_body("Not Found", f"the synthetic API has nothing at {parts.path}")

    def _refusal(self, params: dict[str, str]) -> tuple[int, dict, bytes] | None:
        if "api_key" not in params:
            return 429, {}, error_body("Rate limit exceeded", "daily limit exceeded: an API key is required")
        if params["api_key"] != self.key:
            return 401, {}, error_body("Unauthorized", "invalid api_key")
        per_page = params.get("per_page", "25")
        if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
            return 400, {}, error_body("Invalid query parameters error.",
                                       f"per_page is {per_page!r}; it must be between 1 and {MAX_PER_PAGE}")
        return None

    def _groups(self, params: dict[str, str]) -> tuple[int, dict, bytes]:
        filters = params.get("filter", "").split(",")
        year = next((f.split(":", 1)[1] for f in filters if f.startswith("publication_year:")), None)
        kind = "with_cn" if "authorships.countries:CN" in filters else "all"
        if year is None or _query_key(year, kind) not in self.queries:
            return 400, {}, error_body("Invalid filter", f"the synthetic API has no answer for {params.get('filter')}")
        count, groups = self.queries[_query_key(year, kind)]
        per_page = int(params.get("per_page", "25"))
        cursor = params.get("cursor")
        try:
            offset = 0 if cursor in (None, "*") else int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except ValueError:
            return 400, {}, error_body("Invalid cursor", f"cursor {cursor!r} is not valid")
        chunk = groups[offset:offset + per_page]
        more = cursor is not None and len(chunk) == per_page
        next_cursor = base64.urlsafe_b64encode(str(offset + per_page).encode()).decode() if more else None
        body = {"synthetic": True,
                "meta": {"count": count, "db_response_time_ms": 7, "page": None if cursor else 1,
                         "per_page": per_page, "groups_count": len(chunk), "next_cursor": next_cursor},
                "results": [], "group_by": chunk}
        return 200, {"Content-Type": "application/json"}, json.dumps(body, indent=1).encode()

    def params(self, n: int) -> dict[str, str]:
        """The query parameters of request n (1 = first)."""
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.urls[n - 1]).query))


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FakeOpener:
    """In place of urllib.request.urlopen: answers from a FakeOpenAlex, raising HTTPError as urllib does."""

    def __init__(self, api: FakeOpenAlex | None = None, **kwargs):
        self.api = api or FakeOpenAlex(**kwargs)
        self.user_agents: list[str] = []

    @property
    def urls(self) -> list[str]:
        return self.api.urls

    def __call__(self, request, timeout=None):
        self.user_agents.append(request.get_header("User-agent", ""))
        status, headers, body = self.api.answer(request.full_url)
        if status != 200:
            message = email.message.Message()
            for name, value in headers.items():
                message[name] = value
            raise urllib.error.HTTPError(request.full_url, status, REASONS.get(status, "Error"), message,
                                         io.BytesIO(body))
        return _Response(body)


@contextmanager
def serving(api: FakeOpenAlex) -> Iterator[str]:
    """Serve ``api`` over HTTP on 127.0.0.1 (a free port) while the block runs; yield its base URL."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            status, headers, body = api.answer(self.path)
            self.send_response(status, REASONS.get(status))
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- for tests that refresh: a throwaway copy of the data, and a fingerprint of files ------------

def copy_data(tmp_path: Path) -> Path:
    """A copy of data/ (without raw snapshots) and CITATION.cff under tmp_path; returns the data folder."""
    root = Path(__file__).resolve().parents[1]
    target = tmp_path / "data"
    shutil.copytree(root / "data", target, ignore=shutil.ignore_patterns("openalex"))
    shutil.copy2(root / "CITATION.cff", tmp_path / "CITATION.cff")
    return target


def digest(*places: Path) -> dict[str, str]:
    """sha256 of every file in or at the given places: equal digests mean nothing was written."""
    files = [p for place in places for p in ([place] if place.is_file() else sorted(place.rglob("*")))]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}
