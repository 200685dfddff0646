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
    /// @dev One guarantee. Slots 0 and 1 hold everything the lifecycle checks and changes; the
    /// tender id and the document hash take one slot each.
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
        // slot 3
        bytes32 docHash;
    }

    ITenderBook internal immutable _tenderBook;

    mapping(bytes32 guaranteeId => Record) internal _guarantees;
    mapping(bytes32 guaranteeId => bytes32 termsCommitment) private _sealedTerms; // SEALED only

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
        if (g.state != State.APPLIED) revert WrongState(guaranteeId, g.state);
        if (t.docHash == 0 || t.beneficiaryUscc == 0) revert IncompleteTerms(guaranteeId);
        if (t.form > uint8(Form.SEALED) || (t.form == uint8(Form.SEALED)) != (t.termsCommitment != 0)) {
            revert InvalidForm(guaranteeId, t.form, t.termsCommitment);
        }
        if (t.end <= t.start || t.end <= block.timestamp || t.end > type(uint40).max) {
            revert InvalidPeriod(guaranteeId, t.start, t.end);
        }
        if (t.amount > type(uint64).max) revert InvalidAmount(guaranteeId, t.amount);
        if (t.form == uint8(Form.PLAINTEXT) && t.amount < g.amount) {
            revert InsufficientAmount(guaranteeId, t.amount, g.amount);
        }
        (g.amount, g.state, g.form, g.issuerType) = (uint64(t.amount), State.ISSUED, Form(t.form), t.issuerType);
        g.end = uint40(t.end);
        g.docHash = t.docHash;
        if (t.termsCommitment != 0) _sealedTerms[guaranteeId] = t.termsCommitment;
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
            releasedLate: g.releasedLate,
            docHash: g.docHash,
            termsCommitment: _sealedTerms[guaranteeId]
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
