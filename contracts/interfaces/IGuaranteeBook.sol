// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAdminControl} from "../access/IAdminControl.sol";
import {ILedgerErrors} from "./ILedgerErrors.sol";

/**
 * @title IGuaranteeBook
 * @notice Electronic bid guarantees (电子保函) that replace cash bid bonds. Guarantee issuers (banks,
 * guarantee companies, insurers), authorised per issuer type by the admin, issue guarantees that
 * bidders applied for; a bidder binds one guarantee to its bid in a TenderBook tender; the tender's
 * publishing centre verifies it at opening, records the award and the contract signing, and claims
 * on it (理赔) for the tenderer when the bidder breaks the tender's rules. Every other guarantee is
 * released, or expires at its end.
 *
 * A claim is paid on evidence anyone can check, never on the centre's word alone: the centre files
 * it with the hash of its evidence for a cause the chain's records support; the applicant (the
 * bidder) may contest it within CONTEST_PERIOD; uncontested, anyone settles it once the period is
 * over; contested, it waits for the admin (the consortium's M-of-N governance) to uphold or dismiss
 * it. A dismissed claim returns the guarantee to where it stood, and its cause cannot be claimed
 * again on that guarantee.
 *
 * Lifecycle: APPLIED → ISSUED | REJECTED | CANCELLED; ISSUED → BOUND (→ ISSUED again by unbinding
 * before the deadline) → VERIFIED | INVALID → RELEASED; BOUND | VERIFIED → CLAIM_PENDING (filed) →
 * CLAIMED (settled after CONTEST_PERIOD) | CLAIM_CONTESTED → CLAIMED (upheld) | back to BOUND or
 * VERIFIED (dismissed); ISSUED, BOUND, VERIFIED and INVALID guarantees expire after their end. The
 * beneficiary is the tenderer; on chain its rights are exercised by the tender's publishing centre,
 * the only party TenderBook records for a tender.
 *
 * Amounts are integers in the smallest currency unit (分) and must fit in 64 bits. Time is block time.
 *
 * The admin role (two-step transfer, its errors and events) is declared in {IAdminControl}; the
 * errors TenderBook raises too (NotPublisher, UnknownTender, UnknownSection, DeadlinePassed,
 * TooEarly, BatchTooLarge) in {ILedgerErrors}.
 */
interface IGuaranteeBook is IAdminControl, ILedgerErrors {
    /// @notice Issuer types. An issuer type is passed as `uint8`; its value is also its bit in an
    /// issuer's type mask.
    enum IssuerType {
        BANK, // 银行保函
        GUARANTEE_COMPANY, // 担保公司保函
        INSURER // 保证保险保单
    }

    /// @notice Where a guarantee stands.
    enum State {
        NONE, // never applied for
        APPLIED,
        ISSUED,
        REJECTED,
        CANCELLED,
        BOUND, // backs the applicant's bid in (tenderId, section)
        VERIFIED, // checked at opening and found valid
        INVALID, // checked at opening and found invalid
        RELEASED,
        CLAIMED, // a claim was paid out
        EXPIRED,
        CLAIM_PENDING, // a claim is filed; the applicant may contest it until its contest deadline
        CLAIM_CONTESTED // the applicant contested the claim; the admin (governance) decides it
    }

    /// @notice How the guarantee's terms are published: in clear, or sealed until opening.
    enum Form {
        PLAINTEXT, // 明文
        SEALED // 密文: amount and fee may stay 0 on chain until the centre reveals them at opening
    }

    /// @notice The causes for which the beneficiary may claim on a bid guarantee.
    enum ClaimCause {
        WITHDRAWAL_AFTER_DEADLINE, // the bidder withdrew a bid that was live at the deadline
        REFUSED_TO_SIGN, // the winner refused to sign the contract
        NO_PERFORMANCE_BOND, // the winner did not provide the performance bond
        DECRYPTION_FAILED_BY_BIDDER // 撤销: TenderBook recorded FAILED_BIDDER for the bid
    }

    /// @notice The terms an issuer issues a guarantee on. `docHash` is the SHA-256 of the guarantee
    /// document (PDF or OFD). `issuerType` is the type the guarantee is issued under, which the
    /// issuer must hold. `beneficiaryUscc` is the tenderer's USCC (18 ASCII characters, left-aligned,
    /// zero-padded). For `Form.SEALED`, `termsCommitment` is keccak256 of the sealed terms and
    /// `amount` and `fee` may be 0; for `Form.PLAINTEXT` it must be 0 and `amount` must cover the
    /// amount applied for.
    struct IssueTerms {
        bytes32 docHash;
        uint256 amount;
        uint256 fee;
        uint32 rateBps;
        uint64 start;
        uint64 end;
        uint8 form;
        bytes32 termsCommitment;
        uint8 issuerType;
        bytes32 beneficiaryUscc;
    }

    /// @notice A guarantee as stored. `amount` is the amount applied for until issue, then the
    /// issued amount (0 for a sealed guarantee until the centre reveals it at verification).
    /// `closedAt` is the time of release, claim or expiry (0 before); `releasedLate` says a release
    /// came more than RELEASE_PERIOD after the contract signing. The document hash, the terms
    /// commitment and the other terms are not stored: they are in the guarantee's `Issued` log.
    struct Guarantee {
        State state;
        bytes32 tenderId;
        uint16 section;
        address applicant;
        address issuer;
        uint8 issuerType;
        Form form;
        uint256 amount;
        uint64 end;
        uint64 closedAt;
        bool releasedLate;
    }

    /// @notice The last claim filed on a guarantee: its cause, the hash of its evidence, when it was
    /// filed and until when the applicant may contest it, whether it was contested, the state the
    /// guarantee returns to if the claim is dismissed, and the causes the admin has dismissed on this
    /// guarantee (bit `c` for cause `c`; a dismissed cause cannot be claimed again). All 0 when no
    /// claim was ever filed.
    struct Claim {
        ClaimCause cause;
        bytes32 evidenceHash;
        uint64 filedAt;
        uint64 contestDeadline;
        bool contested;
        State priorState;
        uint8 dismissedCauses;
    }

    /// @notice The outcome of a section as recorded from SelectionBook's award: the winner (0 when
    /// the section has none, e.g. 流标), when the award and the contract signing were recorded.
    struct Award {
        address winner;
        uint64 awardedAt;
        uint64 signedAt;
    }

    // ------------------------------------------------------------------ errors: roles

    /// @notice `issuerType` is not one of the three issuer types.
    error InvalidIssuerType(uint8 issuerType);

    /// @notice `issuer` holds no issuer type: nobody may apply to it.
    error NotGuarantor(address issuer);

    /// @notice `issuer` is not authorised to issue guarantees of `issuerType`.
    error IssuerNotAuthorised(address issuer, uint8 issuerType);

    /// @notice `caller` is not the applicant of guarantee `guaranteeId`.
    error NotApplicant(bytes32 guaranteeId, address caller);

    /// @notice `caller` is not the issuer named in guarantee `guaranteeId`.
    error NotIssuer(bytes32 guaranteeId, address caller);

    /// @notice `caller` is neither the issuer of guarantee `guaranteeId` nor its tender's publishing
    /// centre.
    error NotReleaser(bytes32 guaranteeId, address caller);

    // ------------------------------------------------------------------ errors: tenders

    // InvalidTenderBook is declared in {ILedgerErrors}: LotteryBook raises it too.

    /// @notice The outcome of the section has been recorded before, and is still in force.
    error AlreadyAwarded(bytes32 tenderId, uint16 section);

    /// @notice The section has no recorded outcome, or (for a contract signing) no winner.
    error NotAwarded(bytes32 tenderId, uint16 section);

    /// @notice `winner` is not the winner SelectionBook awarded the section (`winnerOf`), or not 0
    /// for a section that failed (流标).
    error InvalidWinner(bytes32 tenderId, uint16 section, address winner);

    /// @notice `selectionBook` holds no code: GuaranteeBook reads each winner from a deployed SelectionBook.
    error InvalidSelectionBook(address selectionBook);

    /// @notice SelectionBook has not awarded the section (评定分离 unfinished, 公示 running, an
    /// objection open) and the section did not fail: there is no outcome to record yet.
    error NotSelected(bytes32 tenderId, uint16 section);

    /// @notice The award recorded for the section, to `winner`, is no longer SelectionBook's: a
    /// complaint upheld after it withdrew the decision (the selection step is redone). Nothing
    /// follows from it (no signing, release or winner's claim) until the award in force is recorded.
    error AwardWithdrawn(bytes32 tenderId, uint16 section, address winner);

    /// @notice The contract signing of the section has been recorded before.
    error AlreadySigned(bytes32 tenderId, uint16 section);

    /// @notice The winner's contract has not been signed yet.
    error ContractNotSigned(bytes32 tenderId, uint16 section);

    /// @notice `signedAt` is before the award or after the block time.
    error InvalidSigningTime(bytes32 tenderId, uint16 section, uint64 signedAt);

    // ------------------------------------------------------------------ errors: guarantees

    /// @notice 0 is not a guarantee id.
    error InvalidGuaranteeId(bytes32 guaranteeId);

    /// @notice Guarantee `guaranteeId` has been applied for before.
    error GuaranteeExists(bytes32 guaranteeId);

    /// @notice Nobody has applied for guarantee `guaranteeId`.
    error UnknownGuarantee(bytes32 guaranteeId);

    /// @notice The state `state` of guarantee `guaranteeId` forbids the action.
    error WrongState(bytes32 guaranteeId, State state);

    /// @notice `amount` is 0 where an amount is required, or is above 2^40 − 1 分 (about 11 billion
    /// 元): a guarantee stores its amount in 40 bits.
    error InvalidAmount(bytes32 guaranteeId, uint256 amount);

    /// @notice A plaintext guarantee for `amount` does not cover the `applied` amount.
    error InsufficientAmount(bytes32 guaranteeId, uint256 amount, uint256 applied);

    /// @notice The terms lack the document hash or the beneficiary's USCC.
    error IncompleteTerms(bytes32 guaranteeId);

    /// @notice `form` is not a form, a sealed guarantee has no terms commitment, or a plaintext one
    /// has one.
    error InvalidForm(bytes32 guaranteeId, uint8 form, bytes32 termsCommitment);

    /// @notice The period does not end after its start and after the block time, or `end` is above
    /// 2^32 − 1 (in 2106): a guarantee stores its end in 32 bits.
    error InvalidPeriod(bytes32 guaranteeId, uint64 start, uint64 end);

    /// @notice Guarantee `guaranteeId` is bound to a bid already.
    error AlreadyBound(bytes32 guaranteeId);

    /// @notice The bid of `bidder` in the section is backed by a bound guarantee already.
    error BidHasGuarantee(bytes32 tenderId, uint16 section, address bidder);

    /// @notice A plaintext guarantee's revealed amount `revealedAmount` differs from its issued
    /// `amount` (pass 0 or the issued amount).
    error AmountMismatch(bytes32 guaranteeId, uint256 amount, uint256 revealedAmount);

    /// @notice Guarantee `guaranteeId` ended at `end`.
    error GuaranteeExpired(bytes32 guaranteeId, uint64 end);

    /// @notice Guarantee `guaranteeId` does not end before `end`.
    error NotExpired(bytes32 guaranteeId, uint64 end);

    /// @notice The facts recorded for guarantee `guaranteeId` do not support a claim for `cause`.
    error NotClaimable(bytes32 guaranteeId, ClaimCause cause);

    /// @notice A claim on guarantee `guaranteeId`, a contest of it or the admin's decision on it
    /// must carry the hash of its evidence or reasons.
    error MissingEvidence(bytes32 guaranteeId);

    /// @notice The claim on guarantee `guaranteeId` could be contested only before `contestDeadline`.
    error ContestPeriodOver(bytes32 guaranteeId, uint64 contestDeadline);

    /// @notice The claim on guarantee `guaranteeId` may be contested until `contestDeadline`: it
    /// cannot be settled before.
    error ContestPeriodOpen(bytes32 guaranteeId, uint64 contestDeadline);

    // ------------------------------------------------------------------ events

    /// @notice Emitted when `issuer` was authorised to issue guarantees of `issuerType`. (The
    /// registry's `IssuerAuthorised` carries a credential kind: a different role, so a different
    /// event.)
    event GuarantorAuthorised(address indexed issuer, uint8 issuerType);

    /// @notice Emitted when `issuer` lost the authority to issue guarantees of `issuerType`.
    event GuarantorWithdrawn(address indexed issuer, uint8 issuerType);

    /// @notice Emitted when `applicant` applied to `issuer` for guarantee `guaranteeId` of `amount`
    /// backing its bid in `section` of tender `tenderId`; `applicationHash` is the hash of the
    /// application file.
    event Applied(
        bytes32 indexed guaranteeId,
        bytes32 indexed tenderId,
        uint16 section,
        address indexed applicant,
        address issuer,
        uint256 amount,
        bytes32 applicationHash
    );

    /// @notice Emitted when `issuer` issued guarantee `guaranteeId` on `terms`: the one record of
    /// the document hash, the terms commitment, the fee, rate, start and beneficiary (the state,
    /// form, issuer type, amount and end are also in `guaranteeOf`). Emitted once per guarantee.
    event Issued(bytes32 indexed guaranteeId, address indexed issuer, IssueTerms terms);

    /// @notice Emitted when the issuer refused guarantee `guaranteeId` for the reason hashing to
    /// `reasonHash`.
    event Rejected(bytes32 indexed guaranteeId, bytes32 reasonHash);

    /// @notice Emitted when the applicant withdrew its application for guarantee `guaranteeId`.
    event Cancelled(bytes32 indexed guaranteeId);

    /// @notice Emitted when guarantee `guaranteeId` was bound to the bid of `bidder` in a section.
    event Bound(bytes32 indexed guaranteeId, bytes32 indexed tenderId, uint16 section, address indexed bidder);

    /// @notice Emitted when guarantee `guaranteeId` was unbound from the bid of `bidder`.
    event Unbound(bytes32 indexed guaranteeId, bytes32 indexed tenderId, uint16 section, address indexed bidder);

    /// @notice Emitted when the centre recorded its check of guarantee `guaranteeId` at opening:
    /// `valid` or not, the amount on chain afterwards (revealed for a sealed guarantee), and the
    /// hash of its report.
    event VerificationRecorded(bytes32 indexed guaranteeId, bool valid, uint256 amount, bytes32 reasonHash);

    /// @notice Emitted when the centre recorded the outcome of a section: `winner`, or 0 for none.
    event AwardRecorded(bytes32 indexed tenderId, uint16 section, address indexed winner);

    /// @notice Emitted, before its `AwardRecorded`, when the award in force replaced a recorded award
    /// to `previousWinner` that an upheld complaint had withdrawn in SelectionBook.
    event AwardReplaced(bytes32 indexed tenderId, uint16 section, address indexed previousWinner);

    /// @notice Emitted when the centre recorded that the winner signed the contract at `signedAt`.
    event ContractSigned(bytes32 indexed tenderId, uint16 section, address indexed winner, uint64 signedAt);

    /// @notice Emitted when `by` released guarantee `guaranteeId`.
    event Released(bytes32 indexed guaranteeId, address indexed by);

    /// @notice Emitted with `Released` when the release came more than RELEASE_PERIOD after the
    /// contract signing at `signedAt`.
    event ReleasedLate(bytes32 indexed guaranteeId, uint64 signedAt, uint64 releasedAt);

    /// @notice Emitted when the centre filed a claim on guarantee `guaranteeId` for `cause`, with
    /// the evidence hashing to `evidenceHash`; the applicant may contest it until `contestDeadline`.
    event ClaimFiled(bytes32 indexed guaranteeId, ClaimCause cause, bytes32 evidenceHash, uint64 contestDeadline);

    /// @notice Emitted when the applicant contested the claim on guarantee `guaranteeId`, for the
    /// reasons hashing to `reasonHash`.
    event ClaimContested(bytes32 indexed guaranteeId, bytes32 reasonHash);

    /// @notice Emitted when the admin (governance) decided the contested claim on guarantee
    /// `guaranteeId`: `upheld` (then `Claimed` follows) or dismissed, for the reasons hashing to
    /// `reasonHash`.
    event ClaimResolved(bytes32 indexed guaranteeId, bool upheld, bytes32 reasonHash);

    /// @notice Emitted when the claim on guarantee `guaranteeId` for `cause`, with the evidence
    /// hashing to `evidenceHash`, was paid out: settled after its contest period, or upheld.
    event Claimed(bytes32 indexed guaranteeId, ClaimCause cause, bytes32 evidenceHash);

    /// @notice Emitted when guarantee `guaranteeId` was marked expired after its end.
    event Expired(bytes32 indexed guaranteeId);

    // ------------------------------------------------------------------ roles

    /// @notice Authorises `issuer` to issue guarantees of `issuerType`. Only the admin may call it;
    /// granting a held type changes nothing and emits nothing.
    function authoriseIssuer(address issuer, uint8 issuerType) external;

    /// @notice Stops `issuer` issuing guarantees of `issuerType`. It keeps its power to reject and
    /// release the guarantees named after it. Only the admin may call it; withdrawing an unheld
    /// type changes nothing and emits nothing.
    function withdrawIssuer(address issuer, uint8 issuerType) external;

    /// @notice Whether `issuer` may issue guarantees of `issuerType` now.
    function isAuthorised(address issuer, uint8 issuerType) external view returns (bool);

    /// @notice The issuer types of `issuer` as a mask: bit `t` set means it holds type `t`.
    function issuerTypes(address issuer) external view returns (uint256);

    // ------------------------------------------------------------------ issuing

    /// @notice The TenderBook whose tenders the guarantees back.
    function tenderBook() external view returns (address);

    /// @notice Applies, as the bidder, to `issuer` for guarantee `guaranteeId` of `amount` backing
    /// the caller's bid in `section` of tender `tenderId`, before its deadline. `issuer` must hold
    /// an issuer type; the id must be new and not 0; `amount` is 1 … 2^40 − 1 分. The guarantee
    /// keeps the tender's TenderBook index (`tenderHeader`), not its id. (`apply` is a reserved
    /// word in Solidity.)
    function applyFor(
        bytes32 guaranteeId,
        bytes32 tenderId,
        uint16 section,
        address issuer,
        uint256 amount,
        bytes32 applicationHash
    ) external;

    /// @notice Issues the guarantee applied for, on terms `t`, logged whole in `Issued`. Only its
    /// issuer may call it, while the guarantee is APPLIED and the issuer holds `t.issuerType`.
    function issue(bytes32 guaranteeId, IssueTerms calldata t) external;

    /// @notice Refuses the application, for the reason hashing to `reasonHash`. Only its issuer may
    /// call it, while the guarantee is APPLIED.
    function reject(bytes32 guaranteeId, bytes32 reasonHash) external;

    /// @notice Withdraws the application. Only the applicant may call it, while it is APPLIED.
    function cancel(bytes32 guaranteeId) external;

    // ------------------------------------------------------------------ bidding and opening

    /// @notice Binds an issued guarantee to the applicant's bid in its tender and section, before
    /// the deadline and the guarantee's end. Only the applicant may call it. A bid is backed by at
    /// most one bound guarantee at a time.
    function bind(bytes32 guaranteeId) external;

    /// @notice Unbinds the guarantee from the applicant's bid before the deadline, making it
    /// ISSUED again. Only the applicant may call it.
    function unbind(bytes32 guaranteeId) external;

    /// @notice Records the centre's check of a bound guarantee at opening: VERIFIED when `valid`,
    /// otherwise INVALID; `reasonHash` is the hash of its report. For a sealed guarantee
    /// `revealedAmount` is the amount the centre read from the opened terms and is stored; for a
    /// plaintext one it must be 0 or the issued amount. Only the tender's publishing centre may
    /// call it, at or after the deadline.
    function recordVerification(bytes32 guaranteeId, bool valid, bytes32 reasonHash, uint256 revealedAmount)
        external;

    /// @notice The guarantee bound to the bid of `bidder` in `section` of tender `tenderId`, or 0.
    /// It stays recorded after the guarantee is released, claimed or expired.
    function guaranteeOfBid(bytes32 tenderId, uint16 section, address bidder) external view returns (bytes32);

    /// @notice Guarantee `guaranteeId` (state NONE if unknown).
    function guaranteeOf(bytes32 guaranteeId) external view returns (Guarantee memory);

    // ------------------------------------------------------------------ award and release

    /// @notice The longest a guarantee may stay unreleased after the winner's contract signing.
    function RELEASE_PERIOD() external view returns (uint64);

    /// @notice The most guarantees one `releaseMany` call may release.
    function MAX_BATCH() external view returns (uint256);

    /// @notice Records the outcome of a section: `winner` must be the winner SelectionBook
    /// awarded the section after 评定分离 and 公示 (`ISelectionBook.winnerOf`), or 0 for a section
    /// that failed in TenderBook (流标); the centre names no winner of its own. From then on every
    /// other bound guarantee of the section may be released. Once per award: a recorded award
    /// counts only while SelectionBook's decision is the one it followed (an upheld complaint
    /// withdraws it; then signing, release and the winner's claims refuse with `AwardWithdrawn`),
    /// and the next award SelectionBook makes replaces it here (`AwardReplaced`). Only the
    /// publishing centre may call it, at or after the deadline.
    function recordAward(bytes32 tenderId, uint16 section, address winner) external;

    /// @notice Records, once, that the winner signed the contract at `signedAt` (not before the
    /// award, not after now); the winner's guarantee may then be released, and every guarantee of
    /// the section should be within RELEASE_PERIOD. Only the publishing centre may call it.
    function recordContractSigned(bytes32 tenderId, uint16 section, uint64 signedAt) external;

    /// @notice The recorded outcome of a section in force: all zero before the award, and after an
    /// upheld complaint withdrew it until the next award is recorded.
    function awardOf(bytes32 tenderId, uint16 section) external view returns (Award memory);

    /// @notice Releases a BOUND, VERIFIED or INVALID guarantee once its section's outcome is
    /// recorded and still in force; the winner's only after its contract signing. Only the issuer or the tender's
    /// publishing centre may call it. A release more than RELEASE_PERIOD after the signing is
    /// recorded as late.
    function release(bytes32 guaranteeId) external;

    /// @notice Releases every guarantee in `guaranteeIds`, each as by `release`. All or none: one
    /// guarantee that cannot be released reverts the call. At most MAX_BATCH ids.
    function releaseMany(bytes32[] calldata guaranteeIds) external;

    // ------------------------------------------------------------------ claims and expiry

    /// @notice How long the applicant may contest a claim once it is filed.
    function CONTEST_PERIOD() external view returns (uint64);

    /// @notice Files a claim on a BOUND or VERIFIED guarantee for `cause`, for the tenderer, with the
    /// evidence hashing to `evidenceHash`, no later than the guarantee's end; the guarantee becomes
    /// CLAIM_PENDING and nothing is paid before the contest period is over. Only the tender's
    /// publishing centre may call it. The contract checks what the chain knows: for
    /// WITHDRAWAL_AFTER_DEADLINE, a deadline passed with the applicant's bid live and not recorded as
    /// FAILED_OTHER (撤回, no penalty); for DECRYPTION_FAILED_BY_BIDDER, TenderBook's FAILED_BIDDER
    /// outcome (撤销, recorded with the ciphertext the bidder committed to); for REFUSED_TO_SIGN
    /// (before any recorded signing) and NO_PERFORMANCE_BOND, the section's recorded award to the
    /// applicant. A cause the admin dismissed on this guarantee before is not claimable again.
    function claim(bytes32 guaranteeId, ClaimCause cause, bytes32 evidenceHash) external;

    /// @notice Contests the pending claim on the caller's guarantee, for the reasons hashing to
    /// `reasonHash`, before the claim's contest deadline; the claim then waits for the admin. Only
    /// the applicant may call it.
    function contestClaim(bytes32 guaranteeId, bytes32 reasonHash) external;

    /// @notice Pays out an uncontested claim once its contest period is over: the guarantee becomes
    /// CLAIMED. Anyone may call it.
    function settleClaim(bytes32 guaranteeId) external;

    /// @notice Decides a contested claim, for the reasons hashing to `reasonHash`: `upheld` pays it
    /// out (CLAIMED); otherwise the guarantee returns to the state it had before the claim
    /// (releasable again) and the claim's cause cannot be claimed again on it. Only the admin (the
    /// consortium's governance) may call it.
    function resolveClaim(bytes32 guaranteeId, bool upheld, bytes32 reasonHash) external;

    /// @notice The last claim filed on guarantee `guaranteeId` (all 0 if none).
    function claimOf(bytes32 guaranteeId) external view returns (Claim memory);

    /// @notice Marks an ISSUED, BOUND, VERIFIED or INVALID guarantee expired after its end (a
    /// guarantee with a claim pending does not expire: the claim was filed in time). Anyone may
    /// call it.
    function expire(bytes32 guaranteeId) external;
}
