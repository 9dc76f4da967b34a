"""GETs against the OpenAlex API, handling its errors as its documentation describes.

Documented (developers.openalex.org, "Error Handling" and "Authentication & Pricing", 2026):
400 bad parameters, 403 "rate limit exceeded; slow down", 429 "daily limit exceeded", 500
"temporary issue; retry with backoff"; error bodies are JSON ``{"error", "message"}``.

- 403 and 5xx: wait (exponential backoff, or Retry-After when it is given) and retry, up to
  MAX_ATTEMPTS times.
- 429: with a Retry-After of at most MAX_DELAY seconds, wait that long and retry; with a longer
  one, or none, the daily allowance is used up: stop at once and say so.
- Anything else (400, 401, 404, ...) is not retried: the message says what OpenAlex said.

Requests are spaced by REQUEST_INTERVAL seconds. Only the standard library is used (urllib);
the opener and the sleep function are injectable for tests.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from evidence.openalex import FILTER_VERSION, query_url
from tools.refresh.errors import NOTHING_WRITTEN, ApiRefused, MalformedResponse, NoNetwork, RefreshError
from tools.refresh.settings import KEY_ENV, KEY_URL, Settings

REQUEST_INTERVAL = 0.2  # seconds between requests (the documented ceiling is 100 per second)
MAX_ATTEMPTS = 5        # per request, for 403, 429 with a short Retry-After, 5xx and timeouts
BASE_DELAY = 2.0        # first backoff, doubled at each attempt
MAX_DELAY = 120.0       # a longer wait means the daily allowance is gone: stop
TIMEOUT = 30            # seconds per request

Opener = Callable[..., object]  # like urllib.request.urlopen(request, timeout=...)


def retry_after(headers) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), if any."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def error_message(err: urllib.error.HTTPError) -> str:
    """OpenAlex's own words ("error: message"), or '' when the body says nothing readable."""
    try:
        body = json.loads(err.read().decode("utf-8"))
    except Exception:  # the detail is optional; the status code is reported anyway
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [str(body[k]).strip() for k in ("error", "message") if isinstance(body.get(k), str) and body[k].strip()]
    return ": ".join(dict.fromkeys(parts))[:300].replace("\n", " ")


def json_object(body: bytes, url: str) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedResponse(f"malformed response: OpenAlex sent something that is not JSON for {url} "
                                f"({err}). {NOTHING_WRITTEN}") from None
    if not isinstance(data, dict):
        raise MalformedResponse(f"malformed response: expected a JSON object for {url}. {NOTHING_WRITTEN}")
    return data


@dataclass
class Client:
    """Spaced, retrying GETs against the OpenAlex API."""

    settings: Settings
    opener: Opener = urllib.request.urlopen
    sleep: Callable[[float], None] = time.sleep
    interval: float = REQUEST_INTERVAL
    max_attempts: int = MAX_ATTEMPTS
    calls: int = 0
    successes: int = 0

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def request(self, path: str, params: dict[str, str]) -> urllib.request.Request:
        sent = dict(params, api_key=self.settings.api_key)
        agent = f"chinas-quantum-push-recomputed/{FILTER_VERSION}"
        if self.settings.mailto:
            sent["mailto"] = self.settings.mailto
            agent += f" (mailto:{self.settings.mailto})"
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(sent)}"
        return urllib.request.Request(url, headers={"User-Agent": agent, "Accept": "application/json"})

    def get(self, path: str, params: dict[str, str]) -> tuple[bytes, dict]:
        """(body, parsed JSON object) of one GET, after any retries; RefreshError when it fails."""
        recorded = query_url(path, params, self.base_url)
        request = self.request(path, params)
        for attempt in range(1, self.max_attempts + 1):
            if self.calls:
                self.sleep(self.interval)
            self.calls += 1
            try:
                with self.opener(request, timeout=TIMEOUT) as response:
                    body = response.read()
            except urllib.error.HTTPError as err:
                self.sleep(self._wait_after(err, attempt, recorded))
                continue
            except (TimeoutError, http.client.RemoteDisconnected) as err:
                self.sleep(self._wait_after_timeout(err, attempt, recorded))
                continue
            except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
                host = urllib.parse.urlsplit(self.base_url).netloc
                reason = getattr(err, "reason", err)
                raise NoNetwork(f"no network: could not reach {host} ({reason}); make refresh needs internet "
                                f"access. {NOTHING_WRITTEN}") from None
            except ValueError as err:  # a URL or header urllib will not send; the settings should prevent it
                raise RefreshError(f"could not send the request for {recorded} ({err}): check OPENALEX_API and "
                                   f"OPENALEX_MAILTO. {NOTHING_WRITTEN}") from None
            self.successes += 1
            return body, json_object(body, recorded)
        raise AssertionError("unreachable")  # pragma: no cover: _wait_after raises on the last attempt

    def _wait_after(self, err: urllib.error.HTTPError, attempt: int, recorded: str) -> float:
        """Seconds to wait before retrying after an HTTP error, or RefreshError when not to retry."""
        said = error_message(err)
        detail = f": {said}" if said else ""
        code = err.code
        asked = retry_after(err.headers)
        if code == 429 and (asked is None or asked > MAX_DELAY):
            when = ("tomorrow, when the allowance is renewed" if asked is None
                    else f"in {asked / 3600:.1f} h, as it asks")
            raise ApiRefused(f"OpenAlex's daily limit for this key is exceeded (HTTP 429{detail}): run make refresh "
                             f"again {when}. {NOTHING_WRITTEN}")
        if code not in (403, 429) and not 500 <= code <= 599:
            raise ApiRefused(self._refusal(code, detail, recorded))
        if attempt == self.max_attempts:
            hint = {403: "OpenAlex asks to slow down (rate limit exceeded): wait a few minutes",
                    429: "OpenAlex keeps asking to wait: try again later"}.get(
                        code, "OpenAlex seems to be having trouble: try again later")
            last = f" (last answer{detail})" if detail else ""
            raise ApiRefused(f"OpenAlex answered HTTP {code} {attempt} times for {recorded}{last}; {hint}. "
                             f"{NOTHING_WRITTEN}")
        backoff = BASE_DELAY * 2 ** (attempt - 1)
        if asked is not None and asked > MAX_DELAY:
            raise ApiRefused(f"OpenAlex asks to wait {asked:.0f} s before retrying (HTTP {code}{detail}): run "
                             f"make refresh again later. {NOTHING_WRITTEN}")
        return backoff if asked is None else asked

    def _wait_after_timeout(self, err: Exception, attempt: int, recorded: str) -> float:
        host = urllib.parse.urlsplit(self.base_url).netloc
        if not self.successes and isinstance(err, TimeoutError):
            raise NoNetwork(f"no network: {host} did not answer within {TIMEOUT} s; make refresh needs internet "
                            f"access. {NOTHING_WRITTEN}")
        if attempt == self.max_attempts:
            raise RefreshError(f"{host} did not answer {attempt} times for {recorded}; try again later. "
                               f"{NOTHING_WRITTEN}")
        return BASE_DELAY * 2 ** (attempt - 1)

    @staticmethod
    def _refusal(code: int, detail: str, recorded: str) -> str:
        if code == 401:
            return (f"OpenAlex did not accept the API key (HTTP {code}{detail}): check {KEY_ENV} (a free key: "
                    f"{KEY_URL}). {NOTHING_WRITTEN}")
        if code == 404:
            return (f"OpenAlex has nothing at {recorded} (HTTP 404{detail}): the query in evidence/openalex.py "
                    f"(FILTER_VERSION {FILTER_VERSION}) needs review. {NOTHING_WRITTEN}")
        return (f"OpenAlex refused the query with HTTP {code}{detail} ({recorded}): the query no longer fits the "
                f"API; review it (FILTER_VERSION {FILTER_VERSION} in evidence/openalex.py, paging in "
                f"tools/refresh/fetch.py). {NOTHING_WRITTEN}")
