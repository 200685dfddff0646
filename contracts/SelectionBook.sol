// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ISelectionBook} from "./interfaces/ISelectionBook.sol";
import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {ILotteryDraws} from "./interfaces/ILotteryDraws.sol";
import {AdminControl} from "./access/AdminControl.sol";
import {TenderGate} from "./access/TenderGate.sol";
import {TenderHeader, TenderHeaders} from "./libraries/TenderHeader.sol";
import {SelectionHash} from "./libraries/SelectionHash.sol";
import {SelectionRule} from "./libraries/SelectionRule.sol";

/**
 * @title SelectionBook
 * @notice 评定分离 per TenderBook tender section: committees seated from lottery draws by
 * pseudonymous seats, score sheets and votes committed then revealed, the unranked shortlist, the
 * decision checked on its basis (the tally, the draw, the sole candidate, the opened prices) and
 * on the tender's selection method fixed before any bid (TenderBook `selectionOf`), 公示 with
 * objections, complaints ruled by the admin, and the award. See {ISelectionBook}.
 *
 * The hot paths (a seat's commit or reveal) read no other contract: one slot of the committee (or
 * round), one of the seat, one of its commitment. A commitment slot is overwritten by what it
 * opens to (the sheet hash, the candidate); the commitment itself stays in the commit event.
 */
contract SelectionBook is AdminControl, TenderGate, ISelectionBook {
    // The book's constants are internal (no getters: SelectionBook is near the 24,576-byte code
    // limit); the Python side mirrors them in `ledger.model.selection` and docs/contracts.md lists them.
    uint8 internal constant EVALUATION = 0;
    uint8 internal constant SELECTION = 1;
    /// @dev Committees are odd, of MIN_SEATS … MAX_SEATS seats (a seat's index is its mask bit).
    uint8 internal constant MIN_SEATS = 5;
    uint8 internal constant MAX_SEATS = 31;
    /// @dev A round has at most MAX_CANDIDATES candidates (16-bit tallies packed in one word).
    uint8 internal constant MAX_CANDIDATES = 15;
    uint16 internal constant MIN_PUBLICITY_DAYS = 3;
    /// @dev An objection answered later than this after its filing is recorded as late.
    uint64 internal constant ANSWER_PERIOD = 3 days;
    /// @dev A replacement for an evaluation seat that missed the commit deadline commits within this.
    uint64 internal constant REPLACEMENT_PERIOD = 1 days;
    /// @dev Complaints are filed within this after 公示 ends.
    uint64 internal constant COMPLAINT_PERIOD = 10 days;

    bytes32 private constant SELECTION_PURPOSE = keccak256("selection");
    /// @dev Set in every opened round's tally word above the 15 tallies, so that the first counted
    /// vote rewrites a nonzero slot (2,900 gas) instead of filling an empty one (22,100).
    uint256 private constant TALLY_SENTINEL = uint256(1) << 255;

    struct Committee {
        // slot 0: what every sheet commit and reveal reads
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint8 size;
        uint32 committed;
        uint32 revealed;
        bool opened;
        uint8 chair; // selection: the chair's seat index + 1 (集体议事), 0 until named
        // slot 1
        bytes32 drawId;
        address[] seats; // every seat ever held, in seating order
    }

    struct Seat {
        SeatState state;
        uint8 index;
        address expert; // the holder, once opened
        bytes32 link;
        bytes32 drawId; // a replacement's draw; 0: the committee's
    }

    struct Round {
        // slot 0: what every vote commit and reveal reads
        uint64 commitDeadline;
        uint64 revealDeadline;
        uint8 size;
        uint8 abstentions;
        uint32 committed;
        uint32 revealed;
        // slot 1: 16 bits per candidate, in candidate order; bit 255 is TALLY_SENTINEL
        uint256 tally;
        address[] candidates;
    }

    struct SectionRecord {
        // slot 0
        address winner;
        uint16 shortlistVersion;
        uint16 firstRound;
        uint16 lastRound;
        uint8 maxSize;
        bool awarded;
        // slot 1
        uint64 decidedAt;
        uint64 publicityEnds;
        uint32 openObjections;
        uint32 objections;
        uint32 pendingComplaints;
        uint32 complaints;
        bytes32 drawId;
        bytes32 recordHash;
        bytes32 reportHash;
        address[] shortlist;
    }

    ITenderBook private immutable _tenderBook;
    ILotteryDraws private immutable _lottery;

    address[] private _experts;
    mapping(address expert => uint256 position) private _expertPositions; // index + 1
    mapping(address expert => bytes32 speciality) private _specialities;
    mapping(bytes32 uscc => address[]) private _members;
    mapping(bytes32 uscc => mapping(address member => uint256 position)) private _memberPositions;
    mapping(bytes32 tenderId => bytes32 uscc) private _tenderers;

    mapping(bytes32 committeeKey => Committee) private _committees;
    mapping(bytes32 committeeKey => mapping(address seat => Seat)) private _seats;
    mapping(bytes32 committeeKey => mapping(address expert => bytes32 reasonHash)) private _exclusions;

    mapping(bytes32 sectionKey => SectionRecord) private _sections;
    mapping(bytes32 sectionKey => mapping(address seat => bytes32 word)) private _sheets;
    mapping(bytes32 sectionKey => mapping(uint16 version => mapping(address => bool))) private _shortlisted;
    mapping(bytes32 sectionKey => mapping(uint16 round => Round)) private _rounds;
    mapping(bytes32 sectionKey => mapping(uint16 round => mapping(address => uint8 position))) private _positions;
    mapping(bytes32 sectionKey => mapping(uint16 round => mapping(address seat => bytes32 word))) private _votes;
    mapping(bytes32 sectionKey => mapping(uint32 id => Filing)) private _objections;
    mapping(bytes32 sectionKey => mapping(uint32 id => Filing)) private _complaints;

    constructor(address initialAdmin, address tenderBook_, address lottery_) AdminControl(initialAdmin) {
        if (tenderBook_.code.length == 0) revert InvalidDependency(tenderBook_);
        if (lottery_.code.length == 0) revert InvalidDependency(lottery_);
        _tenderBook = ITenderBook(tenderBook_);
        _lottery = ILotteryDraws(lottery_);
    }

    /// @notice The TenderBook whose tenders this book runs.
    function tenderBook() external view returns (address) {
        return address(_tenderBook);
    }

    /// @notice The lottery whose draws seat committees and decide lotteries.
    function lotteryBook() external view returns (address) {
        return address(_lottery);
    }

    // ------------------------------------------------------------------ pools

    /// @inheritdoc ISelectionBook
    function registerExpert(address expert, bytes32 speciality) external onlyAdmin {
        if (expert == address(0) || _expertPositions[expert] != 0) revert AlreadyInPool(0, expert);
        _experts.push(expert);
        _expertPositions[expert] = _experts.length;
        _specialities[expert] = speciality;
        emit ExpertRegistered(expert, speciality);
    }

    /// @inheritdoc ISelectionBook
    function removeExpert(address expert) external onlyAdmin {
        _remove(_experts, _expertPositions, 0, expert);
        delete _specialities[expert];
        emit ExpertRemoved(expert);
    }

    /// @inheritdoc ISelectionBook
    function registerMember(bytes32 uscc, address member) external onlyAdmin {
        if (uscc == 0) revert InvalidPool(uscc);
        mapping(address => uint256) storage positions = _memberPositions[uscc];
        if (member == address(0) || positions[member] != 0) revert AlreadyInPool(uscc, member);
        _members[uscc].push(member);
        positions[member] = _members[uscc].length;
        emit PoolMemberRegistered(uscc, member);
    }

    /// @inheritdoc ISelectionBook
    function removeMember(bytes32 uscc, address member) external onlyAdmin {
        _remove(_members[uscc], _memberPositions[uscc], uscc, member);
        emit PoolMemberRemoved(uscc, member);
    }

    /// @inheritdoc ISelectionBook
    function experts() external view returns (address[] memory) {
        return _experts;
    }

    /// @inheritdoc ISelectionBook
    function specialityOf(address expert) external view returns (bytes32) {
        return _specialities[expert];
    }

    /// @inheritdoc ISelectionBook
    function membersOf(bytes32 uscc) external view returns (address[] memory) {
        return _members[uscc];
    }

    // ------------------------------------------------------------------ committees

    /// @inheritdoc ISelectionBook
    function nameTenderer(bytes32 tenderId, bytes32 uscc) external {
        _publishedBy(tenderId);
        if (uscc == 0 || _tenderers[tenderId] != 0) revert TendererSet(tenderId);
        _tenderers[tenderId] = uscc;
        emit TendererNamed(tenderId, uscc);
    }

    /// @inheritdoc ISelectionBook
    function tendererOf(bytes32 tenderId) external view returns (bytes32) {
        return _tenderers[tenderId];
    }

    /// @inheritdoc ISelectionBook
    function exclude(bytes32 tenderId, uint16 section, uint8 kind, address expert, bytes32 reasonHash) external {
        _publishedWith(tenderId, section);
        bytes32 ck = _committeeKey(tenderId, section, kind);
        if (_committees[ck].seats.length != 0) revert AlreadySeated(tenderId, section, kind);
        if (reasonHash == 0) revert MissingReason(tenderId, section);
        if (expert == address(0)) revert NotInPool(0, expert);
        _exclusions[ck][expert] = reasonHash;
        emit ExpertExcluded(tenderId, section, kind, expert, reasonHash);
    }

    /// @inheritdoc ISelectionBook
    function seat(
        bytes32 tenderId,
        uint16 section,
        uint8 kind,
        bytes32 drawId,
        address[] calldata seats,
        bytes32[] calldata seatLinks,
        uint64 commitDeadline,
        uint64 revealDeadline
    ) external {
        _checkDeadlineReached(tenderId, _publishedWith(tenderId, section).deadline());
        bytes32 ck = _committeeKey(tenderId, section, kind);
        Committee storage c = _committees[ck];
        if (c.seats.length != 0) revert AlreadySeated(tenderId, section, kind);
        uint256 n = seats.length;
        if (n < MIN_SEATS || n > MAX_SEATS || n % 2 == 0 || seatLinks.length != n) {
            revert InvalidSeats(tenderId, section, kind);
        }
        if (kind == EVALUATION) {
            if (commitDeadline <= block.timestamp || revealDeadline <= commitDeadline) {
                revert InvalidSeats(tenderId, section, kind);
            }
        } else {
            if (commitDeadline != 0 || revealDeadline != 0) revert InvalidSeats(tenderId, section, kind);
            if (_tenderers[tenderId] == 0) revert NoTenderer(tenderId);
        }
        _checkDraw(tenderId, section, drawId);
        mapping(address => Seat) storage seatsOf = _seats[ck];
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address s = seats[i];
            if (s <= previous || seatLinks[i] == 0) revert InvalidSeats(tenderId, section, kind);
            previous = s;
            Seat storage st = seatsOf[s];
            (st.state, st.index, st.link) = (SeatState.ACTIVE, uint8(i), seatLinks[i]);
            c.seats.push(s);
        }
        (c.commitDeadline, c.revealDeadline, c.size, c.drawId) = (commitDeadline, revealDeadline, uint8(n), drawId);
        emit CommitteeSeated(tenderId, section, kind, drawId, seats, seatLinks, commitDeadline, revealDeadline);
    }

    /// @inheritdoc ISelectionBook
    function replaceSeat(
        bytes32 tenderId,
        uint16 section,
        uint8 kind,
        address oldSeat,
        address newSeat,
        bytes32 drawId,
        bytes32 newLink,
        bytes32 reasonHash
    ) external {
        _publishedWith(tenderId, section);
        bytes32 ck = _committeeKey(tenderId, section, kind);
        Committee storage c = _committees[ck];
        if (c.seats.length == 0) revert NotSeated(tenderId, section, kind);
        if (c.opened) revert AlreadyRevealed(tenderId, section, kind);
        if (reasonHash == 0) revert MissingReason(tenderId, section);
        Seat storage old = _seats[ck][oldSeat];
        if (old.state != SeatState.ACTIVE) revert NotSeat(tenderId, section, kind, oldSeat);
        uint8 index = old.index;
        if (_acted(tenderId, section, kind, c, index)) revert SeatActed(tenderId, section, kind, oldSeat);
        Seat storage fresh = _seats[ck][newSeat];
        if (newSeat == address(0) || fresh.state != SeatState.NONE || newLink == 0) {
            revert InvalidReplacement(tenderId, section, kind, newSeat);
        }
        if (drawId != 0) _checkDraw(tenderId, section, drawId);
        if (kind == EVALUATION && block.timestamp >= c.commitDeadline) {
            // A no-show at the commit deadline: replaced only while no sheet is shown, and the
            // replacement gets a fresh commit window (reveals wait for it or for the new deadline).
            if (c.revealed != 0) revert SheetsShown(tenderId, section);
            uint64 commitBy = uint64(block.timestamp) + REPLACEMENT_PERIOD;
            uint64 revealBy = commitBy + (c.revealDeadline - c.commitDeadline);
            (c.commitDeadline, c.revealDeadline) = (commitBy, revealBy);
            emit WindowReopened(tenderId, section, kind, commitBy, revealBy);
        }
        old.state = SeatState.REPLACED;
        (fresh.state, fresh.index, fresh.link, fresh.drawId) = (SeatState.ACTIVE, index, newLink, drawId);
        c.seats.push(newSeat);
        emit SeatReplaced(tenderId, section, kind, oldSeat, newSeat, drawId, newLink, reasonHash);
    }

    /// @inheritdoc ISelectionBook
    function revealCommittee(
        bytes32 tenderId,
        uint16 section,
        uint8 kind,
        address[] calldata members,
        bytes32[] calldata salts
    ) external {
        _publishedWith(tenderId, section);
        bytes32 ck = _committeeKey(tenderId, section, kind);
        Committee storage c = _committees[ck];
        uint256 n = c.seats.length;
        if (n == 0) revert NotSeated(tenderId, section, kind);
        if (c.opened) revert AlreadyRevealed(tenderId, section, kind);
        if (_sections[_sectionKey(tenderId, section)].decidedAt == 0) revert NotDecided(tenderId, section);
        if (members.length != n || salts.length != n) revert InvalidSeats(tenderId, section, kind);
        bytes32 pool = kind == EVALUATION ? bytes32(0) : _tenderers[tenderId];
        for (uint256 i = 0; i < n; ++i) {
            address s = c.seats[i];
            address m = members[i];
            Seat storage st = _seats[ck][s];
            if (SelectionHash.seatLink(tenderId, section, kind, s, m, salts[i]) != st.link) {
                revert LinkMismatch(tenderId, section, kind, s);
            }
            if (!_inPool(pool, m)) revert NotInPool(pool, m);
            for (uint256 j = 0; j < i; ++j) {
                if (members[j] == m) revert DuplicateExpert(tenderId, section, kind, m);
            }
            bytes32 drawId = st.drawId == 0 ? c.drawId : st.drawId;
            if (!_picked(drawId, m)) revert NotDrawn(tenderId, section, kind, m);
            if (st.state == SeatState.ACTIVE && _exclusions[ck][m] != 0) {
                revert ExcludedExpert(tenderId, section, kind, m);
            }
            st.expert = m;
            emit SeatOpened(tenderId, section, kind, s, m, salts[i]);
        }
        c.opened = true;
        emit CommitteeRevealed(tenderId, section, kind);
    }

    /// @inheritdoc ISelectionBook
    function nameChair(bytes32 tenderId, uint16 section, address seat_) external {
        _publishedWith(tenderId, section);
        bytes32 ck = _committeeKey(tenderId, section, SELECTION);
        Seat storage st = _seats[ck][seat_];
        if (st.state != SeatState.ACTIVE) revert NotSeat(tenderId, section, SELECTION, seat_);
        Committee storage c = _committees[ck];
        if (c.chair != 0 || _sections[_sectionKey(tenderId, section)].lastRound != 0) {
            revert ChairFixed(tenderId, section);
        }
        c.chair = st.index + 1;
        emit ChairNamed(tenderId, section, seat_);
    }

    /// @inheritdoc ISelectionBook
    function committeeOf(bytes32 tenderId, uint16 section, uint8 kind) external view returns (CommitteeView memory) {
        Committee storage c = _committees[_committeeKey(tenderId, section, kind)];
        return CommitteeView(
            c.drawId, c.commitDeadline, c.revealDeadline, c.size, c.committed, c.revealed, c.opened, c.seats, c.chair
        );
    }

    /// @inheritdoc ISelectionBook
    function seatOf(bytes32 tenderId, uint16 section, uint8 kind, address seat_)
        external
        view
        returns (SeatView memory)
    {
        bytes32 ck = _committeeKey(tenderId, section, kind);
        Seat storage st = _seats[ck][seat_];
        bytes32 drawId = st.drawId == 0 && st.state != SeatState.NONE ? _committees[ck].drawId : st.drawId;
        return SeatView(st.state, st.index, st.link, drawId, st.expert);
    }

    /// @inheritdoc ISelectionBook
    function exclusionOf(bytes32 tenderId, uint16 section, uint8 kind, address expert)
        external
        view
        returns (bytes32)
    {
        return _exclusions[_committeeKey(tenderId, section, kind)][expert];
    }

    // ------------------------------------------------------------------ sheets and shortlist

    /// @inheritdoc ISelectionBook
    function commitSheet(bytes32 tenderId, uint16 section, bytes32 commitment) external {
        bytes32 ck = _committeeKey(tenderId, section, EVALUATION);
        uint32 bit = uint32(1) << _activeSeat(ck, tenderId, section, EVALUATION);
        Committee storage c = _committees[ck];
        uint64 deadline = c.commitDeadline;
        if (block.timestamp >= deadline) revert CommitPeriodOver(tenderId, section, deadline, uint64(block.timestamp));
        uint32 committed = c.committed;
        if (committed & bit != 0) revert SeatAlreadyCommitted(tenderId, section, msg.sender);
        c.committed = committed | bit;
        _sheets[_sectionKey(tenderId, section)][msg.sender] = commitment;
        emit SheetCommitted(tenderId, section, msg.sender, commitment);
    }

    /// @inheritdoc ISelectionBook
    function revealSheet(bytes32 tenderId, uint16 section, bytes32 salt, bytes32 sheetHash) external {
        bytes32 ck = _committeeKey(tenderId, section, EVALUATION);
        uint32 bit = uint32(1) << _activeSeat(ck, tenderId, section, EVALUATION);
        Committee storage c = _committees[ck];
        (uint64 commitDeadline, uint64 revealDeadline, uint32 committed, uint32 revealed) =
            (c.commitDeadline, c.revealDeadline, c.committed, c.revealed);
        if (committed != _full(c.size) && block.timestamp < commitDeadline) {
            revert RevealNotOpen(tenderId, section, commitDeadline);
        }
        if (block.timestamp >= revealDeadline) {
            revert LateReveal(tenderId, section, revealDeadline, uint64(block.timestamp));
        }
        if (committed & bit == 0 || revealed & bit != 0) revert NothingToReveal(tenderId, section, msg.sender);
        mapping(address => bytes32) storage sheets = _sheets[_sectionKey(tenderId, section)];
        if (SelectionHash.sheetCommitment(tenderId, section, msg.sender, salt, sheetHash) != sheets[msg.sender]) {
            revert SheetMismatch(tenderId, section, msg.sender);
        }
        c.revealed = revealed | bit;
        sheets[msg.sender] = sheetHash;
        emit SheetRevealed(tenderId, section, msg.sender, salt, sheetHash);
    }

    /// @inheritdoc ISelectionBook
    function submitShortlist(
        bytes32 tenderId,
        uint16 section,
        address[] calldata candidates,
        uint8 maxSize,
        bytes32 reportHash
    ) external {
        bytes32 ck = _committeeKey(tenderId, section, EVALUATION);
        _activeSeat(ck, tenderId, section, EVALUATION);
        Committee storage c = _committees[ck];
        uint32 revealed = c.revealed;
        if (revealed != _full(c.size) && (block.timestamp < c.revealDeadline || _count(revealed) < MIN_SEATS)) {
            // A sheet committed but not revealed by the deadline is void; the rest stand if at least
            // MIN_SEATS (the smallest committee the law allows) revealed.
            revert SheetsMissing(tenderId, section, revealed);
        }
        ITenderBook.SectionStatus status = _tenderBook.sectionOf(tenderId, section).status;
        if (status != ITenderBook.SectionStatus.CLOSED && status != ITenderBook.SectionStatus.EVALUATED) {
            revert SectionNotEvaluable(tenderId, section);
        }
        bytes32 sk = _sectionKey(tenderId, section);
        SectionRecord storage s = _sections[sk];
        if (s.shortlist.length != 0) revert ShortlistExists(tenderId, section);
        uint256 n = candidates.length;
        if (n == 0 || n > maxSize) revert ShortlistSize(tenderId, section, n, maxSize);
        uint16 version = s.shortlistVersion;
        mapping(address => bool) storage listed = _shortlisted[sk][version];
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address a = candidates[i];
            if (a <= previous) revert CandidatesNotAscending(tenderId, section, a);
            previous = a;
            ITenderBook.Bid memory b = _tenderBook.bidOf(tenderId, section, a);
            if (!b.opened || b.outcome != ITenderBook.Outcome.DECRYPTED) revert IneligibleBid(tenderId, section, a);
            listed[a] = true;
            s.shortlist.push(a);
        }
        (s.maxSize, s.reportHash) = (maxSize, reportHash);
        emit ShortlistFiled(tenderId, section, msg.sender, version, candidates, maxSize, reportHash);
    }

    /// @inheritdoc ISelectionBook
    function sheetOf(bytes32 tenderId, uint16 section, address seat_)
        external
        view
        returns (bool committed, bool revealed, bytes32 word)
    {
        bytes32 ck = _committeeKey(tenderId, section, EVALUATION);
        Seat storage st = _seats[ck][seat_];
        if (st.state == SeatState.NONE) return (false, false, 0);
        uint32 bit = uint32(1) << st.index;
        Committee storage c = _committees[ck];
        // A replaced seat shares its index with its replacement, but never committed.
        committed = st.state == SeatState.ACTIVE && c.committed & bit != 0;
        revealed = committed && c.revealed & bit != 0;
        word = committed ? _sheets[_sectionKey(tenderId, section)][seat_] : bytes32(0);
    }

    /// @inheritdoc ISelectionBook
    function shortlistOf(bytes32 tenderId, uint16 section)
        external
        view
        returns (address[] memory candidates, uint8 maxSize, bytes32 reportHash, uint16 version)
    {
        SectionRecord storage s = _sections[_sectionKey(tenderId, section)];
        return (s.shortlist, s.maxSize, s.reportHash, s.shortlistVersion);
    }

    // ------------------------------------------------------------------ votes

    /// @inheritdoc ISelectionBook
    function openRound(
        bytes32 tenderId,
        uint16 section,
        uint16 round,
        address[] calldata candidates,
        uint64 commitDeadline,
        uint64 revealDeadline
    ) external {
        _publishedWith(tenderId, section);
        bytes32 sk = _sectionKey(tenderId, section);
        SectionRecord storage s = _sections[sk];
        if (s.shortlist.length == 0) revert NoShortlist(tenderId, section);
        if (s.decidedAt != 0) revert AlreadyDecided(tenderId, section);
        uint8 size = _committees[_committeeKey(tenderId, section, SELECTION)].size;
        if (size == 0) revert NotSeated(tenderId, section, SELECTION);
        uint16 last = s.lastRound;
        if (round != last + 1) revert WrongRound(tenderId, section, round, last + 1);
        if (last >= s.firstRound && last != 0) {
            Round storage p = _rounds[sk][last];
            if (p.revealed != _full(p.size) && block.timestamp < p.revealDeadline) {
                revert RoundOpen(tenderId, section, last);
            }
        }
        uint256 n = candidates.length;
        if (n == 0 || n > MAX_CANDIDATES || commitDeadline <= block.timestamp || revealDeadline <= commitDeadline) {
            revert InvalidRound(tenderId, section, round);
        }
        mapping(address => bool) storage listed = _shortlisted[sk][s.shortlistVersion];
        mapping(address => uint8) storage positions = _positions[sk][round];
        Round storage r = _rounds[sk][round];
        address previous = address(0);
        for (uint256 i = 0; i < n; ++i) {
            address a = candidates[i];
            if (a <= previous) revert CandidatesNotAscending(tenderId, section, a);
            previous = a;
            if (!listed[a]) revert NotShortlisted(tenderId, section, a);
            positions[a] = uint8(i + 1);
            r.candidates.push(a);
        }
        (r.commitDeadline, r.revealDeadline, r.size, r.tally) = (commitDeadline, revealDeadline, size, TALLY_SENTINEL);
        s.lastRound = round;
        emit RoundOpened(tenderId, section, round, candidates, commitDeadline, revealDeadline);
    }

    /// @inheritdoc ISelectionBook
    function commitVote(bytes32 tenderId, uint16 section, uint16 round, bytes32 commitment) external {
        bytes32 ck = _committeeKey(tenderId, section, SELECTION);
        uint32 bit = uint32(1) << _activeSeat(ck, tenderId, section, SELECTION);
        bytes32 sk = _sectionKey(tenderId, section);
        Round storage r = _rounds[sk][round];
        uint64 deadline = r.commitDeadline;
        if (deadline == 0) revert WrongRound(tenderId, section, round, _sections[sk].lastRound);
        if (block.timestamp >= deadline) revert CommitPeriodOver(tenderId, section, deadline, uint64(block.timestamp));
        uint32 committed = r.committed;
        if (committed & bit != 0) revert SeatAlreadyCommitted(tenderId, section, msg.sender);
        r.committed = committed | bit;
        _votes[sk][round][msg.sender] = commitment;
        emit VoteCommitted(tenderId, section, round, msg.sender, commitment);
    }

    /// @inheritdoc ISelectionBook
    function revealVote(bytes32 tenderId, uint16 section, uint16 round, address candidate, bytes32 salt) external {
        bytes32 ck = _committeeKey(tenderId, section, SELECTION);
        uint32 bit = uint32(1) << _activeSeat(ck, tenderId, section, SELECTION);
        bytes32 sk = _sectionKey(tenderId, section);
        Round storage r = _rounds[sk][round];
        (uint64 commitDeadline, uint64 revealDeadline, uint32 committed, uint32 revealed) =
            (r.commitDeadline, r.revealDeadline, r.committed, r.revealed);
        if (commitDeadline == 0) revert WrongRound(tenderId, section, round, _sections[sk].lastRound);
        if (committed != _full(r.size) && block.timestamp < commitDeadline) {
            revert RevealNotOpen(tenderId, section, commitDeadline);
        }
        if (block.timestamp >= revealDeadline) {
            revert LateReveal(tenderId, section, revealDeadline, uint64(block.timestamp));
        }
        if (committed & bit == 0 || revealed & bit != 0) revert NothingToReveal(tenderId, section, msg.sender);
        mapping(address => bytes32) storage votes = _votes[sk][round];
        bytes32 expected = SelectionHash.voteCommitment(tenderId, section, round, msg.sender, candidate, salt);
        if (expected != votes[msg.sender]) revert VoteMismatch(tenderId, section, round, msg.sender);
        if (candidate == address(0)) {
            r.abstentions += 1;
        } else {
            uint8 position = _positions[sk][round][candidate];
            if (position == 0) revert NotACandidate(tenderId, section, round, candidate);
            r.tally += uint256(1) << (16 * (position - 1));
        }
        r.revealed = revealed | bit;
        votes[msg.sender] = bytes32(uint256(uint160(candidate)));
        emit VoteRevealed(tenderId, section, round, msg.sender, candidate, salt);
    }

    /// @inheritdoc ISelectionBook
    function roundOf(bytes32 tenderId, uint16 section, uint16 round) external view returns (RoundView memory v) {
        Round storage r = _rounds[_sectionKey(tenderId, section)][round];
        uint256 n = r.candidates.length;
        v.candidates = r.candidates;
        v.tallies = new uint16[](n);
        for (uint256 i = 0; i < n; ++i) {
            v.tallies[i] = uint16(r.tally >> (16 * i));
        }
        (v.abstentions, v.commitDeadline, v.revealDeadline, v.committedMask, v.revealedMask) =
            (r.abstentions, r.commitDeadline, r.revealDeadline, r.committed, r.revealed);
    }

    /// @inheritdoc ISelectionBook
    function voteOf(bytes32 tenderId, uint16 section, uint16 round, address seat_)
        external
        view
        returns (bool committed, bool revealed, bytes32 commitment, address candidate)
    {
        Seat storage st = _seats[_committeeKey(tenderId, section, SELECTION)][seat_];
        if (st.state != SeatState.ACTIVE && st.state != SeatState.REPLACED) return (false, false, 0, address(0));
        bytes32 sk = _sectionKey(tenderId, section);
        Round storage r = _rounds[sk][round];
        bytes32 word = _votes[sk][round][seat_];
        uint32 bit = uint32(1) << st.index;
        committed = st.state == SeatState.ACTIVE && r.committed & bit != 0;
        revealed = committed && r.revealed & bit != 0;
        if (revealed) candidate = address(uint160(uint256(word)));
        else if (committed) commitment = word;
    }

    // ------------------------------------------------------------------ decision, 公示, award

    /// @inheritdoc ISelectionBook
    function decide(
        bytes32 tenderId,
        uint16 section,
        Basis basis,
        uint8 n,
        address winner,
        bytes32 drawId,
        bytes32 recordHash,
        uint16 publicityDays
    ) external {
        if (basis != Basis.CHAIR) _publishedWith(tenderId, section); // the chair's own seat: _checkChair
        bytes32 sk = _sectionKey(tenderId, section);
        SectionRecord storage s = _sections[sk];
        if (s.shortlist.length == 0) revert NoShortlist(tenderId, section);
        if (s.decidedAt != 0) revert AlreadyDecided(tenderId, section);
        if (!_shortlisted[sk][s.shortlistVersion][winner]) revert NotShortlisted(tenderId, section, winner);
        if (publicityDays < MIN_PUBLICITY_DAYS) revert PublicityTooShort(tenderId, section, publicityDays);
        if ((basis == Basis.NTH_LOWEST_PRICE) != (n != 0)) revert InvalidBasis(tenderId, section, basis, n);
        uint16 rule = _tenderBook.selectionOf(tenderId);
        if (!SelectionRule.allows(rule, uint8(basis), n)) revert BasisNotAllowed(tenderId, section, rule, basis, n);
        if (basis == Basis.LOTTERY) {
            if (_drawPick(tenderId, section, drawId, winner) != winner) {
                revert NotDrawWinner(tenderId, section, drawId, winner);
            }
        } else if (basis == Basis.NTH_LOWEST_PRICE || basis == Basis.CLOSEST_TO_AVERAGE) {
            if (_priceTied(tenderId, section, s.shortlist, basis, n, winner)) {
                if (drawId == 0) revert TieNeedsDraw(tenderId, section, winner);
                if (_drawPick(tenderId, section, drawId, winner) != winner) {
                    revert NotDrawWinner(tenderId, section, drawId, winner);
                }
            } else if (drawId != 0) {
                revert InvalidBasis(tenderId, section, basis, n);
            }
        } else if (basis == Basis.ELIMINATION_DRAW) {
            _checkEliminationDraw(tenderId, section, sk, s, winner, drawId);
        } else if (drawId != 0) {
            revert InvalidBasis(tenderId, section, basis, n);
        } else if (basis == Basis.SOLE_CANDIDATE) {
            if (s.shortlist.length != 1) revert NotSoleCandidate(tenderId, section, s.shortlist.length);
        } else if (basis == Basis.CHAIR) {
            _checkChair(tenderId, section, sk, s, recordHash);
        } else {
            _checkMajority(tenderId, section, sk, s, winner);
        }
        uint64 ends = uint64(block.timestamp) + uint64(publicityDays) * 1 days;
        (s.winner, s.drawId, s.recordHash) = (winner, drawId, recordHash);
        (s.decidedAt, s.publicityEnds) = (uint64(block.timestamp), ends);
        emit Decided(tenderId, section, winner, drawId, recordHash, ends, basis, n);
    }

    /// @inheritdoc ISelectionBook
    function object(bytes32 tenderId, uint16 section, bytes32 reasonHash) external returns (uint32 id) {
        SectionRecord storage s = _sections[_sectionKey(tenderId, section)];
        if (s.decidedAt == 0) revert NotDecided(tenderId, section);
        if (block.timestamp >= s.publicityEnds) {
            revert NotInPublicity(tenderId, section, s.publicityEnds, uint64(block.timestamp));
        }
        if (reasonHash == 0) revert MissingReason(tenderId, section);
        id = s.objections + 1;
        (s.objections, s.openObjections) = (id, s.openObjections + 1);
        Filing storage f = _objections[_sectionKey(tenderId, section)][id];
        (f.by, f.filedAt, f.reasonHash) = (msg.sender, uint64(block.timestamp), reasonHash);
        emit ObjectionFiled(tenderId, section, id, msg.sender, reasonHash);
    }

    /// @inheritdoc ISelectionBook
    function answerObjection(bytes32 tenderId, uint16 section, uint32 id, bytes32 answerHash) external {
        _publishedWith(tenderId, section);
        bytes32 sk = _sectionKey(tenderId, section);
        SectionRecord storage s = _sections[sk];
        Filing storage f = _filing(_objections[sk], tenderId, section, id, s.objections);
        if (answerHash == 0) revert MissingReason(tenderId, section);
        bool late = block.timestamp > f.filedAt + ANSWER_PERIOD;
        (f.closedAt, f.late, f.answerHash) = (uint64(block.timestamp), late, answerHash);
        s.openObjections -= 1;
        emit ObjectionAnswered(tenderId, section, id, answerHash, late);
    }

    /// @inheritdoc ISelectionBook
    function award(bytes32 tenderId, uint16 section) external {
        SectionRecord storage s = _sections[_sectionKey(tenderId, section)];
        if (s.decidedAt == 0) revert NotDecided(tenderId, section);
        if (s.awarded) revert SectionAwarded(tenderId, section);
        if (block.timestamp < s.publicityEnds) revert PublicityRunning(tenderId, section, s.publicityEnds);
        uint32 open = s.openObjections + s.pendingComplaints;
        if (open != 0) revert AwardPaused(tenderId, section, open);
        for (uint8 kind = EVALUATION; kind <= SELECTION; ++kind) {
            if (!_committees[_committeeKey(tenderId, section, kind)].opened) {
                revert CommitteeHidden(tenderId, section, kind);
            }
        }
        s.awarded = true;
        emit Awarded(tenderId, section, s.winner);
    }

    /// @inheritdoc ISelectionBook
    function complain(bytes32 tenderId, uint16 section, bytes32 reasonHash) external returns (uint32 id) {
        bytes32 sk = _sectionKey(tenderId, section);
        SectionRecord storage s = _sections[sk];
        if (s.decidedAt == 0) revert NotDecided(tenderId, section);
        uint64 ends = s.publicityEnds;
        if (block.timestamp < ends || block.timestamp >= ends + COMPLAINT_PERIOD) {
            revert ComplaintWindowClosed(tenderId, section, ends, uint64(block.timestamp));
        }
        if (reasonHash == 0) revert MissingReason(tenderId, section);
        id = s.complaints + 1;
        (s.complaints, s.pendingComplaints) = (id, s.pendingComplaints + 1);
        Filing storage f = _complaints[sk][id];
        (f.by, f.filedAt, f.reasonHash) = (msg.sender, uint64(block.timestamp), reasonHash);
        emit ComplaintFiled(tenderId, section, id, msg.sender, reasonHash);
    }

    /// @inheritdoc ISelectionBook
    function ruleComplaint(
        bytes32 tenderId,
        uint16 section,
        uint32 id,
        bool upheld,
        Stage redo,
        bytes32 rulingHash
    ) external onlyAdmin {
        bytes32 sk = _sectionKey(tenderId, section);
        SectionRecord storage s = _sections[sk];
        Filing storage f = _filing(_complaints[sk], tenderId, section, id, s.complaints);
        if (rulingHash == 0) revert MissingReason(tenderId, section);
        if (upheld && redo != Stage.EVALUATION && redo != Stage.SELECTION) revert InvalidRedo(tenderId, section, redo);
        Stage recorded = upheld ? redo : Stage.EVALUATION;
        (f.closedAt, f.upheld, f.redo, f.answerHash) = (uint64(block.timestamp), upheld, recorded, rulingHash);
        s.pendingComplaints -= 1;
        if (upheld) {
            // The decision (and any award) is withdrawn; the selection starts again with a new round.
            (s.winner, s.awarded, s.firstRound) = (address(0), false, s.lastRound + 1);
            (s.decidedAt, s.publicityEnds, s.drawId, s.recordHash) = (0, 0, 0, 0);
            if (redo == Stage.EVALUATION) {
                // A new shortlist revision: the evaluation seats file it again from their sheets.
                delete s.shortlist;
                (s.shortlistVersion, s.maxSize, s.reportHash) = (s.shortlistVersion + 1, 0, 0);
            }
        }
        emit ComplaintRuled(tenderId, section, id, upheld, recorded, rulingHash);
    }

    /// @inheritdoc ISelectionBook
    function decisionOf(bytes32 tenderId, uint16 section) external view returns (Decision memory) {
        SectionRecord storage s = _sections[_sectionKey(tenderId, section)];
        return Decision(s.winner, s.drawId, s.recordHash, s.decidedAt, s.publicityEnds, s.awarded);
    }

    /// @inheritdoc ISelectionBook
    function objectionOf(bytes32 tenderId, uint16 section, uint32 id) external view returns (Filing memory) {
        return _objections[_sectionKey(tenderId, section)][id];
    }

    /// @inheritdoc ISelectionBook
    function complaintOf(bytes32 tenderId, uint16 section, uint32 id) external view returns (Filing memory) {
        return _complaints[_sectionKey(tenderId, section)][id];
    }

    /// @inheritdoc ISelectionBook
    function sectionOf(bytes32 tenderId, uint16 section) external view returns (SectionView memory v) {
        SectionRecord storage s = _sections[_sectionKey(tenderId, section)];
        v.stage = s.awarded
            ? Stage.AWARDED
            : s.decidedAt != 0 ? Stage.PUBLICITY : s.shortlist.length != 0 ? Stage.SELECTION : Stage.EVALUATION;
        (v.shortlistVersion, v.firstRound, v.lastRound) =
            (s.shortlistVersion, s.firstRound == 0 ? 1 : s.firstRound, s.lastRound);
        (v.openObjections, v.objections, v.pendingComplaints, v.complaints) =
            (s.openObjections, s.objections, s.pendingComplaints, s.complaints);
    }

    /// @inheritdoc ISelectionBook
    function winnerOf(bytes32 tenderId, uint16 section) external view returns (address) {
        SectionRecord storage s = _sections[_sectionKey(tenderId, section)];
        return s.awarded ? s.winner : address(0);
    }

    // ------------------------------------------------------------------ hashing rules

    /// @inheritdoc ISelectionBook
    function sheetCommitment(bytes32 tenderId, uint16 section, address expert, bytes32 salt, bytes32 sheetHash)
        external
        pure
        returns (bytes32)
    {
        return SelectionHash.sheetCommitment(tenderId, section, expert, salt, sheetHash);
    }

    /// @inheritdoc ISelectionBook
    function voteCommitment(
        bytes32 tenderId,
        uint16 section,
        uint16 round,
        address seat_,
        address candidate,
        bytes32 salt
    ) external pure returns (bytes32) {
        return SelectionHash.voteCommitment(tenderId, section, round, seat_, candidate, salt);
    }

    /// @inheritdoc ISelectionBook
    function seatLink(bytes32 tenderId, uint16 section, uint8 kind, address seat_, address expert, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return SelectionHash.seatLink(tenderId, section, kind, seat_, expert, salt);
    }

    // ------------------------------------------------------------------ internals

    function _tenderHeader(bytes32 tenderId) internal view override returns (TenderHeader) {
        (address centre, uint64 deadline, uint16 sectionCount, uint8 threshold, uint8 sharesReleased, uint32 index) =
            _tenderBook.tenderHeader(tenderId);
        return TenderHeaders.pack(centre, deadline, sectionCount, threshold, sharesReleased, index);
    }

    function _sectionKey(bytes32 tenderId, uint16 section) private pure returns (bytes32) {
        return keccak256(abi.encode(tenderId, section));
    }

    /// @dev The key of committee `kind` of the section; reverts with `UnknownCommitteeKind` for a
    /// kind that does not exist.
    function _committeeKey(bytes32 tenderId, uint16 section, uint8 kind) private pure returns (bytes32) {
        if (kind > SELECTION) revert UnknownCommitteeKind(kind);
        return keccak256(abi.encode(tenderId, section, kind));
    }

    /// @dev The index of the caller's active seat on the committee; `NotSeat` otherwise.
    function _activeSeat(bytes32 ck, bytes32 tenderId, uint16 section, uint8 kind) private view returns (uint8) {
        Seat storage st = _seats[ck][msg.sender];
        if (st.state != SeatState.ACTIVE) revert NotSeat(tenderId, section, kind, msg.sender);
        return st.index;
    }

    /// @dev The mask with one bit per active seat of a committee of `size`.
    function _full(uint8 size) private pure returns (uint32) {
        return uint32((uint256(1) << size) - 1);
    }

    /// @dev The number of seats set in `mask`.
    function _count(uint32 mask) private pure returns (uint256 n) {
        for (; mask != 0; mask &= mask - 1) {
            ++n;
        }
    }

    /// @dev Whether the seat at `index` acted: committed a sheet, or a vote in any round.
    function _acted(bytes32 tenderId, uint16 section, uint8 kind, Committee storage c, uint8 index)
        private
        view
        returns (bool)
    {
        uint32 bit = uint32(1) << index;
        if (kind == EVALUATION) return c.committed & bit != 0;
        bytes32 sk = _sectionKey(tenderId, section);
        uint16 last = _sections[sk].lastRound;
        for (uint16 round = 1; round <= last; ++round) {
            if (_rounds[sk][round].committed & bit != 0) return true;
        }
        return false;
    }

    /// @dev Reverts with `WrongDraw` unless draw `drawId` belongs to this tender section.
    function _checkDraw(bytes32 tenderId, uint16 section, bytes32 drawId) private view {
        (bytes32 drawTender, uint16 drawSection,,) = _lottery.drawHeaderOf(drawId);
        if (drawId == 0 || drawTender != tenderId || drawSection != section) {
            revert WrongDraw(tenderId, section, drawId);
        }
    }

    /// @dev Whether `account` is a pick of the finished draw `drawId`; `DrawNotFinished` if unfinished.
    function _picked(bytes32 drawId, address account) private view returns (bool) {
        (,,, bool finished) = _lottery.drawHeaderOf(drawId);
        if (!finished) revert DrawNotFinished(drawId);
        bytes32[] memory picks = _lottery.picksOf(drawId);
        bytes32 wanted = bytes32(uint256(uint160(account)));
        for (uint256 i = 0; i < picks.length; ++i) {
            if (picks[i] == wanted) return true;
        }
        return false;
    }

    function _inPool(bytes32 pool, address account) private view returns (bool) {
        return pool == 0 ? _expertPositions[account] != 0 : _memberPositions[pool][account] != 0;
    }

    /// @dev Reverts with `NoMajority` unless the last round of the current selection is over and
    /// gave `winner` strictly more votes than any other candidate.
    function _checkMajority(bytes32 tenderId, uint16 section, bytes32 sk, SectionRecord storage s, address winner)
        private
        view
    {
        uint16 round = s.lastRound;
        uint16 first = s.firstRound == 0 ? 1 : s.firstRound;
        if (round < first) revert NoMajority(tenderId, section, 0, winner);
        Round storage r = _rounds[sk][round];
        if (r.revealed != _full(r.size) && block.timestamp < r.revealDeadline) {
            revert RoundOpen(tenderId, section, round);
        }
        uint8 position = _positions[sk][round][winner];
        if (position == 0) revert NoMajority(tenderId, section, round, winner);
        uint256 tally = r.tally;
        uint256 votes = uint16(tally >> (16 * (position - 1)));
        uint256 n = r.candidates.length;
        for (uint256 i = 0; i < n; ++i) {
            if (i + 1 != position && uint16(tally >> (16 * i)) >= votes) {
                revert NoMajority(tenderId, section, round, winner);
            }
        }
    }

    /// @dev 集体议事: reverts with `NotChair` unless the caller holds the chair's seat (active), with
    /// `ViewsMissing` unless the last round of the current selection is over the whole shortlist and
    /// every active seat revealed its view in it or its reveal deadline passed (a member who never
    /// reveals does not block the chair: it is 未表态), and with `MissingReason` without the chair's
    /// reasons (`recordHash`).
    function _checkChair(bytes32 tenderId, uint16 section, bytes32 sk, SectionRecord storage s, bytes32 recordHash)
        private
        view
    {
        bytes32 ck = _committeeKey(tenderId, section, SELECTION);
        Seat storage st = _seats[ck][msg.sender];
        uint8 chair = _committees[ck].chair;
        if (chair == 0 || st.state != SeatState.ACTIVE || st.index + 1 != chair) {
            revert NotChair(tenderId, section, msg.sender);
        }
        uint16 round = s.lastRound;
        Round storage r = _rounds[sk][round];
        if (
            round < (s.firstRound == 0 ? 1 : s.firstRound) || r.candidates.length != s.shortlist.length
                || (r.revealed != _full(r.size) && block.timestamp < r.revealDeadline)
        ) revert ViewsMissing(tenderId, section, round);
        if (recordHash == 0) revert MissingReason(tenderId, section);
    }

    /// @dev The first pick of the finished selection draw `drawId` of the section (0 if it picked
    /// none); `WrongDraw` for another section's or purpose's draw, `DrawNotFinished`.
    function _drawPick(bytes32 tenderId, uint16 section, bytes32 drawId, address winner)
        private
        view
        returns (address)
    {
        (bytes32 drawTender, uint16 drawSection, string memory purpose, bool finished) = _lottery.drawHeaderOf(drawId);
        if (drawTender != tenderId || drawSection != section || keccak256(bytes(purpose)) != SELECTION_PURPOSE) {
            revert WrongDraw(tenderId, section, drawId);
        }
        if (!finished) revert DrawNotFinished(drawId);
        bytes32[] memory picks = _lottery.picksOf(drawId);
        if (picks.length == 0) revert NotDrawWinner(tenderId, section, drawId, winner);
        return address(uint160(uint256(picks[0])));
    }

    /// @dev 价格竞争 over the shortlisted bids' opened prices (TenderBook `Bid.price`, in 分):
    /// reverts with `NotPriceWinner` unless `winner` meets the rule; returns whether another
    /// candidate meets it too (a tie, which a draw breaks). The n-th lowest counts bids (100, 100,
    /// 120: the 2nd lowest is 100) and is the highest on a shortlist of fewer than n; the closest to
    /// the average compares |len·p − total| exactly, with no rounding.
    function _priceTied(
        bytes32 tenderId,
        uint16 section,
        address[] storage list,
        Basis basis,
        uint8 n,
        address winner
    ) private view returns (bool) {
        uint256 len = list.length;
        uint256[] memory prices = new uint256[](len);
        uint256 total = 0;
        uint256 mine = 0;
        for (uint256 i = 0; i < len; ++i) {
            address a = list[i];
            uint256 p = _tenderBook.bidOf(tenderId, section, a).price;
            prices[i] = p;
            total += p;
            if (a == winner) mine = p;
        }
        uint256 below = 0;
        uint256 same = 0;
        if (basis == Basis.NTH_LOWEST_PRICE) {
            for (uint256 i = 0; i < len; ++i) {
                if (prices[i] < mine) ++below;
                else if (prices[i] == mine) ++same;
            }
            uint256 k = n < len ? n : len;
            if (below >= k || below + same < k) revert NotPriceWinner(tenderId, section, winner);
        } else {
            uint256 best = _distance(len * mine, total);
            for (uint256 i = 0; i < len; ++i) {
                uint256 d = _distance(len * prices[i], total);
                if (d < best) revert NotPriceWinner(tenderId, section, winner);
                if (d == best) ++same;
            }
        }
        return same > 1;
    }

    function _distance(uint256 a, uint256 b) private pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    /// @dev 逐轮票决 ended by a draw: the last round of the current selection is over, its two
    /// candidates tied, and the draw's first pick is the one that dropped, not `winner`.
    function _checkEliminationDraw(
        bytes32 tenderId,
        uint16 section,
        bytes32 sk,
        SectionRecord storage s,
        address winner,
        bytes32 drawId
    ) private view {
        uint16 round = s.lastRound;
        Round storage r = _rounds[sk][round];
        uint8 position = _positions[sk][round][winner];
        if (round < (s.firstRound == 0 ? 1 : s.firstRound) || r.candidates.length != 2 || position == 0) {
            revert InvalidBasis(tenderId, section, Basis.ELIMINATION_DRAW, 0);
        }
        if (r.revealed != _full(r.size) && block.timestamp < r.revealDeadline) {
            revert RoundOpen(tenderId, section, round);
        }
        if (uint16(r.tally) != uint16(r.tally >> 16)) revert InvalidBasis(tenderId, section, Basis.ELIMINATION_DRAW, 0);
        address dropped = _drawPick(tenderId, section, drawId, winner);
        if (dropped != r.candidates[2 - position]) revert NotDrawWinner(tenderId, section, drawId, winner);
    }

    /// @dev Objection or complaint `id` (1 … `count`), still open.
    function _filing(
        mapping(uint32 => Filing) storage filings,
        bytes32 tenderId,
        uint16 section,
        uint32 id,
        uint32 count
    ) private view returns (Filing storage f) {
        if (id == 0 || id > count) revert UnknownFiling(tenderId, section, id);
        f = filings[id];
        if (f.closedAt != 0) revert FilingClosed(tenderId, section, id);
    }

    /// @dev Removes `account` from a pool list (swap and pop); `NotInPool` if it is not there.
    function _remove(
        address[] storage list,
        mapping(address => uint256) storage positions,
        bytes32 pool,
        address account
    ) private {
        uint256 position = positions[account];
        if (position == 0) revert NotInPool(pool, account);
        address last = list[list.length - 1];
        list[position - 1] = last;
        positions[last] = position;
        list.pop();
        delete positions[account];
    }
}
