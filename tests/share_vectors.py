"""The fixed share vector the share, sealing and contract tests check against."""

from __future__ import annotations

from ledger.crypto.canonical import keccak

# Fixed vector: secret 0x00 01 … 1f, k = 3, n = 5, coefficients a1 = keccak("a1"), a2 =
# keccak("a2") read as big-endian integers. The dealer's polynomial is secret + a1·x + a2·x²
# over GF(2^521 − 1); each share is uint8 index || uint521 value (66 bytes, big-endian) and
# the contract stores keccak256 of those 67 bytes per officer.
VECTOR_SECRET = bytes(range(32))
VECTOR_COEFFICIENTS = (
    int.from_bytes(keccak(b"a1"), "big"),
    int.from_bytes(keccak(b"a2"), "big"),
)
VECTOR_SHARES = [
    "01" + "00" * 34 + "d9da53f28a856ae2a085c91b798eae006c65bd59c8913e168ac8552b30f6bea9",
    "02" + "00" * 33 + "02f7bfc5363090a2b5be0814799921a10580d4bf92cb221fceaf6f11922f571e91",
    "03" + "00" * 33 + "0659b155cdf626ad80608fec256ac5e71e4d5e18be1bc7bb3f860d4f50173e3dd7",
    "04" + "00" * 33 + "0affaf05b9db478b42881d501eee7b804ad201c8dbba8210690ea30e64e8ac1c7b",
    "05" + "00" * 33 + "10e9b8d4f9dff33bfc34b0406624426c8b0ebfcfeba7511f4b49304ed0a3a0ba7d",
]
VECTOR_SHARE_HASHES = [
    "0xba93e6925bbe5f093837ec819d23515e2a6bdb8ac4704c27262c17cb0b3aa935",
    "0x974dc638fd4a1d7b54bef9c574dc132291254f4868b473d4f2e06055fe2f7575",
    "0x3b9b4586fa00e21c2011e98b1c82412bef3b9b158915e64e0b318d95792458f3",
    "0x67277ebfa546fe883f27bba7be3c8528ebdbcc96063b344088bf12273a112e4e",
    "0x3cbb535032873dffe57a0aab2ee8dace293667b228d5cc7700c131223c7e6400",
]
