// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title SelectionHash
 * @notice The hashes of 评定分离, one function each; the Python side computes the same
 * (`ledger.rules.evaluation.sheet_commitment`, `ledger.rules.selection.vote_commitment`,
 * `ledger.crypto.seat_keys.seat_link`) and the tests check both against each other.
 */
library SelectionHash {
    /// @dev keccak256(abi.encode(bytes32 tenderId, uint16 section, address expert, bytes32 salt,
    /// bytes32 sheetHash)): what an evaluation seat commits before any sheet is revealed.
    function sheetCommitment(bytes32 tenderId, uint16 section, address expert, bytes32 salt, bytes32 sheetHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(tenderId, section, expert, salt, sheetHash));
    }

    /// @dev keccak256(abi.encode(bytes32 tenderId, uint16 section, uint16 round, address seat,
    /// address candidate, bytes32 salt)): a selection seat's vote in a round (candidate 0 abstains).
    function voteCommitment(
        bytes32 tenderId,
        uint16 section,
        uint16 round,
        address seat,
        address candidate,
        bytes32 salt
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(tenderId, section, round, seat, candidate, salt));
    }

    /// @dev keccak256(abi.encode(bytes32 tenderId, uint16 section, uint8 kind, address seat,
    /// address expert, bytes32 salt)): hides which pool member holds a seat until the committee
    /// is revealed.
    function seatLink(bytes32 tenderId, uint16 section, uint8 kind, address seat, address expert, bytes32 salt)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(tenderId, section, kind, seat, expert, salt));
    }
}
