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
    /// @dev The root `proof` leads to from `leaf`, and the leaf's position in that tree: 1 followed
    /// by one bit per proof step, the first step lowest, set when the node is the greater of its pair
    /// (its side in the sorted pair). Distinct leaves of one tree have distinct positions.
    function processProofWithPosition(bytes32[] calldata proof, bytes32 leaf)
        internal
        pure
        returns (bytes32 node, uint256 position)
    {
        node = leaf;
        uint256 n = proof.length;
        for (uint256 i = 0; i < n; ++i) {
            bytes32 sibling = proof[i];
            if (node > sibling) position |= uint256(1) << i;
            node = hashPair(node, sibling);
        }
        position |= uint256(1) << n;
    }

    function hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 value) {
        (bytes32 lo, bytes32 hi) = a < b ? (a, b) : (b, a);
        assembly ("memory-safe") {
            mstore(0x00, lo)
            mstore(0x20, hi)
            value := keccak256(0x00, 0x40)
        }
    }
}
