"""Validating OCDS 1.1 packages in the tests, with nothing downloaded.

`ocds_errors` always checks what OCDS 1.1 requires of a release or record package (draft 4, the
required fields, codes and value shapes below). `libcove_errors` runs `libcoveocds` (the
standard's own data review library, in the `test` extra) on a package; libcoveocds reads the
standard's schema from the standard's release ZIP and the bids and lots extensions from their
published files, which it would fetch over HTTP. Here every HTTP request it makes is answered
from local files or refused:

- `TL_OCDS_STANDARD_ZIP`: the standard's repository ZIP at tag 1__1__5 (given to libcoveocds as
  its `standard_zip`, a file:// URL);
- `TL_OCDS_EXTENSIONS_DIR`: a directory with `ocds_bid_extension/` and `ocds_lots_extension/`,
  each the extension's v1.1.5 files (extension.json, release-schema.json, codelists/…).

Without both, `libcove_errors` is None (the caller skips), never a download.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests

OCDS_REQUIRED: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object", "required": ["version"],
    "properties": {
        "version": {"type": "string", "pattern": "^(\\d+\\.)(\\d+)$"},
        "extensions": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "publishedDate": {"type": "string", "format": "date-time"},
        "releases": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/Release"}},
        "records": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["ocid", "releases"],
            "properties": {"ocid": {"type": "string"}, "compiledRelease": {"$ref": "#/definitions/Release"},
                           "releases": {"type": "array", "items": {"$ref": "#/definitions/Release"}}}}},
    },
    "oneOf": [{"required": ["releases"]}, {"required": ["records"]}],
    "definitions": {
        "Value": {"type": "object", "properties": {"amount": {"type": "number"}, "currency": {"enum": ["CNY"]}}},
        "Identifier": {"type": "object", "required": ["scheme", "id"],
                       "properties": {"scheme": {"type": "string"}, "id": {"type": "string"}}},
        "Release": {
            "type": "object", "required": ["ocid", "id", "date", "tag", "initiationType"],
            "properties": {
                "ocid": {"type": "string"}, "id": {"type": "string"}, "date": {"type": "string", "format": "date-time"},
                "tag": {"type": "array", "items": {"enum": [
                    "planning", "planningUpdate", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation",
                    "award", "awardUpdate", "awardCancellation", "contract", "contractUpdate", "contractAmendment",
                    "implementation", "implementationUpdate", "contractTermination", "compiled"]}},
                "initiationType": {"enum": ["tender"]},
                "parties": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
                    "identifier": {"$ref": "#/definitions/Identifier"}}}},
                "tender": {"type": "object", "required": ["id"], "properties": {
                    "value": {"$ref": "#/definitions/Value"}, "numberOfTenderers": {"type": "integer"},
                    "status": {"enum": ["planning", "planned", "active", "cancelled", "unsuccessful", "complete",
                                        "withdrawn"]},
                    "documents": {"type": "array", "items": {"type": "object", "required": ["id"]}}}},
                "bids": {"type": "object", "properties": {
                    "statistics": {"type": "array", "items": {"type": "object", "required": ["id", "measure", "value"]}},
                    "details": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
                        "status": {"enum": ["invited", "pending", "valid", "disqualified", "withdrawn"]},
                        "value": {"$ref": "#/definitions/Value"}}}}}},
                "awards": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
                    "value": {"$ref": "#/definitions/Value"},
                    "status": {"enum": ["pending", "active", "cancelled", "unsuccessful"]}}}},
                "contracts": {"type": "array", "items": {"type": "object", "required": ["id", "awardID"], "properties": {
                    "status": {"enum": ["pending", "active", "cancelled", "terminated"]}}}},
            },
        },
    },
}

EXTENSION_PREFIX = "https://raw.githubusercontent.com/open-contracting-extensions/"


def ocds_errors(package: dict[str, Any], *, record: bool = False) -> list[str]:
    """What OCDS 1.1 requires of the package, as error lines (none when it holds); and libcoveocds'
    validation errors too when a local copy of the standard is configured."""
    import jsonschema_rs

    errors = [f"{e.instance_path}: {e.message}"
              for e in jsonschema_rs.Draft4Validator(OCDS_REQUIRED).iter_errors(package)]
    if ("records" in package) is not record:
        errors.append(f"expected a {'record' if record else 'release'} package")
    cove = libcove_errors(package)
    return errors + (cove or [])


class _LocalFiles(requests.adapters.BaseAdapter):
    """Answers the extensions' URLs from a local directory; refuses every other request."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root

    def send(self, request: Any, **kwargs: Any) -> requests.Response:
        url = str(request.url)
        response = requests.Response()
        response.url, response.request = url, request
        path = None
        if url.startswith(EXTENSION_PREFIX):
            repo, _version, *rest = url.removeprefix(EXTENSION_PREFIX).split("/")
            path = self.root / repo / "/".join(rest)
        if path is None or not path.is_file():
            raise requests.ConnectionError(f"no network in the tests: {url} is not in {self.root}")
        response.status_code, response._content = 200, path.read_bytes()
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


def libcove_configured() -> bool:
    return bool(os.environ.get("TL_OCDS_STANDARD_ZIP") and os.environ.get("TL_OCDS_EXTENSIONS_DIR"))


def libcove_errors(package: dict[str, Any]) -> list[str] | None:
    """libcoveocds' schema validation errors of the package, with every file read locally; None
    when no local copy of the standard is configured."""
    if not libcove_configured():
        return None
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig
    from ocdsextensionregistry import util

    adapter = _LocalFiles(Path(os.environ["TL_OCDS_EXTENSIONS_DIR"]))
    saved = dict(util.session.adapters)
    util.session.mount("https://", adapter)
    util.session.mount("http://", adapter)
    try:
        config = LibCoveOCDSConfig({"standard_zip": Path(os.environ["TL_OCDS_STANDARD_ZIP"]).resolve().as_uri(),
                                    "context": "api"})
        result = ocds_json_output("", json_data=package, lib_cove_ocds_config=config)
    finally:
        util.session.adapters.clear()
        util.session.adapters.update(saved)
    return [f"{e}" for e in result.get("validation_errors", [])]
