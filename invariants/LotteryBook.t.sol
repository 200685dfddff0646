// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILotteryBook} from "../contracts/interfaces/ILotteryBook.sol";
import {ITenderBook} from "../contracts/interfaces/ITenderBook.sol";
import {FuzzBase, InvariantTest} from "./lib/InvariantTest.sol";
import {Draws} from "./lib/Draws.sol";
import {Tenders} from "./lib/Tenders.sol";

/**
 * @notice Drives up to three draws of one tender section: parties (and an outsider) seal seeds,
 * sometimes twice, sometimes at the commit deadline's instant or after it; officers release
 * shares; anyone tries to finish a draw with the right key or a wrong one; time passes. It keeps
 * every seed it sealed in the clear, so it can draw again from the seeds and compare.
 */
contract LotteryHandler is FuzzBase {
    uint256 internal constant PARTIES = 3;
    uint256 internal constant CANDIDATES = 6;
    uint256 internal constant MAX_DRAWS = 3;
    /// @dev The draw key, as the officers' shares rebuild it off chain.
    uint256 internal constant SK = 0x5eed5eed5eed;
    bytes32 public constant TENDER = keccak256("fuzzed tender");

    ITenderBook public immutable tenders;
    ILotteryBook public immutable book;
    address internal immutable centre;
    uint256 internal immutable pkX;
    uint256 internal immutable pkY;
    /// @dev The draw's parties, then an outsider.
    address[PARTIES + 1] internal actors;
    address[2] internal officers;
    bytes32[] internal candidates;

    bytes32[] public drawIds;
    /// @dev The model: the seed each party sealed first, in the clear, and what it sent.
    mapping(bytes32 drawId => mapping(address party => bytes32)) internal seedOf;
    mapping(bytes32 drawId => mapping(address party => ILotteryBook.SealedSeed)) internal firstSeal;
    /// @dev Seals the book accepted, per party; and those accepted at or after the commit deadline.
    mapping(bytes32 drawId => mapping(address party => uint256)) public seals;
    uint256 public lateSeals;

    constructor() {
        tenders = ITenderBook(vm.deployCode("TenderBook.sol:TenderBook", abi.encode(address(this))));
        book = ILotteryBook(vm.deployCode("LotteryBook.sol:LotteryBook", abi.encode(address(tenders))));
        centre = _actor("centre");
        for (uint256 i = 0; i <= PARTIES; ++i) {
            actors[i] = _actor(string(abi.encodePacked("party", bytes1(uint8(48 + i)))));
        }
        (officers[0], officers[1]) = (_actor("drawOfficerA"), _actor("drawOfficerB"));
        for (uint256 i = 1; i <= CANDIDATES; ++i) {
            candidates.push(bytes32(i * 0x1000));
        }
        (pkX, pkY) = Draws.publicKey(SK);
        tenders.authoriseCentre(centre);
        uint64 closesAt = uint64(block.timestamp) + tenders.MIN_BID_PERIOD();
        vm.prank(centre);
        tenders.publishTender(TENDER, Tenders.params(1, closesAt, _actor("officerA"), _actor("officerB")));
        openDraw(0, 0);
    }

    function _draw(uint256 seed) internal view returns (bytes32) {
        return drawIds[seed % drawIds.length];
    }

    function commitDeadline(bytes32 drawId) public view returns (uint64) {
        return book.drawOf(drawId).commitDeadline;
    }

    // ------------------------------------------------------------------ actions

    /// @notice The centre opens the next draw: 2 or 3 parties, k of the candidates, a commit
    /// deadline an hour to three days away.
    function openDraw(uint256 shapeSeed, uint256 deadlineSeed) public {
        if (drawIds.length == MAX_DRAWS) return;
        address[] memory parties = new address[](2 + shapeSeed % 2);
        for (uint256 i = 0; i < parties.length; ++i) {
            parties[i] = actors[i];
        }
        bytes32[] memory shareHashes = new bytes32[](2);
        (shareHashes[0], shareHashes[1]) = (keccak256(Tenders.share(0)), keccak256(Tenders.share(1)));
        address[] memory drawOfficers = new address[](2);
        (drawOfficers[0], drawOfficers[1]) = (officers[0], officers[1]);
        uint16 k = uint16(_bound(shapeSeed >> 1, 1, CANDIDATES));
        uint64 deadline = uint64(block.timestamp + _bound(deadlineSeed, 1 hours, 3 days));
        vm.prank(centre);
        bytes32 drawId = book.openDraw(
            TENDER, 0, "selection", uint16(drawIds.length), parties, candidates, k, pkX, pkY, deadline,
            drawOfficers, shareHashes, 2
        );
        drawIds.push(drawId);
    }

    /// @notice A party (or the outsider) seals `seed` to a draw's key; sometimes a point off the curve.
    function seal(uint256 drawSeed, uint256 actorSeed, bytes32 seed, uint256 rSeed) external {
        bytes32 drawId = _draw(drawSeed);
        address party = actors[actorSeed % actors.length];
        (uint256 rx, uint256 ry, bytes32 ciphertext) = Draws.seal(drawId, party, pkX, pkY, _bound(rSeed, 1, Draws.N - 1), seed);
        if (rSeed % 8 == 7) (rx, ry) = (1, 1);
        bool late = block.timestamp >= commitDeadline(drawId);
        vm.prank(party);
        try book.commitSeed(drawId, rx, ry, ciphertext) {
            if (++seals[drawId][party] == 1) {
                seedOf[drawId][party] = seed;
                firstSeal[drawId][party] = ILotteryBook.SealedSeed(rx, ry, ciphertext);
            }
            if (late) ++lateSeals;
        } catch {}
    }

    function releaseShare(uint256 drawSeed, uint256 officerSeed) external {
        uint256 i = officerSeed % 3; // 2: a share nobody holds, sent by officer 0
        vm.prank(officers[i % 2]);
        try book.releaseDrawShare(_draw(drawSeed), Tenders.share(i)) {} catch {}
    }

    /// @notice Anyone finishes a draw, with the draw key or (one time in four) another scalar.
    function finish(uint256 drawSeed, uint256 keySeed) external {
        uint256 sk = keySeed % 4 == 3 ? _bound(keySeed, 1, Draws.N - 1) : SK;
        try book.finishDraw(_draw(drawSeed), sk) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 2 days));
    }

    /// @notice Moves to a draw's commit deadline, one second either side of it.
    function warpToDeadline(uint256 drawSeed, uint256 seed) external {
        uint256 t = commitDeadline(_draw(drawSeed)) - 1 + seed % 3;
        if (t > block.timestamp) vm.warp(t);
    }

    // ------------------------------------------------------------------ checks

    /// @notice Every finished draw's picks are the draw of the seeds its parties sealed.
    function checkPicks() external view {
        for (uint256 d = 0; d < drawIds.length; ++d) {
            ILotteryBook.DrawView memory v = book.drawOf(drawIds[d]);
            if (v.status != ILotteryBook.Status.FINISHED) continue;
            bytes32[] memory seeds = new bytes32[](v.parties.length);
            for (uint256 i = 0; i < seeds.length; ++i) {
                seeds[i] = seedOf[drawIds[d]][v.parties[i]];
            }
            bytes32[] memory expected = Draws.picks(seeds, v.candidates, v.k);
            if (keccak256(abi.encode(expected)) != keccak256(abi.encode(v.picks))) {
                revert("a finished draw's picks are not the draw of its sealed seeds");
            }
        }
    }

    /// @notice Each party's seed was accepted at most once, and it stands as first sealed.
    function checkSealedOnce() external view {
        for (uint256 d = 0; d < drawIds.length; ++d) {
            for (uint256 i = 0; i < actors.length; ++i) {
                uint256 n = seals[drawIds[d]][actors[i]];
                if (n > 1) revert("a party sealed a second seed");
                ILotteryBook.SealedSeed memory s = book.sealedSeedOf(drawIds[d], actors[i]);
                ILotteryBook.SealedSeed memory first = firstSeal[drawIds[d]][actors[i]];
                if (s.rx != first.rx || s.ry != first.ry || s.ciphertext != first.ciphertext) {
                    revert("a sealed seed changed");
                }
            }
        }
    }
}

/// @notice Invariants of LotteryBook's draws (contracts/LotteryBook.sol).
contract LotteryBookInvariants is InvariantTest {
    LotteryHandler internal handler;

    function setUp() public {
        vm.warp(1_800_000_000);
        handler = new LotteryHandler();
        bytes4[] memory actions = new bytes4[](6);
        actions[0] = LotteryHandler.openDraw.selector;
        actions[1] = LotteryHandler.seal.selector;
        actions[2] = LotteryHandler.releaseShare.selector;
        actions[3] = LotteryHandler.finish.selector;
        actions[4] = LotteryHandler.warp.selector;
        actions[5] = LotteryHandler.warpToDeadline.selector;
        _targetHandler(address(handler), actions);
    }

    /// A finished draw's picks are the fixed function of all the seeds sealed to it.
    function invariant_drawIsTheFunctionOfAllSeeds() public view {
        handler.checkPicks();
    }

    /// A party's seed is sealed at most once per draw, and never changes after.
    function invariant_seedSealedAtMostOnce() public view {
        handler.checkSealedOnce();
    }

    /// No seed is accepted at or after the draw's commit deadline.
    function invariant_noSeedAfterCommitDeadline() public view {
        if (handler.lateSeals() != 0) revert("a seed was sealed at or after the commit deadline");
    }
}
