"""The refresh's settings, from the environment, checked before anything else happens.

- ``OPENALEX_API_KEY`` (required): OpenAlex requires an API key since 13 February 2026; keys
  are free at https://openalex.org/settings/api. Sent as ``api_key=``, never written to disk.
- ``OPENALEX_API`` (optional): the API's address, default https://api.openalex.org (a mirror
  or a local test server can stand in).
- ``OPENALEX_MAILTO`` (optional): an email address, sent as ``mailto=`` and in the User-Agent
  so that OpenAlex can reach the caller; no longer part of OpenAlex's documented contract.

``python -m tools.refresh check`` runs only these checks (``make refresh`` runs it first, with
the system Python, so a missing key stops it before the virtual environment is even set up).
This module uses the standard library only.
"""
from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from evidence.openalex import API
from tools.refresh.errors import NOTHING_WRITTEN, SettingsError

API_ENV, KEY_ENV, MAILTO_ENV = "OPENALEX_API", "OPENALEX_API_KEY", "OPENALEX_MAILTO"
KEY_URL = "https://openalex.org/settings/api"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Settings:
    base_url: str
    api_key: str
    mailto: str | None = None

    def __repr__(self) -> str:  # the key never appears in a log or a traceback
        return f"Settings(base_url={self.base_url!r}, api_key='***', mailto={self.mailto!r})"


def api_key(value: str | None) -> str:
    if value is None or not value.strip():
        raise SettingsError(f"{KEY_ENV} is not set: OpenAlex requires an API key; get a free one at {KEY_URL} "
                            f"and run {KEY_ENV}=your-key make refresh. {NOTHING_WRITTEN}")
    key = value.strip()
    if _CONTROL.search(key) or " " in key:
        raise SettingsError(f"{KEY_ENV} contains a space or a line break: set it to the key alone, as shown at "
                            f"{KEY_URL}. {NOTHING_WRITTEN}")
    return key


def mailto(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    address = value.strip()
    if _CONTROL.search(address):
        raise SettingsError(f"{MAILTO_ENV} contains a line break or another control character: set it to one "
                            f"email address on one line, or unset it (it is optional). {NOTHING_WRITTEN}")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
        raise SettingsError(f"{MAILTO_ENV}={address!r} is not an email address: set it to yours, or unset it "
                            f"(it is optional). {NOTHING_WRITTEN}")
    return address


def base_url(value: str | None) -> str:
    if value is None or not value.strip():
        return API
    url = value.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if _CONTROL.search(url) or parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise SettingsError(f"{API_ENV}={value.strip()!r} is not an http(s) address like {API}: fix it, or unset "
                            f"it to use {API}. {NOTHING_WRITTEN}")
    return url


def from_environment(environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings, or SettingsError naming the first variable to fix."""
    key = api_key(environ.get(KEY_ENV))  # the key first: the one variable that must be set
    return Settings(base_url=base_url(environ.get(API_ENV)), api_key=key, mailto=mailto(environ.get(MAILTO_ENV)))
