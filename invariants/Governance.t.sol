// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Governance} from "../contracts/Governance.sol";
import {FuzzBase, InvariantTest} from "./lib/InvariantTest.sol";

/// @notice What the governance governs in these runs: it counts the calls the governance made.
contract Governed {
    address public immutable governance;
    uint256 public changes;

    constructor(address governance_) {
        governance = governance_;
    }

    function change() external {
        if (msg.sender != governance) revert("only the governance");
        ++changes;
    }
}

/**
 * @notice Drives a five-member governance (threshold 3) and three outsiders through random
 * proposals (changes to a governed contract, membership and threshold changes), approvals,
 * withdrawn approvals, cancellations, executions and time.
 */
contract GovernanceHandler is FuzzBase {
    uint256 internal constant MEMBERS = 5;
    uint256 internal constant ACTORS = 6; // actors[5] starts as an outsider
    uint256 internal constant PROPOSALS = 5;

    Governance public immutable gov;
    Governed public immutable governed;
    address[ACTORS] internal actors;

    struct Call {
        address target;
        bytes data;
        bytes32 salt;
    }

    Call[PROPOSALS] internal calls;

    /// @dev Executions that passed with fewer approvals, among members at the time, than the threshold.
    uint256 public underApproved;
    /// @dev Approvals accepted from an account that was not a member, or from a member twice.
    uint256 public badApprovals;
    uint256 public executed;
    uint256 public governedChangesExecuted;

    constructor() {
        address[] memory initial = new address[](MEMBERS);
        string[] memory names = new string[](MEMBERS);
        for (uint256 i = 0; i < ACTORS; ++i) {
            actors[i] = _actor(string(abi.encodePacked("member", bytes1(uint8(48 + i)))));
            if (i < MEMBERS) (initial[i], names[i]) = (actors[i], "consortium member");
        }
        gov = new Governance(initial, names, 3);
        governed = new Governed(address(gov));
        calls[0] = Call(address(governed), abi.encodeCall(Governed.change, ()), "a");
        calls[1] = Call(address(gov), abi.encodeCall(Governance.setThreshold, (4)), "b");
        calls[2] = Call(address(gov), abi.encodeCall(Governance.addMember, (actors[5], "newcomer")), "c");
        calls[3] = Call(address(gov), abi.encodeCall(Governance.removeMember, (actors[1])), "d");
        calls[4] = Call(address(gov), abi.encodeCall(Governance.setThreshold, (6)), "e"); // more than N
    }

    function _id(uint256 p) internal view returns (bytes32) {
        return gov.proposalId(calls[p].target, calls[p].data, calls[p].salt);
    }

    /// @dev Approvals of proposal `id` by accounts that are members now.
    function _memberApprovals(bytes32 id) internal view returns (uint256 n) {
        for (uint256 i = 0; i < ACTORS; ++i) {
            if (gov.isMember(actors[i]) && gov.hasApproved(id, actors[i])) ++n;
        }
    }

    // ------------------------------------------------------------------ actions

    function propose(uint256 actorSeed, uint256 proposalSeed) external {
        (address who, uint256 p) = (actors[actorSeed % ACTORS], proposalSeed % PROPOSALS);
        bool member = gov.isMember(who);
        vm.prank(who);
        try gov.propose(calls[p].target, calls[p].data, calls[p].salt) {
            if (!member) ++badApprovals;
        } catch {}
    }

    function approve(uint256 actorSeed, uint256 proposalSeed) external {
        (address who, bytes32 id) = (actors[actorSeed % ACTORS], _id(proposalSeed % PROPOSALS));
        bool allowed = gov.isMember(who) && !gov.hasApproved(id, who);
        vm.prank(who);
        try gov.approve(id) {
            if (!allowed) ++badApprovals;
        } catch {}
    }

    function revokeApproval(uint256 actorSeed, uint256 proposalSeed) external {
        (address who, bytes32 id) = (actors[actorSeed % ACTORS], _id(proposalSeed % PROPOSALS));
        vm.prank(who);
        try gov.revokeApproval(id) {} catch {}
    }

    function cancel(uint256 actorSeed, uint256 proposalSeed) external {
        (address who, bytes32 id) = (actors[actorSeed % ACTORS], _id(proposalSeed % PROPOSALS));
        vm.prank(who);
        try gov.cancel(id) {} catch {}
    }

    function execute(uint256 actorSeed, uint256 proposalSeed) external {
        (address who, uint256 p) = (actors[actorSeed % ACTORS], proposalSeed % PROPOSALS);
        (uint256 approvals, uint256 threshold) = (_memberApprovals(_id(p)), gov.threshold());
        vm.prank(who);
        try gov.execute(calls[p].target, calls[p].data, calls[p].salt) {
            ++executed;
            if (calls[p].target == address(governed)) ++governedChangesExecuted;
            if (approvals < threshold) ++underApproved;
        } catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 10 days));
    }

    /// @notice Someone other than the governance tries to change what it governs, or itself.
    function bypass(uint256 actorSeed, uint256 proposalSeed) external {
        (address who, uint256 p) = (actors[actorSeed % ACTORS], proposalSeed % PROPOSALS);
        vm.prank(who);
        (bool ok,) = calls[p].target.call(calls[p].data);
        ok; // it must fail; the invariant counts what changed
    }
}

/// @notice Invariants of Governance (contracts/Governance.sol).
contract GovernanceInvariants is InvariantTest {
    GovernanceHandler internal handler;

    function setUp() public {
        vm.warp(1_800_000_000);
        handler = new GovernanceHandler();
        bytes4[] memory actions = new bytes4[](7);
        actions[0] = GovernanceHandler.propose.selector;
        actions[1] = GovernanceHandler.approve.selector;
        actions[2] = GovernanceHandler.revokeApproval.selector;
        actions[3] = GovernanceHandler.cancel.selector;
        actions[4] = GovernanceHandler.execute.selector;
        actions[5] = GovernanceHandler.warp.selector;
        actions[6] = GovernanceHandler.bypass.selector;
        _targetHandler(address(handler), actions);
    }

    /// Every change made (to the governed contract or to the governance) had M of N approvals of
    /// members at execution, and nothing changed the governed contract but an execution.
    function invariant_changesNeedMOfNApprovals() public view {
        _check(handler.underApproved() == 0, "a proposal executed below the threshold");
        _check(
            handler.governed().changes() == handler.governedChangesExecuted(),
            "the governed contract changed without an executed proposal"
        );
    }

    /// An approval (a vote on a proposal) comes only from a member, once.
    function invariant_approvalsOnlyByMembersOnce() public view {
        _check(handler.badApprovals() == 0, "an approval was accepted from a non-member or twice");
    }

    /// The threshold stays within 2 … members.
    function invariant_thresholdWithinMembership() public view {
        uint256 t = handler.gov().threshold();
        _check(t >= 2 && t <= handler.gov().members().length, "threshold outside 2 ... members");
    }
}
