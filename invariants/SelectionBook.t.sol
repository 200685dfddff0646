// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILotteryBook} from "../contracts/interfaces/ILotteryBook.sol";
import {ISelectionBook} from "../contracts/interfaces/ISelectionBook.sol";
import {ITenderBook} from "../contracts/interfaces/ITenderBook.sol";
import {FuzzBase, InvariantTest} from "./lib/InvariantTest.sol";
import {Draws} from "./lib/Draws.sol";
import {Tenders} from "./lib/Tenders.sol";

/**
 * @notice Drives 评定分离 on two closed one-section tenders, each with four opened bids: one
 * selected by 直接票决, one by 价格竞争 (lowest price). The setup runs the real TenderBook and
 * LotteryBook: bids sealed and opened, committees seated from a finished committee draw. Then:
 * evaluation seats (and outsiders) commit and reveal score sheets, honestly or not, and file
 * shortlists; the centre opens vote rounds, replaces seats, runs selection draws and records
 * decisions on every basis, with the winner the basis gives or another bidder; selection seats,
 * replaced seats and outsiders commit and reveal votes; complaints are upheld, back to selection
 * or evaluation; time passes. The handler keeps its own model of who sits, what each seat
 * committed, the tallies and the method each tender fixed, and judges every accepted step by it.
 */
contract SelectionHandler is FuzzBase {
    uint256 internal constant TENDERS = 2;
    uint256 internal constant BIDDERS = 4;
    uint256 internal constant SEATS = 5;
    /// @dev Seat addresses per committee: SEATS seated, the rest spares for replacements.
    uint256 internal constant SEAT_ADDRESSES = 7;
    uint16 internal constant SECTION = 0;
    uint8 internal constant EVALUATION = 0;
    uint8 internal constant SELECTION = 1;
    uint256 internal constant SK = 0x5eed5eed;

    ITenderBook public immutable tenders;
    ILotteryBook public immutable lottery;
    ISelectionBook public immutable book;
    address internal immutable centre;
    address internal immutable outsider;
    uint256 internal immutable pkX;
    uint256 internal immutable pkY;

    bytes32[TENDERS] internal tenderIds;
    /// @dev The selection word each tender was published with (the model of its fixed method).
    uint16[TENDERS] internal methods;
    address[BIDDERS] internal bidders; // ascending
    mapping(uint256 t => mapping(address bidder => uint64)) internal priceOf;
    address[SEAT_ADDRESSES][2] internal seatAddresses; // per committee kind, ascending
    bytes32[TENDERS] internal latestDraw;
    uint16[TENDERS] internal selectionDraws;

    // ---- the model
    mapping(uint256 t => mapping(uint8 kind => mapping(address seat => bool))) internal seated;
    mapping(uint256 t => mapping(address seat => bytes32)) internal sheetCommitment;
    mapping(uint256 t => mapping(address seat => bytes32)) internal sheetSalt;
    mapping(uint256 t => mapping(address seat => bytes32)) internal sheetHash;
    mapping(uint256 t => mapping(address seat => bytes32)) internal sheetRevealed;
    mapping(uint256 t => mapping(uint16 round => mapping(address seat => uint256))) internal voteCommits;
    mapping(uint256 t => mapping(uint16 round => mapping(address seat => bytes32))) internal voteCommitment;
    mapping(uint256 t => mapping(uint16 round => mapping(address seat => address))) internal voteFor;
    mapping(uint256 t => mapping(uint16 round => mapping(address seat => bytes32))) internal voteSalt;
    mapping(uint256 t => mapping(uint16 round => mapping(address seat => uint256))) internal voteReveals;
    /// @dev Votes revealed per candidate (0: abstentions).
    mapping(uint256 t => mapping(uint16 round => mapping(address candidate => uint256))) internal tallyOf;

    /// @dev Accepted steps the model says break a rule.
    uint256 public votesByNonMembers;
    uint256 public secondVotes;
    uint256 public mismatchedReveals;
    uint256 public winnersOffShortlist;
    uint256 public basesNotAllowed;
    uint256 public decisions;

    constructor() {
        tenders = ITenderBook(vm.deployCode("TenderBook.sol:TenderBook", abi.encode(address(this))));
        lottery = ILotteryBook(vm.deployCode("LotteryBook.sol:LotteryBook", abi.encode(address(tenders))));
        book = ISelectionBook(
            vm.deployCode(
                "SelectionBook.sol:SelectionBook", abi.encode(address(this), address(tenders), address(lottery))
            )
        );
        (centre, outsider) = (_actor("centre"), _actor("outsider"));
        (pkX, pkY) = Draws.publicKey(SK);
        for (uint256 i = 0; i < BIDDERS; ++i) {
            bidders[i] = _actor(string(abi.encodePacked("bidder", bytes1(uint8(48 + i)))));
        }
        _sort(bidders);
        for (uint256 i = 0; i < SEAT_ADDRESSES; ++i) {
            seatAddresses[EVALUATION][i] = _actor(string(abi.encodePacked("evaluator", bytes1(uint8(48 + i)))));
            seatAddresses[SELECTION][i] = _actor(string(abi.encodePacked("selector", bytes1(uint8(48 + i)))));
        }
        _sort(seatAddresses[EVALUATION]);
        _sort(seatAddresses[SELECTION]);
        (methods[0], methods[1]) = (1, 0x0104); // 直接票决; 价格竞争, the lowest price
        uint64[BIDDERS][TENDERS] memory prices = [[uint64(100_00), 120_00, 150_00, 130_00], [uint64(300_00), 200_00, 250_00, 200_00]];

        tenders.authoriseCentre(centre);
        uint64 closesAt = uint64(block.timestamp) + tenders.MIN_BID_PERIOD();
        for (uint256 t = 0; t < TENDERS; ++t) {
            tenderIds[t] = keccak256(abi.encode("fuzzed tender", t));
            vm.prank(centre);
            tenders.publishTender(
                tenderIds[t], Tenders.params(1, closesAt, _actor("officerA"), _actor("officerB"), methods[t])
            );
            for (uint256 i = 0; i < BIDDERS; ++i) {
                priceOf[t][bidders[i]] = prices[t][i];
                bytes32 commitment = _bidCommitment(t, i); // before the prank: it calls TenderBook
                vm.prank(bidders[i]);
                tenders.submitBid(tenderIds[t], SECTION, commitment);
            }
        }
        vm.warp(closesAt);
        for (uint256 t = 0; t < TENDERS; ++t) {
            _open(t);
        }
    }

    /// @dev Releases the opening key, opens the four bids, closes the section, names the tenderer
    /// and seats both committees from a finished committee draw.
    function _open(uint256 t) internal {
        bytes32 id = tenderIds[t];
        vm.prank(_actor("officerA"));
        tenders.releaseShare(id, Tenders.share(0));
        vm.prank(_actor("officerB"));
        tenders.releaseShare(id, Tenders.share(1));
        for (uint256 i = 0; i < BIDDERS; ++i) {
            vm.prank(centre);
            tenders.recordOpening(
                id, SECTION, bidders[i], ITenderBook.Outcome.DECRYPTED, keccak256(abi.encode("ciphertext", t, i)),
                keccak256(abi.encode("salt", t, i)), new bytes32[](0), priceOf[t][bidders[i]]
            );
        }
        vm.prank(centre);
        tenders.closeSection(id, SECTION, uint16(BIDDERS));
        vm.prank(centre);
        book.nameTenderer(id, bytes32("91110000000000000X"));
        bytes32[] memory experts = new bytes32[](SEAT_ADDRESSES);
        for (uint256 i = 0; i < SEAT_ADDRESSES; ++i) {
            experts[i] = bytes32((i + 1) * 0x1000);
        }
        bytes32 drawId = _runDraw(t, "committee", 0, experts, uint16(SEATS));
        for (uint8 kind = EVALUATION; kind <= SELECTION; ++kind) {
            address[] memory seats = new address[](SEATS);
            bytes32[] memory links = new bytes32[](SEATS);
            for (uint256 i = 0; i < SEATS; ++i) {
                seats[i] = seatAddresses[kind][i];
                links[i] = keccak256(abi.encode("link", t, kind, i));
                seated[t][kind][seats[i]] = true;
            }
            (uint64 commitBy, uint64 revealBy) =
                kind == EVALUATION ? (uint64(block.timestamp + 30 days), uint64(block.timestamp + 60 days)) : (0, 0);
            vm.prank(centre);
            book.seat(id, SECTION, kind, drawId, seats, links, commitBy, revealBy);
        }
    }

    function _bidCommitment(uint256 t, uint256 i) internal view returns (bytes32) {
        bytes32 credSet = tenders.credSetCommitment(keccak256(abi.encode("salt", t, i)), new bytes32[](0));
        return tenders.bidCommitment(
            tenderIds[t], SECTION, bidders[i], keccak256(abi.encode("ciphertext", t, i)), credSet
        );
    }

    /// @dev Opens, seeds (both parties) and finishes a draw of the tender section on LotteryBook.
    function _runDraw(uint256 t, string memory purpose, uint16 round, bytes32[] memory candidates, uint16 k)
        internal
        returns (bytes32 drawId)
    {
        address[] memory parties = new address[](2);
        (parties[0], parties[1]) = (_actor("partyA"), _actor("partyB"));
        address[] memory officers = new address[](2);
        (officers[0], officers[1]) = (_actor("drawOfficerA"), _actor("drawOfficerB"));
        bytes32[] memory shareHashes = new bytes32[](2);
        (shareHashes[0], shareHashes[1]) = (keccak256(Tenders.share(0)), keccak256(Tenders.share(1)));
        vm.prank(centre);
        drawId = lottery.openDraw(
            tenderIds[t], SECTION, purpose, round, parties, candidates, k, pkX, pkY,
            uint64(block.timestamp + 1 hours), officers, shareHashes, 2
        );
        for (uint256 i = 0; i < parties.length; ++i) {
            uint256 r = 1 + uint256(keccak256(abi.encode(drawId, i))) % (Draws.N - 1);
            (uint256 rx, uint256 ry, bytes32 c) =
                Draws.seal(drawId, parties[i], pkX, pkY, r, keccak256(abi.encode("seed", drawId, i)));
            vm.prank(parties[i]);
            lottery.commitSeed(drawId, rx, ry, c);
        }
        lottery.finishDraw(drawId, SK);
    }

    // ------------------------------------------------------------------ reading

    function _shortlist(uint256 t) internal view returns (address[] memory list) {
        (list,,,) = book.shortlistOf(tenderIds[t], SECTION);
    }

    function _lastRound(uint256 t) internal view returns (uint16) {
        return book.sectionOf(tenderIds[t], SECTION).lastRound;
    }

    /// @dev The bidders `mask` names (bit i: bidders[i]), ascending.
    function _bidders(uint256 mask) internal view returns (address[] memory out) {
        out = new address[](_popcount(mask % (1 << BIDDERS)));
        uint256 n = 0;
        for (uint256 i = 0; i < BIDDERS; ++i) {
            if ((mask >> i) & 1 == 1) out[n++] = bidders[i];
        }
    }

    /// @dev The entries of `list` that `mask` names, all of them if it names none.
    function _subset(address[] memory list, uint256 mask) internal pure returns (address[] memory out) {
        uint256 n = 0;
        for (uint256 i = 0; i < list.length; ++i) {
            if ((mask >> i) & 1 == 1) ++n;
        }
        if (n == 0) return list;
        out = new address[](n);
        n = 0;
        for (uint256 i = 0; i < list.length; ++i) {
            if ((mask >> i) & 1 == 1) out[n++] = list[i];
        }
    }

    /// @dev Evaluation seats, spares, the outsider, a selection seat.
    function _evaluator(uint256 seed) internal view returns (address) {
        uint256 i = seed % (SEAT_ADDRESSES + 2);
        if (i < SEAT_ADDRESSES) return seatAddresses[EVALUATION][i];
        return i == SEAT_ADDRESSES ? outsider : seatAddresses[SELECTION][0];
    }

    /// @dev Selection seats, spares (replaced seats among them), the outsider, an evaluation seat.
    function _selector(uint256 seed) internal view returns (address) {
        uint256 i = seed % (SEAT_ADDRESSES + 2);
        if (i < SEAT_ADDRESSES) return seatAddresses[SELECTION][i];
        return i == SEAT_ADDRESSES ? outsider : seatAddresses[EVALUATION][0];
    }

    // ------------------------------------------------------------------ actions: evaluation

    function commitSheet(uint256 tSeed, uint256 actorSeed, bytes32 salt, bytes32 sheet) external {
        _commitSheet(tSeed % TENDERS, _evaluator(actorSeed), salt, sheet);
    }

    /// @notice A reveal of what the seat committed, or (two times in three) of another sheet or salt.
    function revealSheet(uint256 tSeed, uint256 actorSeed, uint256 tamper) external {
        uint256 t = tSeed % TENDERS;
        address seat = _evaluator(actorSeed);
        (bytes32 salt, bytes32 sheet) = (sheetSalt[t][seat], sheetHash[t][seat]);
        if (tamper % 3 == 1) sheet = bytes32(uint256(sheet) ^ 1);
        if (tamper % 3 == 2) salt = bytes32(uint256(salt) ^ 1);
        _revealSheet(t, seat, salt, sheet);
    }

    /// @notice A shortlist of the bidders `mask` names, with a size cap that may be too small.
    function fileShortlist(uint256 tSeed, uint256 actorSeed, uint256 mask, uint256 capSeed) external {
        _fileShortlist(tSeed % TENDERS, _evaluator(actorSeed), mask, capSeed);
    }

    /// @notice Every evaluation seat commits an honest sheet; then (one time in two: otherwise the
    /// reveals are left to `revealSheet`, honest or not) every seat reveals and one files a shortlist.
    function evaluate(uint256 tSeed, uint256 seed) external {
        uint256 t = tSeed % TENDERS;
        address[SEAT_ADDRESSES] memory seats = seatAddresses[EVALUATION];
        for (uint256 i = 0; i < SEAT_ADDRESSES; ++i) {
            if (seated[t][EVALUATION][seats[i]] && sheetCommitment[t][seats[i]] == 0) {
                _commitSheet(t, seats[i], keccak256(abi.encode(seed, i)), keccak256(abi.encode(seed, i, "sheet")));
            }
        }
        if (seed % 2 == 0) return;
        address filer = address(0);
        for (uint256 i = 0; i < SEAT_ADDRESSES; ++i) {
            if (!seated[t][EVALUATION][seats[i]]) continue;
            filer = seats[i];
            if (sheetRevealed[t][seats[i]] == 0) {
                _revealSheet(t, seats[i], sheetSalt[t][seats[i]], sheetHash[t][seats[i]]);
            }
        }
        _fileShortlist(t, filer, seed >> 8, seed >> 16);
    }

    function _commitSheet(uint256 t, address seat, bytes32 salt, bytes32 sheet) internal {
        bytes32 commitment = keccak256(abi.encode(tenderIds[t], SECTION, seat, salt, sheet));
        vm.prank(seat);
        try book.commitSheet(tenderIds[t], SECTION, commitment) {
            (sheetCommitment[t][seat], sheetSalt[t][seat], sheetHash[t][seat]) = (commitment, salt, sheet);
        } catch {}
    }

    function _revealSheet(uint256 t, address seat, bytes32 salt, bytes32 sheet) internal {
        vm.prank(seat);
        try book.revealSheet(tenderIds[t], SECTION, salt, sheet) {
            if (keccak256(abi.encode(tenderIds[t], SECTION, seat, salt, sheet)) != sheetCommitment[t][seat]) {
                ++mismatchedReveals;
            }
            sheetRevealed[t][seat] = sheet;
        } catch {}
    }

    function _fileShortlist(uint256 t, address seat, uint256 mask, uint256 capSeed) internal {
        address[] memory candidates = _bidders(mask % 15 + 1);
        uint8 cap = uint8(candidates.length + capSeed % 3) - (capSeed % 5 == 4 ? 1 : 0);
        vm.prank(seat);
        try book.submitShortlist(tenderIds[t], SECTION, candidates, cap, keccak256("report")) {} catch {}
    }

    // ------------------------------------------------------------------ actions: seats and votes

    /// @notice The centre replaces a seat (or a spare, or a replaced one) of either committee by a spare.
    function replaceSeat(uint256 tSeed, uint256 kindSeed, uint256 oldSeed, uint256 newSeed) external {
        (uint256 t, uint8 kind) = (tSeed % TENDERS, uint8(kindSeed % 2));
        address old = seatAddresses[kind][oldSeed % SEAT_ADDRESSES];
        address fresh = seatAddresses[kind][SEATS + newSeed % (SEAT_ADDRESSES - SEATS)];
        vm.prank(centre);
        try book.replaceSeat(tenderIds[t], SECTION, kind, old, fresh, 0, keccak256(abi.encode(fresh)), keccak256("no-show")) {
            (seated[t][kind][old], seated[t][kind][fresh]) = (false, true);
        } catch {}
    }

    /// @notice The centre opens the next round among shortlisted candidates (one time in four,
    /// among any bidders).
    function openRound(uint256 tSeed, uint256 mask) external {
        uint256 t = tSeed % TENDERS;
        address[] memory candidates = mask % 4 == 3 ? _bidders(mask >> 2) : _subset(_shortlist(t), mask >> 2);
        if (candidates.length == 0) return;
        uint16 round = _lastRound(t) + 1;
        vm.prank(centre);
        try book.openRound(
            tenderIds[t], SECTION, round, candidates, uint64(block.timestamp + 1 days), uint64(block.timestamp + 2 days)
        ) {} catch {}
    }

    /// @notice A vote in the last round: for one of its candidates, or an abstention.
    function commitVote(uint256 tSeed, uint256 actorSeed, uint256 candidateSeed, bytes32 salt) external {
        uint256 t = tSeed % TENDERS;
        uint16 round = _lastRound(t);
        address[] memory candidates = book.roundOf(tenderIds[t], SECTION, round).candidates;
        uint256 i = candidateSeed % (candidates.length + 1);
        _commitVote(t, round, _selector(actorSeed), i < candidates.length ? candidates[i] : address(0), salt);
    }

    /// @notice A reveal of the vote committed, or (two times in three) of another candidate.
    function revealVote(uint256 tSeed, uint256 actorSeed, uint256 tamper) external {
        uint256 t = tSeed % TENDERS;
        uint16 round = _lastRound(t);
        address seat = _selector(actorSeed);
        address candidate = voteFor[t][round][seat];
        if (tamper % 3 != 0) {
            address[] memory candidates = book.roundOf(tenderIds[t], SECTION, round).candidates;
            address other = candidates.length == 0 ? bidders[0] : candidates[tamper % candidates.length];
            candidate = candidate == other ? address(0) : other;
        }
        _revealVote(t, round, seat, candidate, voteSalt[t][round][seat]);
    }

    /// @notice Every selection seat address, seated, replaced or spare, tries to vote in the last
    /// round (spread by `seed`); then (one time in two: otherwise the reveals are left to
    /// `revealVote`) every one that committed reveals.
    function voteAll(uint256 tSeed, uint256 seed) external {
        uint256 t = tSeed % TENDERS;
        uint16 round = _lastRound(t);
        address[] memory candidates = book.roundOf(tenderIds[t], SECTION, round).candidates;
        address[SEAT_ADDRESSES] memory seats = seatAddresses[SELECTION];
        for (uint256 i = 0; i < SEAT_ADDRESSES; ++i) {
            if (voteCommits[t][round][seats[i]] != 0) continue;
            uint256 pick = (seed >> (8 * i)) % (candidates.length + 1);
            address candidate = pick < candidates.length ? candidates[pick] : address(0);
            _commitVote(t, round, seats[i], candidate, keccak256(abi.encode(seed, i)));
        }
        if ((seed >> 64) % 2 == 0) return;
        for (uint256 i = 0; i < SEAT_ADDRESSES; ++i) {
            address s = seats[i];
            if (voteCommits[t][round][s] != 0 && voteReveals[t][round][s] == 0) {
                _revealVote(t, round, s, voteFor[t][round][s], voteSalt[t][round][s]);
            }
        }
    }

    function _commitVote(uint256 t, uint16 round, address seat, address candidate, bytes32 salt) internal {
        bytes32 commitment = keccak256(abi.encode(tenderIds[t], SECTION, round, seat, candidate, salt));
        bool member = seated[t][SELECTION][seat];
        vm.prank(seat);
        try book.commitVote(tenderIds[t], SECTION, round, commitment) {
            if (!member) ++votesByNonMembers;
            if (++voteCommits[t][round][seat] > 1) ++secondVotes;
            (voteCommitment[t][round][seat], voteFor[t][round][seat], voteSalt[t][round][seat]) =
                (commitment, candidate, salt);
        } catch {}
    }

    function _revealVote(uint256 t, uint16 round, address seat, address candidate, bytes32 salt) internal {
        vm.prank(seat);
        try book.revealVote(tenderIds[t], SECTION, round, candidate, salt) {
            if (keccak256(abi.encode(tenderIds[t], SECTION, round, seat, candidate, salt)) != voteCommitment[t][round][seat]) {
                ++mismatchedReveals;
            }
            if (++voteReveals[t][round][seat] > 1) ++secondVotes;
            ++tallyOf[t][round][candidate];
        } catch {}
    }

    // ------------------------------------------------------------------ actions: decision

    /// @notice The centre runs a selection draw among the shortlist or (one time in two) among any
    /// bidders; its first pick is what a LOTTERY decision, or a price tie, must name.
    function drawForSelection(uint256 tSeed, uint256 mask) external {
        uint256 t = tSeed % TENDERS;
        address[] memory among = mask % 2 == 0 ? _shortlist(t) : _bidders(mask >> 1);
        if (among.length == 0) return;
        bytes32[] memory candidates = new bytes32[](among.length);
        for (uint256 i = 0; i < among.length; ++i) {
            candidates[i] = bytes32(uint256(uint160(among[i])));
        }
        uint16 round = ++selectionDraws[t];
        latestDraw[t] = _runDraw(t, "selection", round, candidates, uint16(among.length));
    }

    /// @notice The centre records a decision on a basis (and n) from `basisSeed`: with the winner
    /// and draw that basis gives on the record, or (mode 1) another bidder, or (mode 2) another
    /// bidder and any draw; one time in four any n.
    function decide(uint256 tSeed, uint256 basisSeed, uint256 winnerSeed, uint256 mode) external {
        uint256 t = tSeed % TENDERS;
        ISelectionBook.Basis basis = ISelectionBook.Basis(basisSeed % 6);
        uint8 n = basis == ISelectionBook.Basis.NTH_LOWEST_PRICE ? uint8(_bound(basisSeed >> 8, 1, 3)) : 0;
        if (mode % 4 == 3) n = uint8((basisSeed >> 16) % 4);
        address[] memory list = _shortlist(t);
        (address winner, bytes32 drawId) = _given(t, basis, n, list);
        if (mode % 3 != 0) winner = bidders[winnerSeed % BIDDERS];
        if (mode % 3 == 2) drawId = (winnerSeed >> 8) % 2 == 0 ? bytes32(0) : latestDraw[t];
        bool listed = _contains(list, winner);
        vm.prank(centre);
        try book.decide(tenderIds[t], SECTION, basis, n, winner, drawId, keccak256("record"), 3) {
            ++decisions;
            if (!listed) ++winnersOffShortlist;
            if (!_methodAllows(methods[t], basis, n)) ++basesNotAllowed;
        } catch {}
    }

    /// @notice A complaint after 公示, upheld: back to selection or (one time in two) evaluation.
    function overturn(uint256 tSeed, uint256 redoSeed) external {
        uint256 t = tSeed % TENDERS;
        ISelectionBook.Decision memory d = book.decisionOf(tenderIds[t], SECTION);
        if (d.decidedAt == 0) return;
        if (block.timestamp < d.publicityEnds) vm.warp(d.publicityEnds);
        vm.prank(bidders[redoSeed % BIDDERS]);
        uint32 id = book.complain(tenderIds[t], SECTION, keccak256("complaint"));
        ISelectionBook.Stage redo = redoSeed % 2 == 0 ? ISelectionBook.Stage.SELECTION : ISelectionBook.Stage.EVALUATION;
        book.ruleComplaint(tenderIds[t], SECTION, id, true, redo, keccak256("ruling"));
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1 hours, 2 days));
    }

    // ------------------------------------------------------------------ the rules, written again

    /// @dev The bases each selection method can end on (docs/contracts.md "SelectionBook",
    /// domain.md §4.6): any method on SOLE_CANDIDATE; 直接票决 on VOTE or LOTTERY; 逐轮票决 on VOTE or
    /// ELIMINATION_DRAW; 票决抽签 and 直接抽签 on LOTTERY; 价格竞争 on its fixed price rule only;
    /// 集体议事 on VOTE.
    function _methodAllows(uint16 word, ISelectionBook.Basis basis, uint8 n) internal pure returns (bool) {
        if (basis == ISelectionBook.Basis.SOLE_CANDIDATE) return n == 0;
        (uint8 method, uint8 rule) = (uint8(word), uint8(word >> 8));
        if (method == 4) {
            return rule == 0
                ? basis == ISelectionBook.Basis.CLOSEST_TO_AVERAGE && n == 0
                : basis == ISelectionBook.Basis.NTH_LOWEST_PRICE && n == rule;
        }
        if (n != 0) return false;
        if (method == 1) return basis == ISelectionBook.Basis.VOTE || basis == ISelectionBook.Basis.LOTTERY;
        if (method == 2) return basis == ISelectionBook.Basis.VOTE || basis == ISelectionBook.Basis.ELIMINATION_DRAW;
        if (method == 3 || method == 5) return basis == ISelectionBook.Basis.LOTTERY;
        if (method == 6) return basis == ISelectionBook.Basis.VOTE;
        return false;
    }

    /// @dev The winner (and draw) `basis` gives on the record: the last round's leader, the latest
    /// selection draw's first pick, the sole candidate, the price rule's bidder (a tie: the draw's
    /// pick if it is one of the tied).
    function _given(uint256 t, ISelectionBook.Basis basis, uint8 n, address[] memory list)
        internal
        view
        returns (address winner, bytes32 drawId)
    {
        if (list.length == 0) return (bidders[0], 0);
        winner = list[0];
        address picked = _firstPick(latestDraw[t]);
        if (basis == ISelectionBook.Basis.VOTE) {
            ISelectionBook.RoundView memory r = book.roundOf(tenderIds[t], SECTION, _lastRound(t));
            uint256 most = 0;
            for (uint256 i = 0; i < r.candidates.length; ++i) {
                if (r.tallies[i] > most) (most, winner) = (r.tallies[i], r.candidates[i]);
            }
        } else if (basis == ISelectionBook.Basis.LOTTERY || basis == ISelectionBook.Basis.ELIMINATION_DRAW) {
            drawId = latestDraw[t];
            if (basis == ISelectionBook.Basis.LOTTERY && picked != address(0)) winner = picked;
        } else if (basis == ISelectionBook.Basis.NTH_LOWEST_PRICE || basis == ISelectionBook.Basis.CLOSEST_TO_AVERAGE) {
            uint256 len = list.length;
            uint256[] memory score = new uint256[](len); // lower is better
            uint256 total = 0;
            for (uint256 i = 0; i < len; ++i) {
                total += priceOf[t][list[i]];
            }
            for (uint256 i = 0; i < len; ++i) {
                uint256 p = priceOf[t][list[i]];
                score[i] = basis == ISelectionBook.Basis.CLOSEST_TO_AVERAGE
                    ? (len * p > total ? len * p - total : total - len * p)
                    : p;
            }
            // The k-th lowest (counting bids) or the closest: the k-th smallest score.
            uint256 k = basis == ISelectionBook.Basis.CLOSEST_TO_AVERAGE ? 1 : (n == 0 ? 1 : (n < len ? n : len));
            uint256 target = _kthSmallest(score, k);
            uint256 same = 0;
            for (uint256 i = 0; i < len; ++i) {
                if (score[i] != target) continue;
                if (same++ == 0) winner = list[i];
                if (list[i] == picked) winner = picked;
            }
            if (same > 1) drawId = latestDraw[t];
        }
    }

    function _firstPick(bytes32 drawId) internal view returns (address) {
        if (drawId == 0) return address(0);
        bytes32[] memory picks = lottery.picksOf(drawId);
        return picks.length == 0 ? address(0) : address(uint160(uint256(picks[0])));
    }

    function _kthSmallest(uint256[] memory values, uint256 k) internal pure returns (uint256) {
        uint256[] memory v = new uint256[](values.length);
        for (uint256 i = 0; i < v.length; ++i) {
            uint256 x = values[i];
            uint256 j = i;
            for (; j > 0 && v[j - 1] > x; --j) {
                v[j] = v[j - 1];
            }
            v[j] = x;
        }
        return v[k - 1];
    }

    function _contains(address[] memory list, address a) internal pure returns (bool) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == a) return true;
        }
        return false;
    }

    function _popcount(uint256 x) internal pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) {
            ++n;
        }
    }

    function _sort(address[BIDDERS] storage list) internal {
        for (uint256 i = 1; i < BIDDERS; ++i) {
            for (uint256 j = i; j > 0 && list[j - 1] > list[j]; --j) {
                (list[j - 1], list[j]) = (list[j], list[j - 1]);
            }
        }
    }

    function _sort(address[SEAT_ADDRESSES] storage list) internal {
        for (uint256 i = 1; i < SEAT_ADDRESSES; ++i) {
            for (uint256 j = i; j > 0 && list[j - 1] > list[j]; --j) {
                (list[j - 1], list[j]) = (list[j], list[j - 1]);
            }
        }
    }

    // ------------------------------------------------------------------ checks

    /// @notice Every decision was for a shortlisted bidder, and the one in force names one of the
    /// current shortlist.
    function checkWinnerShortlisted() external view {
        if (winnersOffShortlist != 0) revert("a decision named a bidder off the shortlist");
        for (uint256 t = 0; t < TENDERS; ++t) {
            ISelectionBook.Decision memory d = book.decisionOf(tenderIds[t], SECTION);
            if (d.decidedAt != 0 && !_contains(_shortlist(t), d.winner)) {
                revert("the winner in force is not in the shortlist");
            }
        }
    }

    /// @notice Votes were committed only by seated members, once per round; no round counts more
    /// commitments or revealed votes than the committee has seats.
    function checkVotes() external view {
        if (votesByNonMembers != 0) revert("a vote was committed by a non-member");
        if (secondVotes != 0) revert("a seat voted twice in a round");
        for (uint256 t = 0; t < TENDERS; ++t) {
            uint16 last = _lastRound(t);
            for (uint16 round = 1; round <= last; ++round) {
                ISelectionBook.RoundView memory r = book.roundOf(tenderIds[t], SECTION, round);
                uint256 votes = r.abstentions;
                for (uint256 i = 0; i < r.tallies.length; ++i) {
                    votes += r.tallies[i];
                }
                if (_popcount(r.committedMask) > SEATS || votes > SEATS) revert("a round counts more votes than seats");
            }
        }
    }

    /// @notice Every accepted reveal rebuilt what its seat committed; the tallies and the revealed
    /// sheets are what was committed.
    function checkReveals() external view {
        if (mismatchedReveals != 0) revert("a reveal did not match its commitment");
        for (uint256 t = 0; t < TENDERS; ++t) {
            uint16 last = _lastRound(t);
            for (uint16 round = 1; round <= last; ++round) {
                ISelectionBook.RoundView memory r = book.roundOf(tenderIds[t], SECTION, round);
                if (r.abstentions != tallyOf[t][round][address(0)]) revert("abstentions differ from the revealed votes");
                for (uint256 i = 0; i < r.candidates.length; ++i) {
                    if (r.tallies[i] != tallyOf[t][round][r.candidates[i]]) revert("a tally differs from the revealed votes");
                }
            }
            for (uint256 i = 0; i < SEAT_ADDRESSES; ++i) {
                address seat = seatAddresses[EVALUATION][i];
                (, bool revealed, bytes32 word) = book.sheetOf(tenderIds[t], SECTION, seat);
                if (revealed && word != sheetHash[t][seat]) revert("a revealed sheet is not the one committed");
            }
        }
    }
}

/// @notice Invariants of SelectionBook's 评定分离 (contracts/SelectionBook.sol).
contract SelectionBookInvariants is InvariantTest {
    SelectionHandler internal handler;

    function setUp() public {
        vm.warp(1_800_000_000);
        handler = new SelectionHandler();
        bytes4[] memory actions = new bytes4[](13);
        actions[0] = SelectionHandler.commitSheet.selector;
        actions[1] = SelectionHandler.revealSheet.selector;
        actions[2] = SelectionHandler.fileShortlist.selector;
        actions[3] = SelectionHandler.evaluate.selector;
        actions[4] = SelectionHandler.replaceSeat.selector;
        actions[5] = SelectionHandler.openRound.selector;
        actions[6] = SelectionHandler.commitVote.selector;
        actions[7] = SelectionHandler.revealVote.selector;
        actions[8] = SelectionHandler.voteAll.selector;
        actions[9] = SelectionHandler.drawForSelection.selector;
        actions[10] = SelectionHandler.decide.selector;
        actions[11] = SelectionHandler.overturn.selector;
        actions[12] = SelectionHandler.warp.selector;
        _targetHandler(address(handler), actions);
    }

    /// The decision in force names a bidder of the current shortlist; no decision named another.
    function invariant_winnerIsInTheShortlist() public view {
        handler.checkWinnerShortlisted();
    }

    /// Every decision rests on a basis the tender's fixed selection method allows (with its n).
    function invariant_decisionOnABasisTheMethodAllows() public view {
        if (handler.basesNotAllowed() != 0) revert("a decision rests on a basis the selection method does not allow");
    }

    /// A vote is committed only by a seated member of the selection committee, once per round.
    function invariant_votesOnlyBySeatedMembersOncePerRound() public view {
        handler.checkVotes();
    }

    /// A revealed vote or score sheet is the one its seat committed.
    function invariant_revealsMatchCommitments() public view {
        handler.checkReveals();
    }
}
