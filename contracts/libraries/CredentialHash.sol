// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title CredentialHash
 * @notice The hashing rules that turn a credential document into the values the registry stores.
 * The ledger's Python code computes the same values; tests prove the two agree.
 *
 * - field hash:    keccak256(salt ‖ keccak256(name) ‖ keccak256(value)), where `value` is the
 *                  RFC 8785 canonical JSON of the field's value and `salt` is per field, so one
 *                  field can be disclosed without revealing the others;
 * - credential id: keccak256(CREDENTIAL_TAG ‖ fieldHash₁ ‖ … ‖ fieldHashₙ), field hashes in the
 *                  RFC 8785 order of their field names;
 * - Merkle leaf:   keccak256(keccak256(abi.encode(credentialId))), OpenZeppelin StandardMerkleTree
 *                  double hashing of one bytes32 value (a leaf can never pass as an inner node).
 */
library CredentialHash {
    /// @dev Domain tag that keeps credential ids apart from every other hash of 32-byte words.
    bytes32 internal constant CREDENTIAL_TAG = keccak256("TenderLedger.Credential.v1");

    /// @dev Hash of one salted field: `value` is the RFC 8785 canonical JSON of the field's value.
    function fieldHash(bytes32 salt, string calldata name, bytes calldata value) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(salt, keccak256(bytes(name)), keccak256(value)));
    }

    /// @dev Credential id from its field hashes, ordered by the RFC 8785 order of the field names.
    function credentialId(bytes32[] calldata fieldHashes) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(CREDENTIAL_TAG, fieldHashes));
    }

    /// @dev Merkle leaf of a credential id (double keccak of its ABI encoding), in scratch space.
    function leaf(bytes32 id) internal pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore(0x00, id)
            mstore(0x00, keccak256(0x00, 0x20))
            value := keccak256(0x00, 0x20)
        }
    }

    /// @dev Key of a credential's status: one credential id may appear under several roots, and
    /// an issuer may only ever touch the copies under roots it anchored.
    function statusKey(bytes32 root, bytes32 id) internal pure returns (bytes32 key) {
        assembly ("memory-safe") {
            mstore(0x00, root)
            mstore(0x20, id)
            key := keccak256(0x00, 0x40)
        }
    }

    /// @dev Key of the revocation word `layer` of `region` of `root`: keccak256(root ‖ region ‖ layer).
    function revocationKey(bytes32 root, uint256 region, uint256 layer) internal pure returns (bytes32 key) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, root)
            mstore(add(m, 0x20), region)
            mstore(add(m, 0x40), layer)
            key := keccak256(m, 0x60)
        }
    }
}
