// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {TenderBook} from "../contracts/TenderBook.sol";
import {ITenderBook} from "../contracts/interfaces/ITenderBook.sol";
import {FuzzBase, InvariantTest} from "./lib/InvariantTest.sol";
import {Tenders} from "./lib/Tenders.sol";

/**
 * @notice Drives one published two-section tender through random bids, resubmissions, withdrawals,
 * amendments and time, around the deadline especially. It remembers what it did, and the bids as
 * they stood when the deadline passed.
 */
contract TenderBookHandler is FuzzBase {
    uint256 internal constant BIDDERS = 4;
    uint16 internal constant SECTIONS = 2;
    bytes32 public constant TENDER = keccak256("fuzzed tender");

    TenderBook public immutable book;
    address internal immutable centre;
    address[BIDDERS] internal bidders;

    /// @dev The last commitment each bidder submitted and did not withdraw (the model).
    mapping(uint16 section => mapping(address bidder => bytes32)) internal live;
    /// @dev Submissions and withdrawals accepted at or after the deadline in force at the call.
    uint256 public lateChanges;
    /// @dev The bids as they stood at the first call after the deadline.
    bool internal frozen;
    mapping(uint16 section => mapping(address bidder => ITenderBook.Bid)) internal atDeadline;

    constructor() {
        book = new TenderBook(address(this));
        centre = _actor("centre");
        for (uint256 i = 0; i < BIDDERS; ++i) {
            bidders[i] = _actor(string(abi.encodePacked("bidder", bytes1(uint8(48 + i)))));
        }
        book.authoriseCentre(centre);
        uint64 closesAt = uint64(block.timestamp) + book.MIN_BID_PERIOD();
        vm.prank(centre);
        book.publishTender(TENDER, Tenders.params(SECTIONS, closesAt, _actor("officerA"), _actor("officerB")));
    }

    function deadline() public view returns (uint64 d) {
        (, d,,,,) = book.tenderHeader(TENDER);
    }

    /// @dev Takes the snapshot of the bids at the first call after the deadline.
    modifier observesDeadline() {
        if (!frozen && block.timestamp >= deadline()) {
            frozen = true;
            for (uint16 s = 0; s < SECTIONS; ++s) {
                for (uint256 i = 0; i < BIDDERS; ++i) {
                    atDeadline[s][bidders[i]] = book.bidOf(TENDER, s, bidders[i]);
                }
            }
        }
        _;
    }

    // ------------------------------------------------------------------ actions

    function submit(uint256 bidderSeed, uint256 sectionSeed, bytes32 commitment) external observesDeadline {
        (address bidder, uint16 s) = (bidders[bidderSeed % BIDDERS], uint16(sectionSeed % SECTIONS));
        bool late = block.timestamp >= deadline();
        vm.prank(bidder);
        try book.submitBid(TENDER, s, commitment) {
            live[s][bidder] = commitment;
            if (late) ++lateChanges;
        } catch {}
    }

    function withdraw(uint256 bidderSeed, uint256 sectionSeed) external observesDeadline {
        (address bidder, uint16 s) = (bidders[bidderSeed % BIDDERS], uint16(sectionSeed % SECTIONS));
        bool late = block.timestamp >= deadline();
        vm.prank(bidder);
        try book.withdrawBid(TENDER, s) {
            delete live[s][bidder];
            if (late) ++lateChanges;
        } catch {}
    }

    function amend(uint256 extensionSeed) external observesDeadline {
        uint64 newDeadline = deadline() + uint64(_bound(extensionSeed, 0, 5 days));
        vm.prank(centre);
        try book.amendTender(
            TENDER, keccak256("amended"), keccak256("amended parameters"), 1, newDeadline, keccak256("why")
        ) {} catch {}
    }

    function warp(uint256 seconds_) external observesDeadline {
        vm.warp(block.timestamp + _bound(seconds_, 1, 4 days));
    }

    /// @notice Moves to the deadline's instant, one second either side, or somewhere in the day around it.
    function warpToDeadline(uint256 seed) external observesDeadline {
        uint256 d = deadline();
        uint256 t = seed % 4 == 3 ? d - 12 hours + _bound(seed >> 2, 0, 1 days) : d - 1 + seed % 4;
        if (t > block.timestamp) vm.warp(t);
    }

    // ------------------------------------------------------------------ checks

    /// @notice A section counts exactly its live bids, one per bidder: the last one submitted.
    function checkOneLiveBid() external view {
        for (uint16 s = 0; s < SECTIONS; ++s) {
            uint256 n = 0;
            for (uint256 i = 0; i < BIDDERS; ++i) {
                bytes32 commitment = book.bidOf(TENDER, s, bidders[i]).commitment;
                if (commitment != live[s][bidders[i]]) revert("a live bid is not the bidder's last submission");
                if (commitment != 0) ++n;
            }
            if (book.bidCount(TENDER, s) != n) revert("bid count differs from the live bids");
        }
    }

    /// @notice Nothing was accepted at or after the deadline, and the bids are as they were then.
    function checkFrozenAtDeadline() external view {
        if (lateChanges != 0) revert("a bid was submitted or withdrawn after the deadline");
        if (!frozen) return;
        for (uint16 s = 0; s < SECTIONS; ++s) {
            for (uint256 i = 0; i < BIDDERS; ++i) {
                ITenderBook.Bid memory b = book.bidOf(TENDER, s, bidders[i]);
                ITenderBook.Bid memory then = atDeadline[s][bidders[i]];
                if (b.commitment != then.commitment || b.version != then.version) {
                    revert("a bid changed after the deadline");
                }
            }
        }
    }
}

/// @notice Invariants of TenderBook's bidding (contracts/TenderBook.sol).
contract TenderBookInvariants is InvariantTest {
    TenderBookHandler internal handler;

    function setUp() public {
        vm.warp(1_800_000_000);
        handler = new TenderBookHandler();
        bytes4[] memory actions = new bytes4[](5);
        actions[0] = TenderBookHandler.submit.selector;
        actions[1] = TenderBookHandler.withdraw.selector;
        actions[2] = TenderBookHandler.amend.selector;
        actions[3] = TenderBookHandler.warp.selector;
        actions[4] = TenderBookHandler.warpToDeadline.selector;
        _targetHandler(address(handler), actions);
    }

    /// One live bid per bidder per section, and the section's count says how many.
    function invariant_oneLiveBidPerBidderPerSection() public view {
        handler.checkOneLiveBid();
    }

    /// No bid is submitted, replaced or withdrawn at or after the deadline.
    function invariant_noBidChangesAfterDeadline() public view {
        handler.checkFrozenAtDeadline();
    }
}
