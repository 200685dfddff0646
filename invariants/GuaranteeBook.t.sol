// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {TenderBook} from "../contracts/TenderBook.sol";
import {GuaranteeBook} from "../contracts/GuaranteeBook.sol";
import {IGuaranteeBook} from "../contracts/interfaces/IGuaranteeBook.sol";
import {ITenderBook} from "../contracts/interfaces/ITenderBook.sol";
import {FuzzBase, InvariantTest} from "./lib/InvariantTest.sol";
import {Tenders} from "./lib/Tenders.sol";

/**
 * @notice Drives guarantees for one single-section tender: bidders apply (each for several
 * guarantees), the bank issues, bidders bid, withdraw, bind and unbind; after the deadline the
 * centre files claims for random causes; guarantees expire; time passes. It keeps its own record
 * of each bidder's live bid to judge every claim the book accepted.
 */
contract GuaranteeHandler is FuzzBase {
    uint256 internal constant BIDDERS = 3;
    uint256 internal constant GUARANTEES = 3;
    bytes32 public constant TENDER = keccak256("fuzzed tender");

    TenderBook public immutable tenders;
    GuaranteeBook public immutable book;
    address internal immutable centre;
    address internal immutable bank;
    address[BIDDERS] internal bidders;

    mapping(address bidder => bool) internal liveBid; // the model
    /// @dev Claims the book accepted for a cause the facts did not support.
    uint256 public unsupportedClaims;
    uint256 public claims;

    constructor() {
        tenders = new TenderBook(address(this));
        // The handler never records an award (after which the award, signing, release, a winner's
        // claim and awardOf read SelectionBook's decision; before it none does), so any contract
        // stands in for it; the constructor only checks there is code at the address.
        book = new GuaranteeBook(address(this), address(tenders), address(tenders));
        (centre, bank) = (_actor("centre"), _actor("bank"));
        for (uint256 i = 0; i < BIDDERS; ++i) {
            bidders[i] = _actor(string(abi.encodePacked("bidder", bytes1(uint8(48 + i)))));
        }
        tenders.authoriseCentre(centre);
        book.authoriseIssuer(bank, uint8(IGuaranteeBook.IssuerType.BANK));
        uint64 closesAt = uint64(block.timestamp) + tenders.MIN_BID_PERIOD();
        vm.prank(centre);
        tenders.publishTender(TENDER, Tenders.params(1, closesAt, _actor("officerA"), _actor("officerB")));
    }

    function guaranteeId(uint256 seed) public pure returns (bytes32) {
        return keccak256(abi.encode("guarantee", seed % GUARANTEES));
    }

    function deadline() public view returns (uint64 d) {
        (, d,,,,) = tenders.tenderHeader(TENDER);
    }

    function _applicant(bytes32 id) internal view returns (address) {
        return book.guaranteeOf(id).applicant;
    }

    // ------------------------------------------------------------------ actions

    /// @notice A bidder applies; mostly the bank issues at once, sometimes it waits.
    function applyFor(uint256 bidderSeed, uint256 idSeed, uint256 sealedSeed) external {
        address bidder = bidders[bidderSeed % BIDDERS];
        vm.prank(bidder);
        try book.applyFor(guaranteeId(idSeed), TENDER, 0, bank, 50_000, keccak256("application")) {} catch {}
        if (sealedSeed % 4 != 3) issue(idSeed, sealedSeed);
    }

    function issue(uint256 idSeed, uint256 sealedSeed) public {
        bool sealed_ = sealedSeed % 2 == 1;
        IGuaranteeBook.IssueTerms memory t = IGuaranteeBook.IssueTerms({
            docHash: keccak256("guarantee document"),
            amount: sealed_ ? 0 : 50_000,
            fee: 0,
            rateBps: 10,
            start: uint64(block.timestamp),
            end: uint64(deadline()) + 90 days,
            form: sealed_ ? 1 : 0,
            termsCommitment: sealed_ ? keccak256("sealed terms") : bytes32(0),
            issuerType: uint8(IGuaranteeBook.IssuerType.BANK),
            beneficiaryUscc: bytes32("91110000000000000X")
        });
        bytes32 id = guaranteeId(idSeed);
        vm.prank(bank);
        try book.issue(id, t) {} catch {}
    }

    function bid(uint256 bidderSeed, bytes32 commitment) external {
        address bidder = bidders[bidderSeed % BIDDERS];
        vm.prank(bidder);
        try tenders.submitBid(TENDER, 0, commitment) {
            liveBid[bidder] = true;
        } catch {}
    }

    function withdrawBid(uint256 bidderSeed) external {
        address bidder = bidders[bidderSeed % BIDDERS];
        vm.prank(bidder);
        try tenders.withdrawBid(TENDER, 0) {
            liveBid[bidder] = false;
        } catch {}
    }

    function bind(uint256 idSeed) external {
        bytes32 id = guaranteeId(idSeed);
        vm.prank(_applicant(id));
        try book.bind(id) {} catch {}
    }

    /// @notice A bidder backs its bid with one guarantee and then tries a second one: applies for
    /// both, has both issued, binds both in turn (the second bind must fail while the first backs
    /// the bid). Reaching this through single steps needs four of them before the deadline.
    function bindSecond(uint256 bidderSeed, uint256 idSeed) external {
        address bidder = bidders[bidderSeed % BIDDERS];
        bytes32[2] memory ids = [guaranteeId(idSeed), guaranteeId(idSeed + 1)];
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(bidder);
            try book.applyFor(ids[i], TENDER, 0, bank, 50_000, keccak256("application")) {} catch {}
            issue(i == 0 ? idSeed : idSeed + 1, 0);
        }
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(bidder);
            try book.bind(ids[i]) {} catch {}
        }
    }

    function unbind(uint256 idSeed) external {
        bytes32 id = guaranteeId(idSeed);
        vm.prank(_applicant(id));
        try book.unbind(id) {} catch {}
    }

    /// @notice The centre claims on a guarantee for a random cause.
    function claim(uint256 idSeed, uint256 causeSeed) external {
        bytes32 id = guaranteeId(idSeed);
        IGuaranteeBook.ClaimCause cause = IGuaranteeBook.ClaimCause(causeSeed % 4);
        address applicant = _applicant(id);
        // What the facts support: a bid live at the deadline withdrawn is the only cause this run
        // can produce (no opening, no award is recorded in it).
        bool supported = cause == IGuaranteeBook.ClaimCause.WITHDRAWAL_AFTER_DEADLINE
            && block.timestamp >= deadline() && liveBid[applicant];
        vm.prank(centre);
        try book.claim(id, cause, keccak256("evidence")) {
            ++claims;
            if (!supported) ++unsupportedClaims;
        } catch {}
    }

    function expire(uint256 idSeed) external {
        try book.expire(guaranteeId(idSeed)) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 6 days));
    }

    /// @notice Moves to the deadline or up to a week past it (claims come after the deadline).
    function passDeadline(uint256 seconds_) external {
        uint256 t = deadline() + _bound(seconds_, 0, 7 days);
        if (t > block.timestamp) vm.warp(t);
    }

    // ------------------------------------------------------------------ checks

    /// @notice Each bidder's bid is backed by at most one bound guarantee, the one the book names.
    function checkOneGuaranteePerBid() external view {
        for (uint256 i = 0; i < BIDDERS; ++i) {
            uint256 bound = 0;
            for (uint256 g = 0; g < GUARANTEES; ++g) {
                IGuaranteeBook.Guarantee memory x = book.guaranteeOf(guaranteeId(g));
                bool backs = x.state == IGuaranteeBook.State.BOUND || x.state == IGuaranteeBook.State.VERIFIED
                    || x.state == IGuaranteeBook.State.INVALID;
                if (backs && x.applicant == bidders[i]) {
                    ++bound;
                    if (book.guaranteeOfBid(TENDER, 0, bidders[i]) != guaranteeId(g)) {
                        revert("a bound guarantee is not the one the bid names");
                    }
                }
            }
            if (bound > 1) revert("a bid is backed by two bound guarantees");
        }
    }
}

/// @notice Invariants of GuaranteeBook (contracts/GuaranteeBook.sol, GuaranteeIssuance.sol).
contract GuaranteeBookInvariants is InvariantTest {
    GuaranteeHandler internal handler;

    function setUp() public {
        vm.warp(1_800_000_000);
        handler = new GuaranteeHandler();
        bytes4[] memory actions = new bytes4[](11);
        actions[0] = GuaranteeHandler.applyFor.selector;
        actions[1] = GuaranteeHandler.issue.selector;
        actions[2] = GuaranteeHandler.bid.selector;
        actions[3] = GuaranteeHandler.withdrawBid.selector;
        actions[4] = GuaranteeHandler.bind.selector;
        actions[5] = GuaranteeHandler.unbind.selector;
        actions[6] = GuaranteeHandler.claim.selector;
        actions[7] = GuaranteeHandler.expire.selector;
        actions[8] = GuaranteeHandler.warp.selector;
        actions[9] = GuaranteeHandler.passDeadline.selector;
        actions[10] = GuaranteeHandler.bindSecond.selector;
        _targetHandler(address(handler), actions);
    }

    /// A guarantee is bound to at most one bid, and a bid has at most one bound guarantee.
    function invariant_bidBackedByAtMostOneGuarantee() public view {
        handler.checkOneGuaranteePerBid();
    }

    /// A claim is accepted only for a cause the recorded facts support.
    function invariant_claimOnlyWithClaimableCause() public view {
        _check(handler.unsupportedClaims() == 0, "a claim was accepted without a claimable cause");
    }
}
