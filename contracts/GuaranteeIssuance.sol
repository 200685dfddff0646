// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGuaranteeBook} from "./interfaces/IGuaranteeBook.sol";
import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {GuarantorAuthority} from "./access/GuarantorAuthority.sol";
import {TenderGate} from "./access/TenderGate.sol";
import {TenderHeader, TenderHeaders} from "./libraries/TenderHeader.sol";

/**
 * @title GuaranteeIssuance
 * @notice Guarantee storage, the tender lookups against TenderBook, and the issuing steps: a bidder
 * applies, the named issuer issues or rejects, or the bidder cancels. Tenders are checked by
 * {TenderGate} on the header TenderBook's `tenderHeader` returns.
 */
abstract contract GuaranteeIssuance is GuarantorAuthority, TenderGate {
    /// @dev One guarantee in three slots, all written by `applyFor`: slots 0 and 1 hold everything
    /// the lifecycle checks and changes, slot 2 the tender id. `issue` rewrites slots 0 and 1 and
    /// adds no slot: the document hash, the terms commitment and the rest of the terms are in its
    /// `Issued` log (and its calldata), fixed by the document hash.
    struct Record {
        // slot 0
        address applicant;
        uint40 end;
        uint40 closedAt;
        uint16 section;
        // slot 1
        address issuer;
        uint64 amount;
        State state;
        Form form;
        uint8 issuerType;
        bool releasedLate;
        // slot 2
        bytes32 tenderId;
    }

    ITenderBook internal immutable _tenderBook;

    mapping(bytes32 guaranteeId => Record) internal _guarantees;

    constructor(address initialAdmin, address tenderBook_) GuarantorAuthority(initialAdmin) {
        if (tenderBook_.code.length == 0) revert InvalidTenderBook(tenderBook_);
        _tenderBook = ITenderBook(tenderBook_);
    }

    /// @inheritdoc IGuaranteeBook
    function tenderBook() external view returns (address) {
        return address(_tenderBook);
    }

    /// @inheritdoc IGuaranteeBook
    function applyFor(
        bytes32 guaranteeId,
        bytes32 tenderId,
        uint16 section,
        address issuer,
        uint256 amount,
        bytes32 applicationHash
    ) external {
        if (guaranteeId == 0) revert InvalidGuaranteeId(guaranteeId);
        Record storage g = _guarantees[guaranteeId];
        if (g.state != State.NONE) revert GuaranteeExists(guaranteeId);
        _checkBeforeDeadline(tenderId, _tenderWith(tenderId, section).deadline());
        _checkGuarantor(issuer);
        if (amount == 0 || amount > type(uint64).max) revert InvalidAmount(guaranteeId, amount);
        (g.applicant, g.section) = (msg.sender, section);
        (g.issuer, g.amount, g.state) = (issuer, uint64(amount), State.APPLIED);
        g.tenderId = tenderId;
        emit Applied(guaranteeId, tenderId, section, msg.sender, issuer, amount, applicationHash);
    }

    /// @inheritdoc IGuaranteeBook
    function issue(bytes32 guaranteeId, IssueTerms calldata t) external {
        Record storage g = _byIssuer(guaranteeId);
        _checkAuthorised(msg.sender, t.issuerType);
        State state = g.state;
        if (state != State.APPLIED) revert WrongState(guaranteeId, state);
        if (t.docHash == 0 || t.beneficiaryUscc == 0) revert IncompleteTerms(guaranteeId);
        uint8 form = t.form;
        bytes32 commitment = t.termsCommitment;
        if (form > uint8(Form.SEALED) || (form == uint8(Form.SEALED)) != (commitment != 0)) {
            revert InvalidForm(guaranteeId, form, commitment);
        }
        uint64 end = t.end;
        if (end <= t.start || end <= block.timestamp || end > type(uint40).max) {
            revert InvalidPeriod(guaranteeId, t.start, end);
        }
        uint256 amount = t.amount;
        if (amount > type(uint64).max) revert InvalidAmount(guaranteeId, amount);
        if (form == uint8(Form.PLAINTEXT) && amount < g.amount) {
            revert InsufficientAmount(guaranteeId, amount, g.amount);
        }
        // Slot 1 (issuer unchanged, releasedLate still false) and slot 0's end; nothing new is stored.
        (g.amount, g.state, g.form, g.issuerType) = (uint64(amount), State.ISSUED, Form(form), t.issuerType);
        g.end = uint40(end);
        emit Issued(guaranteeId, msg.sender, t);
    }

    /// @inheritdoc IGuaranteeBook
    function reject(bytes32 guaranteeId, bytes32 reasonHash) external {
        Record storage g = _byIssuer(guaranteeId);
        if (g.state != State.APPLIED) revert WrongState(guaranteeId, g.state);
        g.state = State.REJECTED;
        emit Rejected(guaranteeId, reasonHash);
    }

    /// @inheritdoc IGuaranteeBook
    function cancel(bytes32 guaranteeId) external {
        Record storage g = _byApplicant(guaranteeId);
        if (g.state != State.APPLIED) revert WrongState(guaranteeId, g.state);
        g.state = State.CANCELLED;
        emit Cancelled(guaranteeId);
    }

    /// @inheritdoc IGuaranteeBook
    function guaranteeOf(bytes32 guaranteeId) external view returns (Guarantee memory) {
        Record storage g = _guarantees[guaranteeId];
        return Guarantee({
            state: g.state,
            tenderId: g.tenderId,
            section: g.section,
            applicant: g.applicant,
            issuer: g.issuer,
            issuerType: g.issuerType,
            form: g.form,
            amount: g.amount,
            end: g.end,
            closedAt: g.closedAt,
            releasedLate: g.releasedLate
        });
    }

    // ------------------------------------------------------------------ internals

    /// @dev The header of tender `tenderId` from TenderBook's one-slot `tenderHeader` view (see
    /// {TenderGate}).
    function _tenderHeader(bytes32 tenderId) internal view override returns (TenderHeader) {
        (address centre, uint64 deadline, uint16 sectionCount, uint8 threshold, uint8 sharesReleased) =
            _tenderBook.tenderHeader(tenderId);
        return TenderHeaders.pack(centre, deadline, sectionCount, threshold, sharesReleased);
    }

    /// @dev The guarantee `guaranteeId`; reverts with `UnknownGuarantee` if nobody applied for it.
    function _known(bytes32 guaranteeId) internal view returns (Record storage g) {
        g = _guarantees[guaranteeId];
        if (g.state == State.NONE) revert UnknownGuarantee(guaranteeId);
    }

    /// @dev The guarantee `guaranteeId`, which the caller must have applied for.
    function _byApplicant(bytes32 guaranteeId) internal view returns (Record storage g) {
        g = _known(guaranteeId);
        if (g.applicant != msg.sender) revert NotApplicant(guaranteeId, msg.sender);
    }

    /// @dev The guarantee `guaranteeId`, which must name the caller as its issuer.
    function _byIssuer(bytes32 guaranteeId) private view returns (Record storage g) {
        g = _known(guaranteeId);
        if (g.issuer != msg.sender) revert NotIssuer(guaranteeId, msg.sender);
    }
}
