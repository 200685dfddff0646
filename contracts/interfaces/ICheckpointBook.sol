// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILedgerErrors} from "./ILedgerErrors.sol";

/**
 * @title ICheckpointBook
 * @notice Checkpoints of the off-chain store's journal, Certificate-Transparency style: the store
 * keeps what the chain does not fix (filed documents, the replay memory of signed requests, seat
 * holders) as an append-only RFC 6962 Merkle log, and a trading centre records its tree head here
 * from time to time: the log's size and root, at block time. An auditor recomputes the root at
 * every recorded size from the store's log and checks consistency between consecutive checkpoints,
 * so a record rewritten, deleted or inserted after a checkpoint is found.
 *
 * A checkpoint only grows the log: its size must exceed the latest one's (a shrinking or equal size
 * would be a rewritten history, refused). Only an authorised centre of TenderBook records one
 * (NotCentre, declared in {ITenderBook}). There is no admin.
 */
interface ICheckpointBook is ILedgerErrors {
    /// @notice One checkpoint: the log's size, its RFC 6962 root (SHA-256) and the block time it
    /// was recorded at.
    struct Checkpoint {
        uint64 size;
        uint64 recordedAt;
        bytes32 root;
    }

    /// @notice Centre `centre` recorded checkpoint `index` (0-based): the store's log of `size`
    /// records has root `root`, at block time `recordedAt`.
    event Checkpointed(uint256 indexed index, uint64 size, bytes32 root, address indexed centre, uint64 recordedAt);

    /// @notice A checkpoint of `size` records does not grow the log beyond the latest checkpoint's
    /// `latestSize`: the log is append-only.
    error CheckpointNotGrowing(uint64 size, uint64 latestSize);

    /// @notice The checkpoint names no root (0).
    error MissingRoot();

    /// @notice Record that the store's log of `size` records has root `root`; the caller must be an
    /// authorised centre and `size` must exceed the latest checkpoint's. Returns its index.
    function checkpoint(uint64 size, bytes32 root) external returns (uint256 index);

    /// @notice How many checkpoints have been recorded.
    function checkpointCount() external view returns (uint256);

    /// @notice Checkpoint `index` (0-based; reverts past the last).
    function checkpointAt(uint256 index) external view returns (Checkpoint memory);

    /// @notice The latest checkpoint (all 0 before the first).
    function latestCheckpoint() external view returns (Checkpoint memory);

    /// @notice The TenderBook whose authorised centres record checkpoints.
    function tenderBook() external view returns (address);
}
