// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICheckpointBook} from "./interfaces/ICheckpointBook.sol";
import {ITenderBook} from "./interfaces/ITenderBook.sol";

/**
 * @title CheckpointBook
 * @notice The store's log checkpoints (size, root, time), recorded by an authorised centre; each
 * grows the log. See {ICheckpointBook}. It has no admin.
 */
contract CheckpointBook is ICheckpointBook {
    ITenderBook private immutable _tenderBook;

    Checkpoint[] private _checkpoints;

    constructor(address tenderBook_) {
        if (tenderBook_.code.length == 0) revert InvalidTenderBook(tenderBook_);
        _tenderBook = ITenderBook(tenderBook_);
    }

    /// @inheritdoc ICheckpointBook
    function checkpoint(uint64 size, bytes32 root) external returns (uint256 index) {
        if (!_tenderBook.isCentre(msg.sender)) revert ITenderBook.NotCentre(msg.sender);
        if (root == bytes32(0)) revert MissingRoot();
        index = _checkpoints.length;
        uint64 latest = index == 0 ? 0 : _checkpoints[index - 1].size;
        if (size <= latest) revert CheckpointNotGrowing(size, latest);
        uint64 time = uint64(block.timestamp);
        _checkpoints.push(Checkpoint({size: size, recordedAt: time, root: root}));
        emit Checkpointed(index, size, root, msg.sender, time);
    }

    /// @inheritdoc ICheckpointBook
    function checkpointCount() external view returns (uint256) {
        return _checkpoints.length;
    }

    /// @inheritdoc ICheckpointBook
    function checkpointAt(uint256 index) external view returns (Checkpoint memory) {
        return _checkpoints[index];
    }

    /// @inheritdoc ICheckpointBook
    function latestCheckpoint() external view returns (Checkpoint memory latest) {
        uint256 count = _checkpoints.length;
        if (count != 0) latest = _checkpoints[count - 1];
    }

    /// @inheritdoc ICheckpointBook
    function tenderBook() external view returns (address) {
        return address(_tenderBook);
    }
}
