// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAdminControl} from "../access/IAdminControl.sol";
import {ILedgerErrors} from "./ILedgerErrors.sol";

/**
 * @title ISelectionBook
 * @notice 评定分离 on chain, per TenderBook tender section, in order: the evaluation committee
 * (评标委员会) commits and reveals its score sheets and files an **unranked** shortlist of bids that
 * decrypted at opening; the tenderer's selection committee (定标委员会) votes, round by round,
 * commit then reveal; the publishing centre records the decision, which the chain checks against
 * the last round's tally or the selection draw's first pick; 公示 runs for at least 3 days by block
 * time, objections (异议) are filed and answered during it, complaints (投诉) within 10 days after
 * it, ruled on by the admin (the governance); the award makes the winner final.
 *
 * Committees are seated from a lottery draw (ILotteryDraws, which LotteryBook implements) by pseudonymous per-tender seat keys;
 * each seat's link commits to the pool member holding it, opened only after the decision
 * (招标投标法 Art. 37). The pools (专家库, each tenderer's selection pool) are the admin's.
 *
 * A missing expert, by the rule fixed here: a seat that has not committed by the commit deadline
 * is replaced (by a reserve of the committee draw) while no sheet is revealed, with a fresh commit
 * window; a sheet committed but not revealed by the reveal deadline is void, and the shortlist is
 * filed from the revealed sheets if at least MIN_SEATS revealed.
 *
 * What only an auditor rerunning `ledger.rules` can check: that the revealed sheets (filed off
 * chain under their hashes) give the shortlist, that the selection method fixed in the tender's
 * parameters led to the rounds opened and the decision recorded, that the draws were run among
 * the right candidates. docs/contracts.md ("SelectionBook") says which check is whose.
 */
interface ISelectionBook is IAdminControl, ILedgerErrors {
    /// @notice Where a section stands in 评定分离.
    enum Stage {
        EVALUATION, // committee seated or not; no shortlist yet
        SELECTION, // shortlist filed; no decision yet
        PUBLICITY, // decided; 公示 running or over, not awarded
        AWARDED // the winner is final
    }

    /// @notice What a decision rests on, which the chain checks: the shortlist is the current one
    /// in every case, and each basis names the selection method(s) of domain.md §4.6 it records.
    enum Basis {
        VOTE, // 直接票决, 逐轮票决's last round: strictly most votes in the last round
        LOTTERY, // 直接抽签, 票决抽签, a vote tie after the re-votes: the selection draw's first pick
        SOLE_CANDIDATE, // any method: the shortlist holds this one candidate; no vote, no draw
        NTH_LOWEST_PRICE, // 价格竞争: the n-th lowest shortlisted price (n = 1 lowest, 2 second-lowest, …); a tie drawn
        CLOSEST_TO_AVERAGE, // 价格竞争: the price closest to the shortlist's average; a tie drawn
        ELIMINATION_DRAW, // 逐轮票决: the last two still tied after the re-votes; the draw's first pick drops
        CHAIR // 集体议事: the chair's own decision on the views over the whole shortlist, all in or the deadline past
    }

    /// @notice A seat's state: never seated, acting, or replaced (recusal, no-show).
    enum SeatState {
        NONE,
        ACTIVE,
        REPLACED
    }

    /// @notice A committee as it stands: its draw, deadlines (0 for the selection committee, whose
    /// rounds carry their own), active seat count, every seat ever held in seating order (replaced
    /// ones too), the sheet masks (bit = seat index), whether its members were revealed, and the
    /// chair's seat index + 1 (集体议事; 0 until named: the seat holding that index chairs).
    struct CommitteeView {
        bytes32 drawId;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint8 size;
        uint32 committedMask;
        uint32 revealedMask;
        bool revealed;
        address[] seats;
        uint8 chair;
    }

    /// @notice One seat: state, index (its bit in the masks), link, the draw its holder must be a
    /// pick of, and the holder once the committee is revealed (0 before).
    struct SeatView {
        SeatState state;
        uint8 index;
        bytes32 link;
        bytes32 drawId;
        address expert;
    }

    /// @notice A vote round: its candidates (ascending), the votes each received (same order),
    /// abstentions, deadlines and masks (bit = seat index).
    struct RoundView {
        address[] candidates;
        uint16[] tallies;
        uint8 abstentions;
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint32 committedMask;
        uint32 revealedMask;
    }

    /// @notice The decision in force: winner, the selection draw (0 for a vote), the record's hash,
    /// when it was taken and when 公示 ends; whether it was awarded.
    struct Decision {
        address winner;
        bytes32 drawId;
        bytes32 recordHash;
        uint64 decidedAt;
        uint64 publicityEnds;
        bool awarded;
    }

    /// @notice An objection (异议) or a complaint (投诉): who filed it, when, its reason, and its
    /// answer or ruling (0 until then). For an objection `late` says the answer came more than
    /// ANSWER_PERIOD after filing; for a complaint `upheld` and `redo` give the ruling.
    struct Filing {
        address by;
        uint64 filedAt;
        uint64 closedAt;
        bool late;
        bool upheld;
        Stage redo;
        bytes32 reasonHash;
        bytes32 answerHash;
    }

    /// @notice The section's counters: its stage, the shortlist revision, the vote rounds (the
    /// current selection counts rounds from `firstRound`), objections open and filed, complaints
    /// pending and filed.
    struct SectionView {
        Stage stage;
        uint16 shortlistVersion;
        uint16 firstRound;
        uint16 lastRound;
        uint32 openObjections;
        uint32 objections;
        uint32 pendingComplaints;
        uint32 complaints;
    }

    // ------------------------------------------------------------------ errors: roles

    /// @notice `caller` holds no active seat of committee `kind` of the section.
    error NotSeat(bytes32 tenderId, uint16 section, uint8 kind, address caller);

    // ------------------------------------------------------------------ errors: pools

    /// @notice `account` is already in the pool (or is the zero address).
    error AlreadyInPool(bytes32 pool, address account);

    /// @notice `account` is not in the pool (0 names the expert pool, else a tenderer's USCC).
    error NotInPool(bytes32 pool, address account);

    // ------------------------------------------------------------------ errors: committees

    /// @notice Committee kinds are 0 (evaluation) and 1 (selection).
    error UnknownCommitteeKind(uint8 kind);

    /// @notice Draw `drawId` is unknown or belongs to another tender section or purpose.
    error WrongDraw(bytes32 tenderId, uint16 section, bytes32 drawId);

    /// @notice Draw `drawId` is not finished.
    error DrawNotFinished(bytes32 drawId);

    /// @notice The seats break: odd, MIN_SEATS ≤ n ≤ MAX_SEATS, strictly ascending, one nonzero
    /// link each; or a deadline is out of order (or given for the selection committee).
    error InvalidSeats(bytes32 tenderId, uint16 section, uint8 kind);

    /// @notice The committee was already seated (no more exclusions, no second seating).
    error AlreadySeated(bytes32 tenderId, uint16 section, uint8 kind);

    /// @notice The committee has not been seated.
    error NotSeated(bytes32 tenderId, uint16 section, uint8 kind);

    /// @notice `seat` already acted (committed a sheet or a vote): it can no longer be replaced.
    error SeatActed(bytes32 tenderId, uint16 section, uint8 kind, address seat);

    /// @notice `seat` cannot take the place: zero, already a seat, or its link is 0.
    error InvalidReplacement(bytes32 tenderId, uint16 section, uint8 kind, address seat);

    /// @notice The tenderer of tender `tenderId` is already named, or the USCC is 0.
    error TendererSet(bytes32 tenderId);

    /// @notice The tenderer of tender `tenderId` is not named yet: its selection pool is unknown.
    error NoTenderer(bytes32 tenderId);

    /// @notice `expert` was excluded from this committee (conflict of interest) and holds an active seat.
    error ExcludedExpert(bytes32 tenderId, uint16 section, uint8 kind, address expert);

    /// @notice The link of `seat` does not open to `expert` with the salt given.
    error LinkMismatch(bytes32 tenderId, uint16 section, uint8 kind, address seat);

    /// @notice `expert`, holding `seat`, is not a pick of the seat's draw.
    error NotDrawn(bytes32 tenderId, uint16 section, uint8 kind, address expert);

    /// @notice `expert` is named for two seats.
    error DuplicateExpert(bytes32 tenderId, uint16 section, uint8 kind, address expert);

    /// @notice The committee's members were already revealed.
    error AlreadyRevealed(bytes32 tenderId, uint16 section, uint8 kind);

    /// @notice The committee's members are not revealed yet (no award before).
    error CommitteeHidden(bytes32 tenderId, uint16 section, uint8 kind);

    // ------------------------------------------------------------------ errors: commit and reveal

    /// @notice The commit phase closed at `deadline` (block time `blockTime`).
    error CommitPeriodOver(bytes32 tenderId, uint16 section, uint64 deadline, uint64 blockTime);

    /// @notice `seat` already committed (a sheet, or a vote in this round).
    error SeatAlreadyCommitted(bytes32 tenderId, uint16 section, address seat);

    /// @notice Reveals open once every seat committed or the commit deadline `deadline` passed.
    error RevealNotOpen(bytes32 tenderId, uint16 section, uint64 deadline);

    /// @notice The reveal came at block time `blockTime`, at or after the reveal deadline.
    error LateReveal(bytes32 tenderId, uint16 section, uint64 deadline, uint64 blockTime);

    /// @notice `seat` has no commitment to reveal, or revealed it already.
    error NothingToReveal(bytes32 tenderId, uint16 section, address seat);

    /// @notice The revealed sheet (salt, hash) does not rebuild the commitment of `seat`.
    error SheetMismatch(bytes32 tenderId, uint16 section, address seat);

    /// @notice The revealed vote (candidate, salt) does not rebuild the commitment of `seat`.
    error VoteMismatch(bytes32 tenderId, uint16 section, uint16 round, address seat);

    // ------------------------------------------------------------------ errors: shortlist

    /// @notice Not every active evaluation seat has revealed its sheet, and it is not yet past the
    /// reveal deadline with at least MIN_SEATS sheets revealed.
    error SheetsMissing(bytes32 tenderId, uint16 section, uint32 revealedMask);

    /// @notice A sheet was already revealed: a seat that missed the commit deadline can no longer be
    /// replaced (its replacement could read the revealed sheets before committing its own).
    error SheetsShown(bytes32 tenderId, uint16 section);

    /// @notice The section is neither CLOSED nor EVALUATED in TenderBook.
    error SectionNotEvaluable(bytes32 tenderId, uint16 section);

    /// @notice The shortlist holds `count` candidates: it needs 1 … `maxSize`.
    error ShortlistSize(bytes32 tenderId, uint16 section, uint256 count, uint8 maxSize);

    /// @notice Candidates must be strictly ascending (no rank can be read from their order);
    /// `candidate` is out of order.
    error CandidatesNotAscending(bytes32 tenderId, uint16 section, address candidate);

    /// @notice `bidder` has no bid DECRYPTED at opening in the section.
    error IneligibleBid(bytes32 tenderId, uint16 section, address bidder);

    /// @notice A shortlist is already filed for the current revision.
    error ShortlistExists(bytes32 tenderId, uint16 section);

    /// @notice No shortlist is filed (for the current revision).
    error NoShortlist(bytes32 tenderId, uint16 section);

    /// @notice `candidate` is not in the shortlist.
    error NotShortlisted(bytes32 tenderId, uint16 section, address candidate);

    // ------------------------------------------------------------------ errors: rounds and decision

    /// @notice The next round is `expected`.
    error WrongRound(bytes32 tenderId, uint16 section, uint16 round, uint16 expected);

    /// @notice Round `round` is still open (votes to commit or reveal before its reveal deadline).
    error RoundOpen(bytes32 tenderId, uint16 section, uint16 round);

    /// @notice A round has 1 … MAX_CANDIDATES candidates, and deadlines in order after now.
    error InvalidRound(bytes32 tenderId, uint16 section, uint16 round);

    /// @notice `candidate` is neither one of the round's candidates nor 0 (an abstention).
    error NotACandidate(bytes32 tenderId, uint16 section, uint16 round, address candidate);

    /// @notice A decision is in force already.
    error AlreadyDecided(bytes32 tenderId, uint16 section);

    /// @notice No decision is in force.
    error NotDecided(bytes32 tenderId, uint16 section);

    /// @notice `winner` is not the first pick of the selection draw.
    error NotDrawWinner(bytes32 tenderId, uint16 section, bytes32 drawId, address winner);

    /// @notice In the last round (`round`, 0 if none of the current selection), `winner` did not
    /// get strictly the most votes.
    error NoMajority(bytes32 tenderId, uint16 section, uint16 round, address winner);

    /// @notice By the opened prices of the shortlist (TenderBook's `Bid.price`), `basis` with `n`
    /// does not give `winner`.
    error NotPriceWinner(bytes32 tenderId, uint16 section, address winner);

    /// @notice `winner` shares the winning price (or, for ELIMINATION_DRAW, the last round's tally)
    /// with another candidate: the decision names the selection draw that broke the tie.
    error TieNeedsDraw(bytes32 tenderId, uint16 section, address winner);

    /// @notice A sole-candidate decision needs a shortlist of one; it holds `shortlisted`.
    error NotSoleCandidate(bytes32 tenderId, uint16 section, uint256 shortlisted);

    /// @notice `basis` does not take the draw or `n` given (a draw only for LOTTERY, ELIMINATION_DRAW
    /// and a price tie; n ≥ 1 for NTH_LOWEST_PRICE and 0 otherwise), or ELIMINATION_DRAW's last round
    /// does not hold two candidates.
    error InvalidBasis(bytes32 tenderId, uint16 section, Basis basis, uint8 n);

    /// @notice The tender's selection method, fixed on chain before any bid (TenderBook
    /// `selectionOf`, the {SelectionRule} word `selection`), cannot end on `basis` with `n`: e.g. a
    /// 直接票决 tender decided by price, or 价格竞争 by another price rule than the fixed one.
    error BasisNotAllowed(bytes32 tenderId, uint16 section, uint16 selection, Basis basis, uint8 n);

    /// @notice `account` does not hold the chair's seat of the selection committee (none named, or
    /// another seat): only the chair decides on CHAIR (集体议事).
    error NotChair(bytes32 tenderId, uint16 section, address account);

    /// @notice The chair is named once, before the section's first round (the views) opens.
    error ChairFixed(bytes32 tenderId, uint16 section);

    /// @notice The chair decides once every active seat revealed its view in the last round of the
    /// current selection (`round`, 0 if none), a round over the whole shortlist, or once that
    /// round's reveal deadline has passed (a seat with no view then is 未表态).
    error ViewsMissing(bytes32 tenderId, uint16 section, uint16 round);

    /// @notice 公示 lasts at least MIN_PUBLICITY_DAYS days.
    error PublicityTooShort(bytes32 tenderId, uint16 section, uint16 publicityDays);

    // ------------------------------------------------------------------ errors: 公示, award, complaints

    /// @notice Objections are filed only during 公示, which runs until `publicityEnds`.
    error NotInPublicity(bytes32 tenderId, uint16 section, uint64 publicityEnds, uint64 blockTime);

    /// @notice 公示 runs until `publicityEnds`: no award before.
    error PublicityRunning(bytes32 tenderId, uint16 section, uint64 publicityEnds);

    /// @notice `open` objections are unanswered (or complaints unruled): the award waits.
    error AwardPaused(bytes32 tenderId, uint16 section, uint32 open);

    /// @notice No objection or complaint `id` in the section.
    error UnknownFiling(bytes32 tenderId, uint16 section, uint32 id);

    /// @notice Objection `id` was answered, or complaint `id` ruled on, already.
    error FilingClosed(bytes32 tenderId, uint16 section, uint32 id);

    /// @notice Complaints come within COMPLAINT_PERIOD after 公示 ends at `publicityEnds`.
    error ComplaintWindowClosed(bytes32 tenderId, uint16 section, uint64 publicityEnds, uint64 blockTime);

    /// @notice An upheld complaint sends the section back to SELECTION or EVALUATION (the shortlist).
    error InvalidRedo(bytes32 tenderId, uint16 section, Stage redo);

    /// @notice The section was awarded already.
    error SectionAwarded(bytes32 tenderId, uint16 section);

    /// @notice An exclusion, a replacement or a ruling needs the hash of its reason (nonzero).
    error MissingReason(bytes32 tenderId, uint16 section);

    /// @notice A selection pool is named by a nonzero USCC word (0 names the expert pool).
    error InvalidPool(bytes32 pool);

    /// @notice The TenderBook or lottery address holds no contract.
    error InvalidDependency(address account);

    // ------------------------------------------------------------------ events

    /// @notice `expert` joined the expert pool (专家库) with `speciality`.
    event ExpertRegistered(address indexed expert, bytes32 speciality);

    /// @notice `expert` left the expert pool.
    event ExpertRemoved(address indexed expert);

    /// @notice `member` joined the selection pool of the tenderer whose USCC word is `uscc`.
    event PoolMemberRegistered(bytes32 indexed uscc, address indexed member);

    /// @notice `member` left the selection pool of the tenderer `uscc`.
    event PoolMemberRemoved(bytes32 indexed uscc, address indexed member);

    /// @notice The publishing centre named the tenderer of `tenderId` (its selection pool).
    event TendererNamed(bytes32 indexed tenderId, bytes32 uscc);

    /// @notice `expert` may not hold a seat of committee `kind` (conflict of interest), for the
    /// reason filed under `reasonHash`.
    event ExpertExcluded(bytes32 indexed tenderId, uint16 section, uint8 kind, address expert, bytes32 reasonHash);

    /// @notice Committee `kind` was seated from draw `drawId`.
    event CommitteeSeated(
        bytes32 indexed tenderId,
        uint16 section,
        uint8 kind,
        bytes32 drawId,
        address[] seats,
        bytes32[] seatLinks,
        uint64 commitDeadline,
        uint64 revealDeadline
    );

    /// @notice `newSeat` (linked by `newLink` to a pick of `drawId`) replaced `oldSeat`, which had
    /// not acted, for the reason filed under `reasonHash`.
    event SeatReplaced(
        bytes32 indexed tenderId,
        uint16 section,
        uint8 kind,
        address oldSeat,
        address newSeat,
        bytes32 drawId,
        bytes32 newLink,
        bytes32 reasonHash
    );

    /// @notice An evaluation seat that missed the commit deadline was replaced before any sheet was
    /// revealed: the committee's commit window reopens for REPLACEMENT_PERIOD, the reveal window
    /// keeps its length after it.
    event WindowReopened(
        bytes32 indexed tenderId, uint16 section, uint8 kind, uint64 commitDeadline, uint64 revealDeadline
    );

    /// @notice The publishing centre named selection seat `seat` the committee's chair (集体议事),
    /// before any view: the seat's index chairs (a replacement of that seat takes the chair too).
    event ChairNamed(bytes32 indexed tenderId, uint16 section, address seat);

    /// @notice The link of `seat` opened to pool member `expert` with `salt`.
    event SeatOpened(
        bytes32 indexed tenderId, uint16 section, uint8 kind, address indexed seat, address indexed expert, bytes32 salt
    );

    /// @notice Every seat of committee `kind` was opened.
    event CommitteeRevealed(bytes32 indexed tenderId, uint16 section, uint8 kind);

    /// @notice Evaluation `seat` committed to its score sheet.
    event SheetCommitted(bytes32 indexed tenderId, uint16 section, address indexed seat, bytes32 commitment);

    /// @notice Evaluation `seat` revealed its sheet: the sheet filed under `sheetHash`, with `salt`.
    event SheetRevealed(bytes32 indexed tenderId, uint16 section, address indexed seat, bytes32 salt, bytes32 sheetHash);

    /// @notice Evaluation `seat` filed the unranked shortlist (revision `version`) and the
    /// committee's report under `reportHash`.
    event ShortlistFiled(
        bytes32 indexed tenderId,
        uint16 section,
        address indexed seat,
        uint16 version,
        address[] candidates,
        uint8 maxSize,
        bytes32 reportHash
    );

    /// @notice The centre opened vote round `round` among `candidates`.
    event RoundOpened(
        bytes32 indexed tenderId,
        uint16 section,
        uint16 round,
        address[] candidates,
        uint64 commitDeadline,
        uint64 revealDeadline
    );

    /// @notice Selection `seat` committed its vote in `round`.
    event VoteCommitted(bytes32 indexed tenderId, uint16 section, uint16 round, address indexed seat, bytes32 commitment);

    /// @notice Selection `seat` revealed its vote in `round`: `candidate` (0: an abstention).
    event VoteRevealed(
        bytes32 indexed tenderId, uint16 section, uint16 round, address indexed seat, address candidate, bytes32 salt
    );

    /// @notice The centre recorded `winner` on `basis` (with `n` for NTH_LOWEST_PRICE), checked by
    /// the chain, and the selection draw `drawId` it took (0 for none); the record is filed under
    /// `recordHash`; 公示 runs until `publicityEnds`.
    event Decided(
        bytes32 indexed tenderId,
        uint16 section,
        address indexed winner,
        bytes32 drawId,
        bytes32 recordHash,
        uint64 publicityEnds,
        Basis basis,
        uint8 n
    );

    /// @notice Objection `id` was filed by `by` during 公示.
    event ObjectionFiled(bytes32 indexed tenderId, uint16 section, uint32 id, address indexed by, bytes32 reasonHash);

    /// @notice The centre answered objection `id`; `late` if more than ANSWER_PERIOD after filing.
    event ObjectionAnswered(bytes32 indexed tenderId, uint16 section, uint32 id, bytes32 answerHash, bool late);

    /// @notice The winner of the section is final.
    event Awarded(bytes32 indexed tenderId, uint16 section, address indexed winner);

    /// @notice Complaint `id` was filed by `by`.
    event ComplaintFiled(bytes32 indexed tenderId, uint16 section, uint32 id, address indexed by, bytes32 reasonHash);

    /// @notice The admin ruled on complaint `id`; upheld, the section went back to `redo` (the
    /// decision, and any award, withdrawn).
    event ComplaintRuled(
        bytes32 indexed tenderId, uint16 section, uint32 id, bool upheld, Stage redo, bytes32 rulingHash
    );

    // ------------------------------------------------------------------ pools (admin)

    function registerExpert(address expert, bytes32 speciality) external;
    function removeExpert(address expert) external;
    function registerMember(bytes32 uscc, address member) external;
    function removeMember(bytes32 uscc, address member) external;
    function experts() external view returns (address[] memory);
    function specialityOf(address expert) external view returns (bytes32);
    function membersOf(bytes32 uscc) external view returns (address[] memory);

    // ------------------------------------------------------------------ committees (centre)

    function nameTenderer(bytes32 tenderId, bytes32 uscc) external;
    function tendererOf(bytes32 tenderId) external view returns (bytes32);
    function exclude(bytes32 tenderId, uint16 section, uint8 kind, address expert, bytes32 reasonHash) external;
    function seat(
        bytes32 tenderId,
        uint16 section,
        uint8 kind,
        bytes32 drawId,
        address[] calldata seats,
        bytes32[] calldata seatLinks,
        uint64 commitDeadline,
        uint64 revealDeadline
    ) external;
    function replaceSeat(
        bytes32 tenderId,
        uint16 section,
        uint8 kind,
        address oldSeat,
        address newSeat,
        bytes32 drawId,
        bytes32 newLink,
        bytes32 reasonHash
    ) external;
    function revealCommittee(
        bytes32 tenderId,
        uint16 section,
        uint8 kind,
        address[] calldata members,
        bytes32[] calldata salts
    ) external;
    /// @notice Names selection seat `seat` the chair of the selection committee (集体议事): only the
    /// publishing centre, an active seat, once, before the section's first round opens.
    function nameChair(bytes32 tenderId, uint16 section, address seat_) external;
    function committeeOf(bytes32 tenderId, uint16 section, uint8 kind) external view returns (CommitteeView memory);
    function seatOf(bytes32 tenderId, uint16 section, uint8 kind, address seat_)
        external
        view
        returns (SeatView memory);
    function exclusionOf(bytes32 tenderId, uint16 section, uint8 kind, address expert)
        external
        view
        returns (bytes32);

    // ------------------------------------------------------------------ sheets and shortlist (evaluation seats)

    function commitSheet(bytes32 tenderId, uint16 section, bytes32 commitment) external;
    function revealSheet(bytes32 tenderId, uint16 section, bytes32 salt, bytes32 sheetHash) external;
    function submitShortlist(
        bytes32 tenderId,
        uint16 section,
        address[] calldata candidates,
        uint8 maxSize,
        bytes32 reportHash
    ) external;
    /// @notice A seat's sheet: committed, revealed, and the commitment (before the reveal) or the
    /// sheet hash (after: the commitment stays in `SheetCommitted`).
    function sheetOf(bytes32 tenderId, uint16 section, address seat_)
        external
        view
        returns (bool committed, bool revealed, bytes32 word);
    function shortlistOf(bytes32 tenderId, uint16 section)
        external
        view
        returns (address[] memory candidates, uint8 maxSize, bytes32 reportHash, uint16 version);

    // ------------------------------------------------------------------ votes (centre opens, selection seats vote)

    function openRound(
        bytes32 tenderId,
        uint16 section,
        uint16 round,
        address[] calldata candidates,
        uint64 commitDeadline,
        uint64 revealDeadline
    ) external;
    function commitVote(bytes32 tenderId, uint16 section, uint16 round, bytes32 commitment) external;
    function revealVote(bytes32 tenderId, uint16 section, uint16 round, address candidate, bytes32 salt) external;
    function roundOf(bytes32 tenderId, uint16 section, uint16 round) external view returns (RoundView memory);
    /// @notice A seat's vote in a round: committed, revealed, and the commitment (before the
    /// reveal) or the candidate voted for (after; 0 is an abstention).
    function voteOf(bytes32 tenderId, uint16 section, uint16 round, address seat_)
        external
        view
        returns (bool committed, bool revealed, bytes32 commitment, address candidate);

    // ------------------------------------------------------------------ decision, 公示, award, complaints

    /// @notice Records the decision: `winner`, from the current shortlist, on `basis` (see {Basis}),
    /// which the chain checks: VOTE, strictly most votes in the last round (over); LOTTERY, the
    /// first pick of the finished selection draw `drawId`; SOLE_CANDIDATE, a shortlist of one;
    /// NTH_LOWEST_PRICE (n ≥ 1; counting bids, a shortlist shorter than n takes its highest) and
    /// CLOSEST_TO_AVERAGE, the rule over the shortlisted bids' opened prices, a tie broken by the
    /// draw `drawId` whose first pick `winner` must be; ELIMINATION_DRAW, the last round's two
    /// candidates tied and the draw's first pick dropped; CHAIR (集体议事), sent by the chair's own
    /// seat, every active seat's view revealed in the last round (or its reveal deadline passed:
    /// the rest are 未表态), a round over the whole shortlist
    /// (a view is a vote whose salt is the hash of its written reasons), and `recordHash` (the
    /// chair's reasons) nonzero. The basis must be one the tender's selection method, fixed on
    /// chain before any bid, can end on (`BasisNotAllowed`; see {SelectionRule}). Only the
    /// publishing centre (the chair for CHAIR), once per selection; 公示 runs `publicityDays`
    /// (≥ MIN_PUBLICITY_DAYS) from now.
    function decide(
        bytes32 tenderId,
        uint16 section,
        Basis basis,
        uint8 n,
        address winner,
        bytes32 drawId,
        bytes32 recordHash,
        uint16 publicityDays
    ) external;
    function object(bytes32 tenderId, uint16 section, bytes32 reasonHash) external returns (uint32 id);
    function answerObjection(bytes32 tenderId, uint16 section, uint32 id, bytes32 answerHash) external;
    function award(bytes32 tenderId, uint16 section) external;
    function complain(bytes32 tenderId, uint16 section, bytes32 reasonHash) external returns (uint32 id);
    function ruleComplaint(
        bytes32 tenderId,
        uint16 section,
        uint32 id,
        bool upheld,
        Stage redo,
        bytes32 rulingHash
    ) external;
    function decisionOf(bytes32 tenderId, uint16 section) external view returns (Decision memory);
    function objectionOf(bytes32 tenderId, uint16 section, uint32 id) external view returns (Filing memory);
    function complaintOf(bytes32 tenderId, uint16 section, uint32 id) external view returns (Filing memory);
    function sectionOf(bytes32 tenderId, uint16 section) external view returns (SectionView memory);
    /// @notice The awarded winner of the section, 0 until the award (and again after an upheld complaint).
    function winnerOf(bytes32 tenderId, uint16 section) external view returns (address);

    // ------------------------------------------------------------------ hashing rules

    function sheetCommitment(bytes32 tenderId, uint16 section, address expert, bytes32 salt, bytes32 sheetHash)
        external
        pure
        returns (bytes32);
    function voteCommitment(
        bytes32 tenderId,
        uint16 section,
        uint16 round,
        address seat_,
        address candidate,
        bytes32 salt
    ) external pure returns (bytes32);
    function seatLink(bytes32 tenderId, uint16 section, uint8 kind, address seat_, address expert, bytes32 salt)
        external
        pure
        returns (bytes32);
}
