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
    /// @dev One guarantee in two slots, both written by `applyFor`. Slot 0 says who applied for
    /// which tender section and when the guarantee closed; the tender is its TenderBook index (32
    /// bits, see `ITenderBook.tenderHeader`), not its 256-bit id, which `tenderAt` gives back. Slot 1
    /// holds everything `issue` checks and writes, so `issue` reads and rewrites that one slot and
    /// adds none: the document hash, the terms commitment and the rest of the terms are in its
    /// `Issued` log (and its calldata), fixed by the document hash. Times are seconds to 2106.
    struct Record {
        // slot 0
        address applicant;
        uint32 closedAt;
        uint32 tenderIndex;
        uint16 section;
        bool releasedLate;
        // slot 1
        address issuer;
        uint40 amount; // in 分, at most MAX_AMOUNT
        uint32 end;
        State state;
        Form form;
        uint8 issuerType;
    }

    /// @dev The largest amount a guarantee may be for, in 分: 2^40 − 1 (about 11 billion 元; a bid
    /// guarantee is at most 2 % of the estimated price, 招标投标法实施条例 Art. 26). Larger amounts
    /// are refused with `InvalidAmount`.
    uint256 internal constant MAX_AMOUNT = type(uint40).max;

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
        TenderHeader h = _tenderWith(tenderId, section);
        _checkBeforeDeadline(tenderId, h.deadline());
        _checkGuarantor(issuer);
        if (amount == 0 || amount > MAX_AMOUNT) revert InvalidAmount(guaranteeId, amount);
        (g.applicant, g.tenderIndex, g.section) = (msg.sender, h.index(), section);
        _writeSlot1(g, issuer, amount, 0, State.APPLIED, 0, 0);
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
        if (end <= t.start || end <= block.timestamp || end > type(uint32).max) {
            revert InvalidPeriod(guaranteeId, t.start, end);
        }
        uint256 amount = t.amount;
        if (amount > MAX_AMOUNT) revert InvalidAmount(guaranteeId, amount);
        if (form == uint8(Form.PLAINTEXT) && amount < g.amount) {
            revert InsufficientAmount(guaranteeId, amount, g.amount);
        }
        // Slot 1 only (the issuer is the caller, unchanged); nothing new is stored.
        _writeSlot1(g, msg.sender, amount, end, State.ISSUED, form, t.issuerType);
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
        uint32 index = g.tenderIndex;
        bytes32 tenderId;
        if (index != 0) (tenderId,,,,,) = _tenderBook.tenderAt(index);
        return Guarantee({
            state: g.state,
            tenderId: tenderId,
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
        (address centre, uint64 deadline, uint16 sectionCount, uint8 threshold, uint8 sharesReleased, uint32 index) =
            _tenderBook.tenderHeader(tenderId);
        return TenderHeaders.pack(centre, deadline, sectionCount, threshold, sharesReleased, index);
    }

    /// @dev The tender with TenderBook index `index` (a guarantee's, so a published tender's): its
    /// id and header, in one call to TenderBook's `tenderAt`.
    function _tenderAt(uint32 index) internal view returns (bytes32 tenderId, TenderHeader h) {
        address centre;
        uint64 deadline;
        uint16 sectionCount;
        uint8 threshold;
        uint8 sharesReleased;
        (tenderId, centre, deadline, sectionCount, threshold, sharesReleased) = _tenderBook.tenderAt(index);
        h = TenderHeaders.pack(centre, deadline, sectionCount, threshold, sharesReleased, index);
    }

    /// @dev Writes slot 1 of guarantee `g` whole, in one `SSTORE` (assigned field by field, the
    /// compiler reads and rewrites the slot more than once): `Record`'s slot 1 from the low-order
    /// end, issuer (bits 0–159), amount (160–199), end (200–231), state, form, issuerType. The
    /// callers have checked `amount` ≤ MAX_AMOUNT, `end` < 2^32 and `form` ≤ SEALED.
    function _writeSlot1(
        Record storage g,
        address issuer,
        uint256 amount,
        uint256 end,
        State state,
        uint8 form,
        uint8 issuerType
    ) private {
        uint256 word = uint256(uint160(issuer)) | (amount << 160) | (end << 200) | (uint256(state) << 232)
            | (uint256(form) << 240) | (uint256(issuerType) << 248);
        assembly ("memory-safe") {
            sstore(add(g.slot, 1), word)
        }
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
