"""Compatibility name for `api.tenders`, until it imports the table from `api.db.credentials`.

New code does not import this module: the use cases are `ledger.service.credentials`, their JSON
`api.views.credentials`, the tables `api.db.credentials`.
"""

from __future__ import annotations

from api.db.credentials import CredentialRecord

__all__ = ["CredentialRecord"]
