// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title ECDSA
 * @notice Signer recovery for 65-byte secp256k1 signatures (r ‖ s ‖ v), with the same rules as
 * OpenZeppelin `ECDSA.tryRecover`: `s` in the lower half of the curve order (so a signature has one
 * valid form and cannot be replayed in its malleated twin) and `v` 27 or 28.
 */
library ECDSA {
    /// @dev secp256k1 order n, halved (rounded down).
    uint256 internal constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @dev The signer of `digest`, or the zero address for a malformed or non-canonical signature.
    function tryRecover(bytes32 digest, bytes calldata signature) internal pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := calldataload(signature.offset)
            s := calldataload(add(signature.offset, 0x20))
            v := byte(0, calldataload(add(signature.offset, 0x40)))
        }
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s); // 0 when no key matches
    }
}
