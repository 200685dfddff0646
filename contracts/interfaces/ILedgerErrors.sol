// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title ILedgerErrors
 * @notice The custom errors more than one contract of the ledger reverts with, declared once so
 * that each has one signature and one selector wherever it is raised. TenderBook raises them about
 * its own tenders; GuaranteeBook raises the same ones about the TenderBook tender a guarantee backs.
 * Each error names what it is about (the tender, the section, the caller, the batch size).
 *
 * Errors raised by one contract only are declared in that contract's interface.
 */
interface ILedgerErrors {
    /// @notice `caller` did not publish tender `tenderId`: every step of a tender after its
    /// publication, and every step GuaranteeBook takes for the tenderer, belongs to the centre that
    /// published it.
    error NotPublisher(bytes32 tenderId, address caller);

    /// @notice No tender `tenderId` has been published.
    error UnknownTender(bytes32 tenderId);

    /// @notice Tender `tenderId` has no section `section` (sections are 0 … sectionCount − 1).
    error UnknownSection(bytes32 tenderId, uint16 section);

    /// @notice The deadline `deadline` of tender `tenderId` has passed at block time `blockTime`:
    /// the tender can no longer be amended, a bid no longer withdrawn, a guarantee no longer
    /// applied for, bound or unbound.
    error DeadlinePassed(bytes32 tenderId, uint64 deadline, uint64 blockTime);

    /// @notice Tender `tenderId` has not reached its deadline `deadline` yet: nothing is opened,
    /// closed, verified or awarded before it.
    error TooEarly(bytes32 tenderId, uint64 deadline);

    /// @notice `tenderBook` holds no code: GuaranteeBook and LotteryBook read a deployed TenderBook.
    error InvalidTenderBook(address tenderBook);

    /// @notice A batch holds `size` entries, more than the `max` the called function takes.
    error BatchTooLarge(uint256 size, uint256 max);
}
