"""The formats the API enforces on ids, addresses, codes, encodings and numbers, each defined once.

The routes annotate their path, query and body fields with these types, so the rule FastAPI
checks on a request and the `pattern`/`minimum`/`maximum` the OpenAPI schema advertises are the
same object. What a pattern cannot say (a USCC's check digit, whether an id exists, whether a
transaction decodes) is checked behind it by the ledger, with its own specific message.

`FORMATS` names each pattern in words, for the 422 a request that breaks one gets.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints

from ledger.model.guarantee import ClaimCause
from ledger.uscc import ALPHABET

# ---------------------------------------------------------------------- patterns

HEX32_PATTERN = r"^0x[0-9a-fA-F]{64}$"
ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
HEX_BYTES_PATTERN = r"^0x(?:[0-9a-fA-F]{2})+$"
SIGNATURE_PATTERN = r"^0x[0-9a-fA-F]{130}$"
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_USCC_SYMBOL = "[" + re.escape(ALPHABET) + "]"  # the 31 symbols GB 32100 uses
# GB 32100-2015: registration authority and type, 6-digit region (GB/T 2260), 9-character
# organisation code and the check character (which the ledger's `validate_uscc` checks).
USCC_PATTERN = rf"^{_USCC_SYMBOL}{{2}}[0-9]{{6}}{_USCC_SYMBOL}{{10}}$"

FORMATS: dict[str, str] = {
    HEX32_PATTERN: "32 bytes as 0x-hex (0x and 64 hex digits)",
    ADDRESS_PATTERN: "an address (0x and 40 hex digits)",
    HEX_BYTES_PATTERN: "0x-hex bytes (0x and an even number of hex digits)",
    SIGNATURE_PATTERN: "a 65-byte signature as 0x-hex (0x and 130 hex digits)",
    BASE64_PATTERN: "base64 (standard alphabet, padded)",
    USCC_PATTERN: "a USCC (统一社会信用代码: 18 characters, digits and capitals except I, O, S, V, Z)",
}

# ---------------------------------------------------------------------- bounds

UINT8_MAX = 2**8 - 1
UINT16_MAX = 2**16 - 1
UINT64_MAX = 2**64 - 1
UINT256_MAX = 2**256 - 1
UNIX_MAX = 253_402_300_799
"""9999-12-31T23:59:59Z: the last instant an ISO 8601 date (and Python's datetime) can show."""
MAX_EVENTS = 10_000
"""The most journal entries one GET /events returns."""

# ---------------------------------------------------------------------- strings

Hex32 = Annotated[str, StringConstraints(pattern=HEX32_PATTERN), Field(description="32 bytes as 0x-hex")]
TenderId = Annotated[str, StringConstraints(pattern=HEX32_PATTERN),
                     Field(description="a tender id (the keccak of its project code), 0x-hex")]
CredentialId = Annotated[str, StringConstraints(pattern=HEX32_PATTERN),
                         Field(description="a credential id (its Merkle leaf), 0x-hex")]
GuaranteeId = Annotated[str, StringConstraints(pattern=HEX32_PATTERN),
                        Field(description="a guarantee id (the keccak of its application), 0x-hex")]
Address = Annotated[str, StringConstraints(pattern=ADDRESS_PATTERN),
                    Field(description="an account address, 0x-hex (any letter case)")]
SignedTransaction = Annotated[str, StringConstraints(pattern=HEX_BYTES_PATTERN),
                              Field(description="0x-hex EIP-1559 transaction signed by the caller's own key")]
Signature = Annotated[str, StringConstraints(pattern=SIGNATURE_PATTERN),
                      Field(description="a 65-byte secp256k1 signature (r, s, v), 0x-hex")]
Base64 = Annotated[str, StringConstraints(pattern=BASE64_PATTERN), Field(description="bytes as base64")]
Uscc = Annotated[str, StringConstraints(pattern=USCC_PATTERN),
                 Field(description="统一社会信用代码 (GB 32100-2015); its check character is checked too")]


ClaimCauseName = Annotated[str, Field(
    description="the cause the chain records for the claim (the ledger checks it is one)",
    json_schema_extra={"enum": [c.name for c in ClaimCause]})]


# ---------------------------------------------------------------------- numbers

Section = Annotated[int, Field(ge=0, le=UINT16_MAX, description="a section's index in its tender (uint16)")]
Uint8 = Annotated[int, Field(ge=0, le=UINT8_MAX)]
Uint64 = Annotated[int, Field(ge=0, le=UINT64_MAX)]
Uint256 = Annotated[int, Field(ge=0, le=UINT256_MAX)]
UnixTime = Annotated[int, Field(ge=0, le=UNIX_MAX, description="unix seconds (UTC)")]
RateBps = Annotated[int, Field(ge=0, le=10_000, description="a rate in basis points, 0 to 10,000")]
EventLimit = Annotated[int, Field(ge=0, le=MAX_EVENTS, description=f"at most this many entries (≤ {MAX_EVENTS:,})")]
