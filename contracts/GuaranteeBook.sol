// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGuaranteeBook} from "./interfaces/IGuaranteeBook.sol";
import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {ISelectionBook} from "./interfaces/ISelectionBook.sol";
import {GuaranteeIssuance} from "./GuaranteeIssuance.sol";
import {TenderHeader} from "./libraries/TenderHeader.sol";

/**
 * @title GuaranteeBook
 * @notice Electronic bid guarantees backing TenderBook bids: one bound guarantee per bid, checked
 * by the publishing centre at opening, released once the section's outcome (and, for the winner,
 * the contract signing) is recorded, claimed for the causes the chain can check (filed, open to the
 * applicant's contest for CONTEST_PERIOD, then settled, or decided by the governance), or expired.
 * See {IGuaranteeBook}.
 */
contract GuaranteeBook is GuaranteeIssuance {
    /// @inheritdoc IGuaranteeBook
    uint64 public constant RELEASE_PERIOD = 5 days;
    /// @inheritdoc IGuaranteeBook
    uint256 public constant MAX_BATCH = 100;
    /// @inheritdoc IGuaranteeBook
    uint64 public constant CONTEST_PERIOD = 5 days;

    /// @dev A section's outcome in one slot; `awardedAt` 0 means not recorded, `signedAt` 0 unsigned;
    /// `decidedAt` is when SelectionBook decided the award this record follows (0 for 流标): the
    /// record counts only while SelectionBook's decision is still that one, awarded (an upheld
    /// complaint withdraws it). Times fit 32 bits, as a guarantee's.
    struct AwardRecord {
        address winner;
        uint32 awardedAt;
        uint32 signedAt;
        uint32 decidedAt;
    }

    mapping(bytes32 tenderId => mapping(uint16 section => mapping(address bidder => bytes32 guaranteeId))) private
        _bidGuarantees;
    /// @dev Keyed by the tender's TenderBook index, which a guarantee keeps: releasing one needs no
    /// call to TenderBook when its issuer releases it.
    mapping(uint32 tenderIndex => mapping(uint16 section => AwardRecord)) private _awards;

    /// @dev The last claim filed on a guarantee, in two slots; `dismissed` outlives it (bit per cause).
    struct ClaimRecord {
        ClaimCause cause;
        State prior;
        uint40 filedAt;
        bool contested;
        uint8 dismissed;
        bytes32 evidenceHash;
    }

    mapping(bytes32 guaranteeId => ClaimRecord) private _claims;

    /// @dev What a release looked up, kept across a batch: the tender at `tenderIndex` (its id and
    /// publishing centre) and, as section + 1, the section whose award was found standing.
    struct Known {
        uint32 tenderIndex;
        bytes32 tenderId;
        address centre;
        uint32 standing;
    }

    ISelectionBook private immutable _selectionBook;

    /// @dev `selectionBook_` runs 评定分离 on the same TenderBook: its award names each winner.
    constructor(address initialAdmin, address tenderBook_, address selectionBook_)
        GuaranteeIssuance(initialAdmin, tenderBook_)
    {
        if (selectionBook_.code.length == 0) revert InvalidSelectionBook(selectionBook_);
        _selectionBook = ISelectionBook(selectionBook_);
    }

    /// @notice The SelectionBook whose award names each section's winner.
    function selectionBook() external view returns (address) {
        return address(_selectionBook);
    }

    // ------------------------------------------------------------------ bidding and opening

    /// @inheritdoc IGuaranteeBook
    function bind(bytes32 guaranteeId) external {
        Record storage g = _byApplicant(guaranteeId);
        (bytes32 tenderId, TenderHeader h) = _tenderAt(g.tenderIndex);
        uint16 section = g.section;
        _checkBeforeDeadline(tenderId, h.deadline());
        State state = g.state;
        if (_isBound(state)) revert AlreadyBound(guaranteeId);
        if (state != State.ISSUED) revert WrongState(guaranteeId, state);
        if (block.timestamp > g.end) revert GuaranteeExpired(guaranteeId, g.end);
        mapping(address => bytes32) storage bids = _bidGuarantees[tenderId][section];
        bytes32 current = bids[msg.sender];
        // A bound guarantee that expired before the deadline no longer backs the bid.
        if (current != 0 && _isBound(_guarantees[current].state)) {
            revert BidHasGuarantee(tenderId, section, msg.sender);
        }
        g.state = State.BOUND;
        bids[msg.sender] = guaranteeId;
        emit Bound(guaranteeId, tenderId, section, msg.sender);
    }

    /// @inheritdoc IGuaranteeBook
    function unbind(bytes32 guaranteeId) external {
        Record storage g = _byApplicant(guaranteeId);
        (bytes32 tenderId, TenderHeader h) = _tenderAt(g.tenderIndex);
        uint16 section = g.section;
        _checkBeforeDeadline(tenderId, h.deadline());
        if (g.state != State.BOUND) revert WrongState(guaranteeId, g.state);
        g.state = State.ISSUED;
        delete _bidGuarantees[tenderId][section][msg.sender];
        emit Unbound(guaranteeId, tenderId, section, msg.sender);
    }

    /// @inheritdoc IGuaranteeBook
    function recordVerification(bytes32 guaranteeId, bool valid, bytes32 reasonHash, uint256 revealedAmount)
        external
    {
        Record storage g = _known(guaranteeId);
        (bytes32 tenderId, TenderHeader h) = _tenderAt(g.tenderIndex);
        _checkPublisher(tenderId, h);
        _checkDeadlineReached(tenderId, h.deadline());
        if (g.state != State.BOUND) revert WrongState(guaranteeId, g.state);
        uint40 amount = g.amount;
        if (g.form == Form.SEALED) {
            if (revealedAmount > MAX_AMOUNT) revert InvalidAmount(guaranteeId, revealedAmount);
            amount = uint40(revealedAmount);
        } else if (revealedAmount != 0 && revealedAmount != amount) {
            revert AmountMismatch(guaranteeId, amount, revealedAmount);
        }
        (g.state, g.amount) = (valid ? State.VERIFIED : State.INVALID, amount);
        emit VerificationRecorded(guaranteeId, valid, amount, reasonHash);
    }

    /// @inheritdoc IGuaranteeBook
    function guaranteeOfBid(bytes32 tenderId, uint16 section, address bidder) external view returns (bytes32) {
        return _bidGuarantees[tenderId][section][bidder];
    }

    // ------------------------------------------------------------------ award and release

    /// @inheritdoc IGuaranteeBook
    function recordAward(bytes32 tenderId, uint16 section, address winner) external {
        TenderHeader h = _publishedWith(tenderId, section);
        _checkDeadlineReached(tenderId, h.deadline());
        AwardRecord storage a = _awards[h.index()][section];
        // A record whose award an upheld complaint withdrew is replaced by the award in force.
        if (a.awardedAt != 0 && _standing(tenderId, section, a)) revert AlreadyAwarded(tenderId, section);
        // The winner is SelectionBook's, awarded after 公示; a section with none must have failed.
        ISelectionBook.Decision memory d = _selectionBook.decisionOf(tenderId, section);
        address selected = d.awarded ? d.winner : address(0);
        if (selected == address(0)) {
            if (_tenderBook.sectionOf(tenderId, section).status != ITenderBook.SectionStatus.FAILED) {
                revert NotSelected(tenderId, section);
            }
        }
        if (winner != selected) revert InvalidWinner(tenderId, section, winner);
        address withdrawn = a.winner;
        if (a.awardedAt != 0) emit AwardReplaced(tenderId, section, withdrawn);
        uint32 decidedAt = selected == address(0) ? 0 : uint32(d.decidedAt);
        _awards[h.index()][section] =
            AwardRecord({winner: winner, awardedAt: uint32(block.timestamp), signedAt: 0, decidedAt: decidedAt});
        emit AwardRecorded(tenderId, section, winner);
    }

    /// @inheritdoc IGuaranteeBook
    function recordContractSigned(bytes32 tenderId, uint16 section, uint64 signedAt) external {
        AwardRecord storage a = _awards[_publishedBy(tenderId).index()][section];
        address winner = a.winner;
        if (winner == address(0)) revert NotAwarded(tenderId, section);
        if (!_standing(tenderId, section, a)) revert AwardWithdrawn(tenderId, section, winner);
        if (a.signedAt != 0) revert AlreadySigned(tenderId, section);
        if (signedAt < a.awardedAt || signedAt > block.timestamp) revert InvalidSigningTime(tenderId, section, signedAt);
        a.signedAt = uint32(signedAt);
        emit ContractSigned(tenderId, section, winner, signedAt);
    }

    /// @inheritdoc IGuaranteeBook
    function awardOf(bytes32 tenderId, uint16 section) external view returns (Award memory) {
        AwardRecord storage a = _awards[_tenderHeader(tenderId).index()][section];
        if (a.awardedAt == 0 || !_standing(tenderId, section, a)) return Award(address(0), 0, 0);
        return Award({winner: a.winner, awardedAt: a.awardedAt, signedAt: a.signedAt});
    }

    /// @inheritdoc IGuaranteeBook
    function release(bytes32 guaranteeId) external {
        Known memory none;
        _release(guaranteeId, none);
    }

    /// @inheritdoc IGuaranteeBook
    function releaseMany(bytes32[] calldata guaranteeIds) external {
        uint256 n = guaranteeIds.length;
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        // Batches are usually one section's guarantees: look each tender and award up once in a row.
        Known memory known;
        for (uint256 i = 0; i < n; ++i) {
            known = _release(guaranteeIds[i], known);
        }
    }

    // ------------------------------------------------------------------ claims and expiry

    /// @inheritdoc IGuaranteeBook
    function claim(bytes32 guaranteeId, ClaimCause cause, bytes32 evidenceHash) external {
        Record storage g = _known(guaranteeId);
        uint32 tenderIndex = g.tenderIndex;
        (bytes32 tenderId, TenderHeader h) = _tenderAt(tenderIndex);
        _checkPublisher(tenderId, h);
        State state = g.state;
        if (state != State.BOUND && state != State.VERIFIED) revert WrongState(guaranteeId, state);
        uint32 end = g.end;
        if (block.timestamp > end) revert GuaranteeExpired(guaranteeId, end);
        if (evidenceHash == 0) revert MissingEvidence(guaranteeId);
        ClaimRecord storage c = _claims[guaranteeId];
        uint8 dismissed = c.dismissed;
        // A cause the governance dismissed on this guarantee stays dismissed: no filing it again.
        bool wasDismissed = dismissed & (uint8(1) << uint8(cause)) != 0;
        if (wasDismissed || !_claimable(tenderId, tenderIndex, g.section, g.applicant, h.deadline(), cause)) {
            revert NotClaimable(guaranteeId, cause);
        }
        g.state = State.CLAIM_PENDING;
        _claims[guaranteeId] = ClaimRecord({
            cause: cause,
            prior: state,
            filedAt: uint40(block.timestamp),
            contested: false,
            dismissed: dismissed,
            evidenceHash: evidenceHash
        });
        emit ClaimFiled(guaranteeId, cause, evidenceHash, uint64(block.timestamp) + CONTEST_PERIOD);
    }

    /// @inheritdoc IGuaranteeBook
    function contestClaim(bytes32 guaranteeId, bytes32 reasonHash) external {
        Record storage g = _byApplicant(guaranteeId);
        if (g.state != State.CLAIM_PENDING) revert WrongState(guaranteeId, g.state);
        ClaimRecord storage c = _claims[guaranteeId];
        uint64 contestDeadline = c.filedAt + CONTEST_PERIOD;
        if (block.timestamp >= contestDeadline) revert ContestPeriodOver(guaranteeId, contestDeadline);
        if (reasonHash == 0) revert MissingEvidence(guaranteeId);
        (g.state, c.contested) = (State.CLAIM_CONTESTED, true);
        emit ClaimContested(guaranteeId, reasonHash);
    }

    /// @inheritdoc IGuaranteeBook
    function settleClaim(bytes32 guaranteeId) external {
        Record storage g = _known(guaranteeId);
        if (g.state != State.CLAIM_PENDING) revert WrongState(guaranteeId, g.state);
        ClaimRecord storage c = _claims[guaranteeId];
        uint64 contestDeadline = c.filedAt + CONTEST_PERIOD;
        if (block.timestamp < contestDeadline) revert ContestPeriodOpen(guaranteeId, contestDeadline);
        (g.state, g.closedAt) = (State.CLAIMED, uint32(block.timestamp));
        emit Claimed(guaranteeId, c.cause, c.evidenceHash);
    }

    /// @inheritdoc IGuaranteeBook
    function resolveClaim(bytes32 guaranteeId, bool upheld, bytes32 reasonHash) external onlyAdmin {
        Record storage g = _known(guaranteeId);
        if (g.state != State.CLAIM_CONTESTED) revert WrongState(guaranteeId, g.state);
        if (reasonHash == 0) revert MissingEvidence(guaranteeId);
        ClaimRecord storage c = _claims[guaranteeId];
        emit ClaimResolved(guaranteeId, upheld, reasonHash);
        if (upheld) {
            (g.state, g.closedAt) = (State.CLAIMED, uint32(block.timestamp));
            emit Claimed(guaranteeId, c.cause, c.evidenceHash);
        } else {
            g.state = c.prior;
            c.dismissed |= uint8(1) << uint8(c.cause);
        }
    }

    /// @inheritdoc IGuaranteeBook
    function claimOf(bytes32 guaranteeId) external view returns (Claim memory) {
        ClaimRecord storage c = _claims[guaranteeId];
        uint64 filedAt = c.filedAt;
        return Claim({
            cause: c.cause,
            evidenceHash: c.evidenceHash,
            filedAt: filedAt,
            contestDeadline: filedAt == 0 ? 0 : filedAt + CONTEST_PERIOD,
            contested: c.contested,
            priorState: c.prior,
            dismissedCauses: c.dismissed
        });
    }

    /// @inheritdoc IGuaranteeBook
    function expire(bytes32 guaranteeId) external {
        Record storage g = _known(guaranteeId);
        State state = g.state;
        if (state != State.ISSUED && !_isBound(state)) revert WrongState(guaranteeId, state);
        uint32 end = g.end;
        if (block.timestamp <= end) revert NotExpired(guaranteeId, end);
        (g.state, g.closedAt) = (State.EXPIRED, uint32(block.timestamp));
        emit Expired(guaranteeId);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Releases `guaranteeId` for the caller. `known` holds the tender id and publishing
    /// centre of the tender with index `known.tenderIndex` (lookups already made, 0 before any) and
    /// the section whose award was last found standing; returns it updated for the next call.
    function _release(bytes32 guaranteeId, Known memory known) private returns (Known memory) {
        Record storage g = _known(guaranteeId);
        uint32 tenderIndex = g.tenderIndex;
        if (tenderIndex != known.tenderIndex || known.centre == address(0)) {
            (bytes32 tenderId, TenderHeader h) = _tenderAt(tenderIndex);
            known = Known({tenderIndex: tenderIndex, tenderId: tenderId, centre: h.centre(), standing: 0});
        }
        if (msg.sender != g.issuer && msg.sender != known.centre) revert NotReleaser(guaranteeId, msg.sender);
        State state = g.state;
        if (!_isBound(state)) revert WrongState(guaranteeId, state);
        uint16 section = g.section;
        AwardRecord memory a = _awards[tenderIndex][section];
        if (a.awardedAt == 0) revert NotAwarded(known.tenderId, section);
        // The award must still be SelectionBook's (once per section in a batch).
        if (known.standing != uint32(section) + 1) {
            if (!_standing(known.tenderId, section, a)) revert AwardWithdrawn(known.tenderId, section, a.winner);
            known.standing = uint32(section) + 1;
        }
        if (g.applicant == a.winner && a.signedAt == 0) revert ContractNotSigned(known.tenderId, section);
        bool late = a.signedAt != 0 && block.timestamp > a.signedAt + RELEASE_PERIOD;
        (g.state, g.releasedLate, g.closedAt) = (State.RELEASED, late, uint32(block.timestamp));
        emit Released(guaranteeId, msg.sender);
        if (late) emit ReleasedLate(guaranteeId, a.signedAt, uint64(block.timestamp));
        return known;
    }

    /// @dev Whether the recorded award `a` of the section is still the one in force: a section
    /// without a winner (流标) stays failed; a winner's counts while SelectionBook's decision is the
    /// one it was recorded from and is awarded (a complaint upheld after the award withdraws it,
    /// and a later decision is a new one).
    function _standing(bytes32 tenderId, uint16 section, AwardRecord memory a) private view returns (bool) {
        if (a.winner == address(0)) return true;
        ISelectionBook.Decision memory d = _selectionBook.decisionOf(tenderId, section);
        return d.awarded && d.decidedAt == a.decidedAt;
    }

    /// @dev Whether what TenderBook and the recorded award say about the applicant's bid supports
    /// a claim for `cause`.
    function _claimable(
        bytes32 tenderId,
        uint32 tenderIndex,
        uint16 section,
        address applicant,
        uint64 deadline,
        ClaimCause cause
    ) private view returns (bool) {
        if (cause == ClaimCause.WITHDRAWAL_AFTER_DEADLINE || cause == ClaimCause.DECRYPTION_FAILED_BY_BIDDER) {
            ITenderBook.Bid memory b = _tenderBook.bidOf(tenderId, section, applicant);
            if (cause == ClaimCause.DECRYPTION_FAILED_BY_BIDDER) {
                return b.opened && b.outcome == ITenderBook.Outcome.FAILED_BIDDER;
            }
            // Live at the deadline (no bid can be withdrawn after it) and not a 撤回, which carries
            // no penalty.
            return block.timestamp >= deadline && b.commitment != 0
                && !(b.opened && b.outcome == ITenderBook.Outcome.FAILED_OTHER);
        }
        AwardRecord memory a = _awards[tenderIndex][section];
        if (a.awardedAt == 0 || a.winner != applicant) return false;
        // A withdrawn award names no winner: its guarantee is no longer a winner's.
        if (!_standing(tenderId, section, a)) revert AwardWithdrawn(tenderId, section, applicant);
        return cause == ClaimCause.NO_PERFORMANCE_BOND || a.signedAt == 0;
    }

    /// @dev Whether a guarantee in `state` backs a bid.
    function _isBound(State state) private pure returns (bool) {
        return state == State.BOUND || state == State.VERIFIED || state == State.INVALID;
    }
}
