// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title MerkleProof
 * @notice Merkle proof verification for sorted-pair keccak256 trees, the same rule as
 * OpenZeppelin `MerkleProof.verify`/`processProof` and `StandardMerkleTree`: each inner node is
 * `keccak256(min(a, b) ‖ max(a, b))`, so a proof is a plain list of sibling hashes.
 */
library MerkleProof {
    /// @dev Returns true when `leaf` and `proof` rebuild `root`.
    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) internal pure returns (bool) {
        return processProof(proof, leaf) == root;
    }

    /// @dev Returns the root rebuilt from `leaf` by hashing it up with each sibling in `proof`.
    function processProof(bytes32[] calldata proof, bytes32 leaf) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            node = hashPair(node, proof[i]);
        }
    }

    /// @dev keccak256 of the two nodes in ascending order, computed in scratch space.
    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 value) {
        (bytes32 lo, bytes32 hi) = a < b ? (a, b) : (b, a);
        assembly ("memory-safe") {
            mstore(0x00, lo)
            mstore(0x20, hi)
            value := keccak256(0x00, 0x40)
        }
    }
}
