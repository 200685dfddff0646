// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAdminControl} from "../access/IAdminControl.sol";
import {ILedgerErrors} from "./ILedgerErrors.sol";

/**
 * @title ITenderBook
 * @notice Sealed-bid tenders. Trading centres, authorised by the admin, publish a tender with every
 * outcome-deciding parameter fixed on chain (by hash) before any bid; a change is an amendment that
 * bumps the tender's version. Bidders submit commitments to their sealed bids before the deadline,
 * by their own transaction or through a relayer with an EIP-712 signature. After the deadline the
 * tender's opening officers release their shares of the opening key (k of n rebuild it); the centre
 * records each opening attempt with its outcome, and a decrypted bid reveals the credentials it
 * ticked, each logged as used. Sections then close, or fail with too few valid bids (流标), and the
 * evaluation report is anchored.
 *
 * Sections are numbered 0 … sectionCount − 1. Time is block time; a bid is late at the deadline.
 * The time rules of the law are the contract's: a tender is issued at the block time of its
 * publication and its deadline is at least MIN_BID_PERIOD (20 days, 招标投标法 Art. 24) later; an
 * amendment is a clarification or change of the documents, so it comes at least
 * MIN_AMENDMENT_NOTICE (15 days, Art. 23) before the deadline, or the deadline moves out until it
 * does; a deadline never moves earlier.
 *
 * The admin role (two-step transfer, its errors and events) is declared in {IAdminControl}; the
 * errors GuaranteeBook raises too (NotPublisher, UnknownTender, UnknownSection, DeadlinePassed,
 * TooEarly, BatchTooLarge) in {ILedgerErrors}.
 */
interface ITenderBook is IAdminControl, ILedgerErrors {
    /// @notice Outcome of an opening attempt.
    enum Outcome {
        DECRYPTED, // opened; the revealed ciphertext and credentials match the commitment
        FAILED_BIDDER, // 撤销: failure caused by the bidder; its guarantee may be claimed
        FAILED_OTHER // 撤回: failure for any other cause; no penalty
    }

    /// @notice Where a section stands after its deadline.
    enum SectionStatus {
        PENDING, // bidding or opening
        CLOSED, // at least minValidBids valid bids: goes to evaluation
        FAILED, // 流标: fewer than minValidBids valid bids
        EVALUATED // an evaluation report was published
    }

    /// @notice Everything fixed when a tender is published.
    /// @dev `paramsHash` is keccak256 of the canonical JSON of every outcome-deciding parameter
    /// (sections, requirements, guarantee amount, evaluation method, shortlist size, selection
    /// method and its parameters). `shareHashes[i]` is keccak256 of the opening-key share of
    /// `officers[i]`; any `threshold` of them rebuild the X25519 key `openingPublicKey` belongs to.
    /// `selection` is the selection method the params name, as a {SelectionRule} word (method code
    /// in the low byte, 价格竞争's n in the high byte): SelectionBook decides only on a basis it allows.
    struct TenderParams {
        bytes32 docHash;
        bytes32 paramsHash;
        uint16 sectionCount;
        uint64 deadline;
        uint64 openingWindow;
        uint8 minValidBids;
        uint16 selection;
        bytes32 openingPublicKey;
        uint8 threshold;
        bytes32[] shareHashes;
        address[] officers;
    }

    /// @notice A bid signed by `bidder` for a relayer to submit: the EIP-712 struct
    /// `Bid(bytes32 tenderId,uint16 section,bytes32 commitment,uint256 nonce,uint64 expiry)` plus
    /// the signer and its 65-byte signature (r ‖ s ‖ v).
    struct BidAuth {
        bytes32 tenderId;
        uint16 section;
        bytes32 commitment;
        address bidder;
        uint256 nonce;
        uint64 expiry;
        bytes signature;
    }

    /// @notice A bidder's bid in one section: its live commitment (0 when withdrawn or never made),
    /// the number of submissions so far, whether and how it was opened, and the price (in 分) the
    /// opening read from the decrypted bid (0 unless DECRYPTED). The price shares the slot of the
    /// counters: recording it costs the opening no extra storage slot.
    struct Bid {
        bytes32 commitment;
        uint32 version;
        bool opened;
        Outcome outcome;
        uint64 price;
    }

    /// @notice One section's counters and state. `bids` counts live bids; `opened` counts recorded
    /// opening attempts, `decrypted` the successful ones; `validBids` is what the centre declared at
    /// closing; `evaluations` counts published reports, the last of which is `reportHash`.
    struct Section {
        SectionStatus status;
        uint32 bids;
        uint32 opened;
        uint32 decrypted;
        uint16 validBids;
        uint16 evaluations;
        bytes32 reportHash;
    }

    // ------------------------------------------------------------------ errors: roles

    /// @notice `caller` is not an authorised trading centre.
    error NotCentre(address caller);

    /// @notice `caller` is not an opening officer of tender `tenderId`.
    error NotOfficer(bytes32 tenderId, address caller);

    // ------------------------------------------------------------------ errors: tenders

    /// @notice A tender `tenderId` has been published before.
    error TenderExists(bytes32 tenderId);

    /// @notice A tender needs at least one section.
    error InvalidSectionCount(bytes32 tenderId, uint16 sectionCount);

    /// @notice A tender needs a minimum of at least one valid bid per section.
    error InvalidMinValidBids(bytes32 tenderId, uint8 minValidBids);

    /// @notice The bid period is too short: tender `tenderId`, issued at block time `issuedAt`, asks
    /// for `deadline`, but the deadline is at least MIN_BID_PERIOD after the issue, at `earliest`.
    error BidPeriodTooShort(bytes32 tenderId, uint64 issuedAt, uint64 deadline, uint64 earliest);

    /// @notice An amendment asked to bring the deadline of tender `tenderId` forward from `deadline` to
    /// `newDeadline`: a deadline never moves earlier.
    error DeadlineBroughtForward(bytes32 tenderId, uint64 deadline, uint64 newDeadline);

    /// @notice Tender `tenderId` asked for a deadline after `latest` (2^32 − 1, in 2106): deadlines
    /// are stored in 32 bits, so that a tender's header (centre, deadline, index, sections, opening
    /// counters) stays one storage slot.
    error DeadlineTooLate(bytes32 tenderId, uint64 deadline, uint64 latest);

    /// @notice The opening committee breaks 2 ≤ threshold ≤ officers ≤ MAX_OFFICERS, or there is
    /// not one share hash per officer.
    error InvalidCommittee(bytes32 tenderId, uint8 threshold, uint256 officers, uint256 shareHashes);

    /// @notice `officer` is the zero address or appears twice in the committee.
    error InvalidOfficer(bytes32 tenderId, address officer);

    /// @notice `selection` is not a {SelectionRule} word: no method 1 … 6, or a price rule byte on a
    /// method other than 价格竞争.
    error InvalidSelection(bytes32 tenderId, uint16 selection);

    // ------------------------------------------------------------------ errors: bids

    /// @notice A bid reached tender `tenderId` at block time `blockTime`, at or after its deadline.
    error LateBid(bytes32 tenderId, uint64 deadline, uint64 blockTime);

    /// @notice A commitment of 0 is reserved for "no bid".
    error EmptyCommitment(bytes32 tenderId, uint16 section, address bidder);

    /// @notice `bidder` has no live bid in section `section` of tender `tenderId`.
    error NoBid(bytes32 tenderId, uint16 section, address bidder);

    /// @notice The signature of `bidder` expired at `expiry`, before block time `blockTime`.
    error SignatureExpired(address bidder, uint64 expiry, uint64 blockTime);

    /// @notice `nonce` cannot be used for `bidder`: its next unused nonce is `expected`.
    error BadNonce(address bidder, uint256 nonce, uint256 expected);

    /// @notice The signature is malformed or was not made by `bidder`.
    error BadSignature(address bidder, uint256 nonce);

    // ------------------------------------------------------------------ errors: opening

    /// @notice `officer` has already released its share of tender `tenderId`.
    error AlreadyReleased(bytes32 tenderId, address officer);

    /// @notice The share does not hash to the share hash fixed for `officer` at publication.
    error WrongShare(bytes32 tenderId, address officer);

    /// @notice Only `released` of the `threshold` shares needed to open tender `tenderId` are out.
    error SharesMissing(bytes32 tenderId, uint8 released, uint8 threshold);

    /// @notice The section's status `status` forbids the action.
    error WrongSectionStatus(bytes32 tenderId, uint16 section, SectionStatus status);

    /// @notice The section has only `bids` live bids, fewer than the `minValidBids` needed to open it.
    error TooFewBids(bytes32 tenderId, uint16 section, uint32 bids, uint8 minValidBids);

    /// @notice The bid of `bidder` in this section has already been opened.
    error AlreadyOpened(bytes32 tenderId, uint16 section, address bidder);

    /// @notice The revealed credential ids are not strictly ascending at `credentialId`.
    error UnsortedCredentials(bytes32 tenderId, uint16 section, address bidder, bytes32 credentialId);

    /// @notice A bid reveals `count` credential ids, more than MAX_CREDENTIALS.
    error TooManyCredentials(bytes32 tenderId, uint16 section, address bidder, uint256 count);

    /// @notice A failed opening cannot reveal credentials.
    error UnexpectedCredentials(bytes32 tenderId, uint16 section, address bidder);

    /// @notice A decrypted bid is recorded with its price (in 分, above 0); a failed one with none.
    error InvalidPrice(bytes32 tenderId, uint16 section, address bidder, uint64 price);

    /// @notice The revealed ciphertext hash, salt and credentials (or, for a failed opening, the
    /// ciphertext hash and credential-set commitment) do not rebuild the bid's commitment.
    error RevealMismatch(bytes32 tenderId, uint16 section, address bidder);

    /// @notice `unopened` live bids of the section have no recorded opening attempt yet.
    error BidsUnopened(bytes32 tenderId, uint16 section, uint32 unopened);

    /// @notice `validBids` valid bids were declared, but only `decrypted` bids were decrypted.
    error TooManyValidBids(bytes32 tenderId, uint16 section, uint16 validBids, uint32 decrypted);

    // ------------------------------------------------------------------ events

    /// @notice Emitted when `centre` was authorised to publish tenders.
    event CentreAuthorised(address indexed centre);

    /// @notice Emitted when `centre` lost the authority to publish tenders. It still runs the
    /// tenders it published before.
    event CentreWithdrawn(address indexed centre);

    /// @notice Emitted when `centre` published tender `tenderId` (its first `version`, 1) with
    /// `params`, exactly as passed and stored: hashes, sections, deadline, opening window, minimum
    /// of valid bids, opening public key, threshold, share hashes and officers.
    event TenderPublished(bytes32 indexed tenderId, address indexed centre, uint32 version, TenderParams params);

    /// @notice Emitted when tender `tenderId` was amended to `version`, for the reason whose
    /// document hashes to `reasonHash`. `requestedDeadline` is the deadline the centre asked for;
    /// `deadline` is the one in force: later than the requested one when the amendment came less
    /// than MIN_AMENDMENT_NOTICE before it, and the contract postponed it to the amendment's block
    /// time + MIN_AMENDMENT_NOTICE. `selection` is the selection word in force from this version.
    event TenderAmended(
        bytes32 indexed tenderId,
        uint32 version,
        bytes32 docHash,
        bytes32 paramsHash,
        uint16 selection,
        uint64 deadline,
        uint64 requestedDeadline,
        bytes32 reasonHash
    );

    /// @notice Emitted when `bidder` submitted (or replaced) its bid in a section; `version` counts
    /// its submissions there.
    event BidSubmitted(
        bytes32 indexed tenderId, uint16 section, address indexed bidder, bytes32 commitment, uint32 version
    );

    /// @notice Emitted when `bidder` withdrew its bid of `version` from a section.
    event BidWithdrawn(bytes32 indexed tenderId, uint16 section, address indexed bidder, uint32 version);

    /// @notice Emitted when a relayed signed bid (or withdrawal) of `bidder` used `nonce`; the
    /// bidder's next nonce is `nonce` + 1.
    event NonceUsed(address indexed bidder, uint256 nonce);

    /// @notice Emitted when `bidder` made every nonce below `nextNonce` unusable.
    event NoncesCancelled(address indexed bidder, uint256 nextNonce);

    /// @notice Emitted when `officer` released its opening-key `share` of tender `tenderId`.
    event ShareReleased(bytes32 indexed tenderId, address indexed officer, bytes share);

    /// @notice Emitted, once per credential, when the opened bid of `bidder` revealed `credentialId`.
    event CredentialUsed(
        bytes32 indexed tenderId, uint16 section, address indexed bidder, bytes32 indexed credentialId
    );

    /// @notice Emitted when the bid of `bidder` was opened, revealing `credentialCount` credentials
    /// and its `price` in 分 (anyone can check it by decrypting the ciphertext hashing to
    /// `ciphertextHash` with the released shares).
    event BidOpened(
        bytes32 indexed tenderId,
        uint16 section,
        address indexed bidder,
        bytes32 ciphertextHash,
        bytes32 credSetCommitment,
        uint256 credentialCount,
        uint64 price
    );

    /// @notice Emitted when opening the bid of `bidder` failed with `outcome`. `ciphertextHash` and
    /// `credSetCommitment` rebuild the bid's commitment (both 0 for a 撤回 recorded without the
    /// ciphertext): the ciphertext hashing to `ciphertextHash` is the one the bidder committed to.
    event DecryptionFailed(
        bytes32 indexed tenderId,
        uint16 section,
        address indexed bidder,
        Outcome outcome,
        bytes32 ciphertextHash,
        bytes32 credSetCommitment
    );

    /// @notice Emitted when a section closed with `validBids` valid bids, enough for evaluation.
    event SectionClosed(bytes32 indexed tenderId, uint16 section, uint16 validBids);

    /// @notice Emitted when a section failed (流标) with only `validBids` valid bids.
    event SectionFailed(bytes32 indexed tenderId, uint16 section, uint16 validBids);

    /// @notice Emitted when evaluation report `revision` of a section, hashing to `reportHash`, was
    /// published.
    event EvaluationPublished(bytes32 indexed tenderId, uint16 section, bytes32 reportHash, uint16 revision);

    // ------------------------------------------------------------------ roles

    /// @notice Authorises `centre` to publish tenders. Only the admin may call it; authorising
    /// again changes nothing and emits nothing.
    function authoriseCentre(address centre) external;

    /// @notice Stops `centre` publishing new tenders. It keeps running the tenders it published.
    /// Only the admin may call it; withdrawing a non-centre changes nothing and emits nothing.
    function withdrawCentre(address centre) external;

    /// @notice Whether `account` may publish tenders now.
    function isCentre(address account) external view returns (bool);

    // ------------------------------------------------------------------ tenders

    /// @notice The most opening officers a tender may have.
    function MAX_OFFICERS() external view returns (uint8);

    /// @notice The shortest bid period, 20 days (招标投标法 Art. 24): a tender's deadline is at least
    /// this long after its issue, the block time of its publication.
    function MIN_BID_PERIOD() external view returns (uint64);

    /// @notice How long before the deadline an amendment must come, 15 days (招标投标法 Art. 23); a
    /// later amendment postpones the deadline to its own block time plus this.
    function MIN_AMENDMENT_NOTICE() external view returns (uint64);

    /// @notice Publishes tender `tenderId` with parameters `p`, all fixed from now on except by
    /// `amendTender`. Only an authorised centre may call it. The tender's issue time is the block
    /// time (`issuedAt` in `tenderOf`), and `p.deadline` must be at least MIN_BID_PERIOD after it
    /// (`BidPeriodTooShort`) and no later than 2^32 − 1 (`DeadlineTooLate`). The tender gets the next
    /// index (`tenderCount()` + 1), which `tenderHeader` returns and `tenderAt` resolves.
    function publishTender(bytes32 tenderId, TenderParams calldata p) external;

    /// @notice Replaces the document hash, parameters hash, selection word and deadline of tender `tenderId` and
    /// bumps its version. Only its publishing centre may call it, before the deadline
    /// (`DeadlinePassed`). Every amendment clarifies or changes the documents, so the rule of
    /// 招标投标法 Art. 23 applies to each: the deadline in force becomes the later of `newDeadline`
    /// and the block time + MIN_AMENDMENT_NOTICE, and `TenderAmended` carries both. `newDeadline`
    /// may not be earlier than the current deadline (`DeadlineBroughtForward`) nor later than
    /// 2^32 − 1 (`DeadlineTooLate`). `selection` is the
    /// amended parameters' selection word, checked as at publication (`InvalidSelection`).
    function amendTender(
        bytes32 tenderId,
        bytes32 docHash,
        bytes32 paramsHash,
        uint16 selection,
        uint64 newDeadline,
        bytes32 reasonHash
    ) external;

    /// @notice The selection word of tender `tenderId` in force (0 if unknown): the {SelectionRule}
    /// word fixed at publication or by the last amendment, which SelectionBook checks every
    /// decision's basis against.
    function selectionOf(bytes32 tenderId) external view returns (uint16);

    /// @notice The publishing centre, version, issue time (the block time of publication) and
    /// current parameters of tender `tenderId` (all 0 if unknown).
    function tenderOf(bytes32 tenderId)
        external
        view
        returns (address centre, uint32 version, uint64 issuedAt, TenderParams memory params);

    /// @notice What another contract needs to know of tender `tenderId` to act on it, read from
    /// one storage slot (all 0 if unknown): the publishing centre, the current deadline, the number
    /// of sections, the opening threshold, how many shares are out and the tender's index (its
    /// place in the order of publication, from 1). GuaranteeBook reads it for every step that
    /// depends on the tender, and keeps the index instead of the tender id; `tenderOf` also copies
    /// the committee.
    function tenderHeader(bytes32 tenderId)
        external
        view
        returns (
            address centre,
            uint64 deadline,
            uint16 sectionCount,
            uint8 threshold,
            uint8 sharesReleased,
            uint32 index
        );

    /// @notice The tender with index `index` (see `tenderHeader`) and its header, in two storage
    /// slots; all 0 if no tender has that index. Indices are 1 … `tenderCount()`, given in the order
    /// of publication: the n-th `TenderPublished` log is the tender with index n.
    function tenderAt(uint32 index)
        external
        view
        returns (
            bytes32 tenderId,
            address centre,
            uint64 deadline,
            uint16 sectionCount,
            uint8 threshold,
            uint8 sharesReleased
        );

    /// @notice How many tenders have been published: the highest index given.
    function tenderCount() external view returns (uint32);

    // ------------------------------------------------------------------ bids

    /// @notice The most bids one `submitBidsBySig` call may carry.
    function MAX_BATCH() external view returns (uint256);

    /// @notice Submits the caller's bid `commitment` in `section`, replacing its live bid there if
    /// any. Rejected at or after the deadline. The commitment is
    /// keccak256(abi.encode(chainId, this, tenderId, section, bidder, ciphertextHash, credSetCommitment)).
    function submitBid(bytes32 tenderId, uint16 section, bytes32 commitment) external;

    /// @notice Withdraws the caller's live bid in `section`, before the deadline.
    function withdrawBid(bytes32 tenderId, uint16 section) external;

    /// @notice Submits bids signed by their bidders; anyone may relay them. All or none: any
    /// expired, misnumbered, badly signed or late bid reverts the whole batch. Each bidder's
    /// nonces are used in order, one per bid. A signed bid with a zero commitment withdraws the
    /// bidder's live bid in that section (before the deadline), so withdrawing needs no funds.
    function submitBidsBySig(BidAuth[] calldata bids) external;

    /// @notice Makes every unused nonce of the caller below `nextNonce` unusable, cancelling
    /// signed bids not yet relayed. `nextNonce` must exceed the next unused nonce.
    function cancelNonces(uint256 nextNonce) external;

    /// @notice The next nonce a signed bid of `bidder` must carry.
    function nonces(address bidder) external view returns (uint256);

    /// @notice The bid of `bidder` in `section` of tender `tenderId`.
    function bidOf(bytes32 tenderId, uint16 section, address bidder) external view returns (Bid memory);

    /// @notice The number of live bids in `section` of tender `tenderId`.
    function bidCount(bytes32 tenderId, uint16 section) external view returns (uint32);

    // ------------------------------------------------------------------ opening and closing

    /// @notice The most credentials one opened bid may reveal.
    function MAX_CREDENTIALS() external view returns (uint256);

    /// @notice Releases the caller's opening-key share of tender `tenderId`, which must hash to the
    /// share hash fixed at publication. Only an officer of the tender may call it, at or after the
    /// deadline, once.
    function releaseShare(bytes32 tenderId, bytes calldata share) external;

    /// @notice How many officers have released their shares of tender `tenderId`.
    function sharesReleased(bytes32 tenderId) external view returns (uint8);

    /// @notice Records the opening attempt of the live bid of `bidder` in `section`, once. Only the
    /// publishing centre may call it, once `threshold` shares are out, while the section is
    /// pending and has at least `minValidBids` live bids (with fewer, nothing is opened and the
    /// section can only fail). For `DECRYPTED`, `credSet` is the salt: `ciphertextHash`, the salt
    /// and `credentialIds` (strictly ascending) must rebuild the bid's commitment, and each
    /// credential is logged as used. For a failure `credentialIds` must be empty and `credSet` is
    /// the bid's credential-set commitment (the salt stays sealed): for FAILED_BIDDER (撤销, which
    /// lets the tenderer claim the bid's guarantee) `ciphertextHash` and `credSet` must rebuild the
    /// bid's commitment, so the ciphertext named is the one the bidder committed to and anyone can
    /// rerun its decryption with the released shares; for FAILED_OTHER (撤回) they must too, unless
    /// both are 0 (the centre holds no ciphertext the bidder committed to). A mismatch reverts with
    /// `RevealMismatch`. A decrypted bid is recorded with its `price` in 分 (> 0), read from the
    /// decrypted package: SelectionBook checks a 价格竞争 decision against it; a failure with
    /// `price` 0 (`InvalidPrice` otherwise). Attempts after the opening window are still recorded;
    /// their block time shows them late.
    function recordOpening(
        bytes32 tenderId,
        uint16 section,
        address bidder,
        Outcome outcome,
        bytes32 ciphertextHash,
        bytes32 credSet,
        bytes32[] calldata credentialIds,
        uint64 price
    ) external;

    /// @notice Closes a pending section with `validBids` valid bids (at most the decrypted ones):
    /// fewer than the tender's `minValidBids` fails it (流标). Only the publishing centre may call
    /// it, at or after the deadline; when the section has at least `minValidBids` live bids, each
    /// must have a recorded opening attempt first.
    function closeSection(bytes32 tenderId, uint16 section, uint16 validBids) external;

    /// @notice Anchors the evaluation report of a closed section; a later call publishes a new
    /// revision. Only the publishing centre may call it.
    function publishEvaluation(bytes32 tenderId, uint16 section, bytes32 reportHash) external;

    /// @notice The counters and status of `section` of tender `tenderId`.
    function sectionOf(bytes32 tenderId, uint16 section) external view returns (Section memory);

    // ------------------------------------------------------------------ hashing rules

    /// @notice The EIP-712 domain separator: name "TenderBook", version "1", this chain and contract.
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The EIP-712 digest a bidder signs for `submitBidsBySig`.
    function bidDigest(bytes32 tenderId, uint16 section, bytes32 commitment, uint256 nonce, uint64 expiry)
        external
        view
        returns (bytes32);

    /// @notice keccak256(abi.encode(salt, credentialIds)), ids strictly ascending.
    function credSetCommitment(bytes32 salt, bytes32[] calldata credentialIds) external pure returns (bytes32);

    /// @notice keccak256(abi.encode(chainId, this, tenderId, section, bidder, ciphertextHash,
    /// credSetCommitment_)): the commitment a bid must carry.
    function bidCommitment(
        bytes32 tenderId,
        uint16 section,
        address bidder,
        bytes32 ciphertextHash,
        bytes32 credSetCommitment_
    ) external view returns (bytes32);
}
