// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILedgerErrors} from "../interfaces/ILedgerErrors.sol";
import {TenderHeader} from "../libraries/TenderHeader.sol";

/**
 * @title TenderGate
 * @notice The checks every step on a tender starts with, written once: the tender is published
 * (`UnknownTender`), the caller is its publishing centre (`NotPublisher`), the section exists
 * (`UnknownSection`), the deadline has or has not passed (`TooEarly`, `DeadlinePassed`). They run
 * on the tender's {TenderHeader}: TenderBook reads it from its own storage, GuaranteeBook from
 * TenderBook's `tenderHeader` view, so both check a tender the same way and revert with the same
 * errors.
 */
abstract contract TenderGate is ILedgerErrors {
    /// @dev The header of tender `tenderId`, 0 if it was never published. The deadline may move
    /// until it passes, so it is read afresh at every call.
    function _tenderHeader(bytes32 tenderId) internal view virtual returns (TenderHeader);

    /// @dev The header of the published tender `tenderId`; reverts with `UnknownTender` otherwise.
    function _tender(bytes32 tenderId) internal view returns (TenderHeader h) {
        h = _tenderHeader(tenderId);
        if (h.centre() == address(0)) revert UnknownTender(tenderId);
    }

    /// @dev The header of the published tender `tenderId`, which must have `section`.
    function _tenderWith(bytes32 tenderId, uint16 section) internal view returns (TenderHeader h) {
        h = _tender(tenderId);
        if (section >= h.sectionCount()) revert UnknownSection(tenderId, section);
    }

    /// @dev The header of the published tender `tenderId`, which the caller must have published.
    function _publishedBy(bytes32 tenderId) internal view returns (TenderHeader h) {
        h = _tender(tenderId);
        _checkPublisher(tenderId, h);
    }

    /// @dev Reverts with `NotPublisher` unless the caller published the tender `tenderId` of header `h`.
    function _checkPublisher(bytes32 tenderId, TenderHeader h) internal view {
        if (h.centre() != msg.sender) revert NotPublisher(tenderId, msg.sender);
    }

    /// @dev The header of the tender `tenderId`, published by the caller, which must have `section`.
    function _publishedWith(bytes32 tenderId, uint16 section) internal view returns (TenderHeader h) {
        h = _publishedBy(tenderId);
        if (section >= h.sectionCount()) revert UnknownSection(tenderId, section);
    }

    /// @dev Reverts with `DeadlinePassed` once the block time reaches `deadline`.
    function _checkBeforeDeadline(bytes32 tenderId, uint64 deadline) internal view {
        if (block.timestamp >= deadline) revert DeadlinePassed(tenderId, deadline, uint64(block.timestamp));
    }

    /// @dev Reverts with `TooEarly` while the block time is before `deadline`.
    function _checkDeadlineReached(bytes32 tenderId, uint64 deadline) internal view {
        if (block.timestamp < deadline) revert TooEarly(tenderId, deadline);
    }
}
