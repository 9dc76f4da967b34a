"""What stops a refresh. ``str()`` of each is the one line the user sees."""
from __future__ import annotations

NOTHING_WRITTEN = "Nothing was written."


class RefreshError(Exception):
    """The refresh stopped; nothing was written."""


class SettingsError(RefreshError):
    """An environment variable is missing or unusable (found before any request)."""


class NoNetwork(RefreshError):
    pass


class ApiRefused(RefreshError):
    """OpenAlex answered with an error that retrying will not cure."""


class MalformedResponse(RefreshError):
    pass
