"""Errors the command line gives for what happened on this machine, before anything was sent."""

from __future__ import annotations

from ledger.errors import ValidationFailed


class UsageError(ValidationFailed):
    """Bad input on this machine (a malformed file or argument): nothing was sent; exit code 2."""
