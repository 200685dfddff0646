// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILedgerErrors} from "./ILedgerErrors.sol";
import {ILotteryDraws} from "./ILotteryDraws.sol";

/**
 * @title ILotteryBook
 * @notice Verifiable lotteries (摇号) of 评定分离 — committee draws, a tie at the shortlist's cut,
 * selection lotteries — computed by the contract itself, so that no one can steer or stall them.
 *
 * The publishing centre of a TenderBook tender opens a draw: its parties (in the order their seeds
 * combine), its candidates (in a fixed order), how many to pick, a commit deadline and a per-draw
 * key on alt_bn128, `pk = sk·G`, whose private key `sk` is split k-of-n among officers (the keccak
 * of each share is fixed at opening). Before the deadline each party commits its seed sealed to
 * `pk`: `R = ρ·G`, `S = ρ·pk`, `C = seed XOR keccak256(abi.encode(S.x, S.y, drawId, party))`, and
 * submits `(R.x, R.y, C)`. Nobody reveals anything: once no more seed can come in (the deadline, or
 * every party committed), the officers release their shares on chain, anyone combines `threshold`
 * of them into `sk` and calls `finishDraw`, and the contract decrypts every seed itself
 * (`S = sk·R`), combines them (`keccak256(abi.encodePacked(seed_1, …, seed_m))`) and draws by
 * partial Fisher–Yates — the definitions of `ledger.rules.lottery`. A party that did not commit
 * contributes `bytes32(0)`. A seed is fixed when committed and unknown to all until the key is out,
 * so nothing done after the deadline (withholding included) changes the outcome.
 *
 * Time is block time. The errors shared with TenderBook (NotPublisher, UnknownTender,
 * UnknownSection, BatchTooLarge) are declared in {ILedgerErrors}; NotCentre in {ITenderBook}.
 */
interface ILotteryBook is ILedgerErrors, ILotteryDraws {
    /// @notice Where a draw stands.
    enum Status {
        NONE, // never opened
        OPEN, // taking sealed seeds (until the deadline), then the key's shares
        FINISHED // decrypted and drawn: the picks are final
    }

    /// @notice Everything fixed about a draw and where it stands. `committed[i]` says whether
    /// `parties[i]` sealed a seed; `picks` is empty until the draw is finished.
    struct DrawView {
        Status status;
        bytes32 tenderId;
        uint16 section;
        uint16 round;
        uint16 k;
        uint8 threshold;
        uint8 sharesReleased;
        uint16 commits;
        uint64 commitDeadline;
        uint256 publicKeyX;
        uint256 publicKeyY;
        address[] parties;
        bool[] committed;
        bytes32[] candidates;
        address[] officers;
        bytes32[] shareHashes;
        bytes32[] picks;
    }

    /// @notice What one party submitted: its ephemeral point R and its ciphertext C (all 0 if it
    /// did not commit).
    struct SealedSeed {
        uint256 rx;
        uint256 ry;
        bytes32 ciphertext;
    }

    // ------------------------------------------------------------------ errors: opening

    /// @notice A draw `drawId` (the same tender, section, purpose and round) was opened already.
    error DrawExists(bytes32 drawId);

    /// @notice `purpose` is not one of committee, reserve, shortlist, selection.
    error InvalidPurpose(string purpose);

    /// @notice The draw's sizes break 2 ≤ parties ≤ MAX_PARTIES, 1 ≤ k ≤ candidates ≤
    /// MAX_CANDIDATES, 2 ≤ threshold ≤ officers ≤ MAX_OFFICERS with one share hash per officer, or
    /// the commit deadline is not after the block time.
    error InvalidDrawParameters(
        uint256 parties, uint256 candidates, uint256 k, uint256 threshold, uint256 officers, uint256 shareHashes
    );

    /// @notice The commit deadline `deadline` of draw `drawId` is not after the block time.
    error InvalidCommitDeadline(bytes32 drawId, uint64 deadline);

    /// @notice `party` is the zero address or listed twice among the draw's parties.
    error InvalidParty(bytes32 drawId, address party);

    /// @notice `officer` is the zero address or listed twice among the draw's officers.
    error InvalidDrawOfficer(bytes32 drawId, address officer);

    /// @notice The candidates are not in strictly ascending order (as uint256) at position `index`:
    /// a candidate appears once, and the order is the one rule fixes (`by_address`), not a choice.
    error UnsortedCandidates(uint256 index);

    /// @notice (x, y) is not a point of alt_bn128 other than the point at infinity.
    error BadPoint(uint256 x, uint256 y);

    // ------------------------------------------------------------------ errors: seeds, shares, finish

    /// @notice No draw `drawId` was opened.
    error UnknownDraw(bytes32 drawId);

    /// @notice `caller` is not a party of draw `drawId`.
    error NotParty(bytes32 drawId, address caller);

    /// @notice `party` has committed its seed to draw `drawId` already: a seed is fixed once.
    error AlreadyCommitted(bytes32 drawId, address party);

    /// @notice The commit deadline `deadline` of draw `drawId` has passed at block time `blockTime`.
    error CommitClosed(bytes32 drawId, uint64 deadline, uint64 blockTime);

    /// @notice Seeds may still come in to draw `drawId`: its deadline `deadline` is not reached and
    /// only `commits` of its `parties` committed. No share is released and nothing drawn before.
    error CommitPeriodOpen(bytes32 drawId, uint64 deadline, uint16 commits, uint256 parties);

    /// @notice `caller` is not an officer of draw `drawId`.
    error NotDrawOfficer(bytes32 drawId, address caller);

    /// @notice The share does not hash to the share hash fixed for `officer` when the draw opened.
    error WrongDrawShare(bytes32 drawId, address officer);

    /// @notice `officer` released its share of draw `drawId` already.
    error DrawShareAlreadyReleased(bytes32 drawId, address officer);

    /// @notice The key given is not the private key of draw `drawId`'s public key (sk·G ≠ pk).
    error WrongDrawKey(bytes32 drawId);

    /// @notice Draw `drawId` is finished: its picks are final.
    error DrawAlreadyFinished(bytes32 drawId);

    // ------------------------------------------------------------------ events

    /// @notice Emitted when draw `drawId` is opened, with everything fixed about it.
    event DrawOpened(
        bytes32 indexed drawId,
        bytes32 indexed tenderId,
        uint16 section,
        string purpose,
        uint16 round,
        address[] parties,
        bytes32[] candidates,
        uint16 k,
        uint256 publicKeyX,
        uint256 publicKeyY,
        uint64 commitDeadline,
        address[] officers,
        bytes32[] shareHashes,
        uint8 threshold
    );

    /// @notice Emitted when `party` commits its sealed seed (R, C) to draw `drawId`.
    event SeedCommitted(bytes32 indexed drawId, address indexed party, uint256 rx, uint256 ry, bytes32 ciphertext);

    /// @notice Emitted when `officer` releases its `share` of draw `drawId`'s key.
    event DrawShareReleased(bytes32 indexed drawId, address indexed officer, bytes share);

    /// @notice Emitted when draw `drawId` is finished: each party's decrypted seed in listed order
    /// (0 for a party that did not commit) and the picks in draw order.
    event DrawFinished(bytes32 indexed drawId, bytes32[] seeds, bytes32[] picks);

    // ------------------------------------------------------------------ constants

    /// @notice The TenderBook whose tenders and centres draws belong to.
    function tenderBook() external view returns (address);

    /// @notice The most parties a draw may have.
    function MAX_PARTIES() external view returns (uint256);

    /// @notice The most candidates a draw may have.
    function MAX_CANDIDATES() external view returns (uint256);

    /// @notice The most officers a draw's key may be split among.
    function MAX_OFFICERS() external view returns (uint256);

    // ------------------------------------------------------------------ steps

    /// @notice Opens the draw `drawId = keccak256(abi.encode(tenderId, section, purpose, round))`
    /// and returns its id. Only the centre that published tender `tenderId`, while it is an
    /// authorised centre, may call it. `parties` (distinct, non-zero) combine their seeds in this
    /// order; `k` of `candidates` (strictly ascending) are drawn by Fisher–Yates on this order; (`publicKeyX`,
    /// `publicKeyY`) is the draw key, whose private key any `threshold` of `officers` rebuild from
    /// the shares hashing to `shareHashes`.
    function openDraw(
        bytes32 tenderId,
        uint16 section,
        string calldata purpose,
        uint16 round,
        address[] calldata parties,
        bytes32[] calldata candidates,
        uint16 k,
        uint256 publicKeyX,
        uint256 publicKeyY,
        uint64 commitDeadline,
        address[] calldata officers,
        bytes32[] calldata shareHashes,
        uint8 threshold
    ) external returns (bytes32 drawId);

    /// @notice Commits the caller's seed to draw `drawId`, sealed to the draw key: R = (rx, ry) must
    /// be a point of alt_bn128 other than infinity. Only a party, once, before the commit deadline.
    function commitSeed(bytes32 drawId, uint256 rx, uint256 ry, bytes32 ciphertext) external;

    /// @notice Releases the caller's share of draw `drawId`'s key, which must hash to the hash fixed
    /// for it. Only an officer, once, after the commit deadline (or once every party committed).
    function releaseDrawShare(bytes32 drawId, bytes calldata share) external;

    /// @notice Finishes draw `drawId` with its private key `sk` (checked: sk·G = pk): decrypts every
    /// committed seed, combines the seeds, draws and records the picks. Anyone may call it, once,
    /// after the commit deadline (or once every party committed).
    function finishDraw(bytes32 drawId, uint256 sk) external returns (bytes32[] memory picks);

    // ------------------------------------------------------------------ reads

    /// @notice Everything about draw `drawId` (status NONE and empty lists if never opened).
    function drawOf(bytes32 drawId) external view returns (DrawView memory);

    /// @notice What `party` committed to draw `drawId` (all 0 if nothing).
    function sealedSeedOf(bytes32 drawId, address party) external view returns (SealedSeed memory);

    /// @notice The draw id of (tenderId, section, purpose, round), as `ledger.rules.lottery.draw_id`.
    function drawIdOf(bytes32 tenderId, uint16 section, string calldata purpose, uint16 round)
        external
        pure
        returns (bytes32);
}
