// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {CredentialRegistry} from "../contracts/CredentialRegistry.sol";
import {ICredentialRegistry} from "../contracts/interfaces/ICredentialRegistry.sol";
import {FuzzBase, InvariantTest} from "./lib/InvariantTest.sol";

/**
 * @notice Drives a CredentialRegistry through random authorisations, withdrawals, anchors, status
 * changes (by the root's issuer or by someone else) and time, keeping a model of what the rules
 * allow. It reads the registry only through its public functions, never its storage.
 */
contract RegistryHandler is FuzzBase {
    uint256 internal constant BATCHES = 3; // batch b holds two credentials, (b, 0) and (b, 1)
    uint256 internal constant ISSUERS = 4; // issuers[3] is never authorised
    uint8 internal constant KINDS = 2; // two kinds are enough to mix them up; fewer misses

    CredentialRegistry public immutable registry;
    address[ISSUERS] internal issuers;
    bool[KINDS][ISSUERS] internal authorised; // the model: what the admin granted and withdrew

    /// @dev Roots whose anchor call succeeded while the model said the caller held the kind.
    mapping(bytes32 root => bool) internal anchoredWhileAuthorised;

    struct Observation {
        uint8 batch;
        uint8 cred;
        uint64 t;
        ICredentialRegistry.Status status;
        uint16 reason;
    }

    struct Revocation {
        uint8 batch;
        uint8 cred;
        uint64 revokedAt;
        uint16 reason;
    }

    Observation[] internal observations; // statuses read at instants already past
    Revocation[] internal revocations; // successful revocations

    constructor() {
        registry = new CredentialRegistry(address(this));
        for (uint256 i = 0; i < ISSUERS; ++i) {
            issuers[i] = _actor(string(abi.encodePacked("issuer", bytes1(uint8(48 + i)))));
        }
        // issuer 0 holds kind 0 and issuer 1 kind 1 from the start; the fuzzer grants and withdraws.
        (authorised[0][0], authorised[1][1]) = (true, true);
        registry.authoriseIssuer(issuers[0], 0);
        registry.authoriseIssuer(issuers[1], 1);
    }

    // ------------------------------------------------------------------ credentials

    function credentialId(uint256 b, uint256 c) public pure returns (bytes32) {
        return keccak256(abi.encode("credential", b, c));
    }

    function rootOf(uint256 b) public view returns (bytes32) {
        (bytes32 x, bytes32 y) = (registry.leafOf(credentialId(b, 0)), registry.leafOf(credentialId(b, 1)));
        return x < y ? keccak256(abi.encodePacked(x, y)) : keccak256(abi.encodePacked(y, x));
    }

    function proofOf(uint256 b, uint256 c) public view returns (bytes32[] memory p) {
        p = new bytes32[](1);
        p[0] = registry.leafOf(credentialId(b, 1 - c));
    }

    function statusOf(uint256 b, uint256 c, uint64 t) public view returns (ICredentialRegistry.Status, uint16) {
        return registry.statusAt(rootOf(b), credentialId(b, c), proofOf(b, c), t);
    }

    /// @dev Mostly the root's issuer (so that status changes happen), sometimes anyone.
    function _caller(uint256 b, uint256 seed) internal view returns (address) {
        (address issuer,,) = registry.anchorOf(rootOf(b));
        if (issuer == address(0) || seed % 4 == 0) return issuers[(seed >> 8) % ISSUERS];
        return issuer;
    }

    // ------------------------------------------------------------------ actions

    function authorise(uint256 issuerSeed, uint256 kindSeed) external {
        (uint256 i, uint8 k) = (issuerSeed % (ISSUERS - 1), uint8(kindSeed % KINDS));
        registry.authoriseIssuer(issuers[i], k);
        authorised[i][k] = true;
    }

    function withdraw(uint256 issuerSeed, uint256 kindSeed) external {
        (uint256 i, uint8 k) = (issuerSeed % (ISSUERS - 1), uint8(kindSeed % KINDS));
        registry.withdrawIssuer(issuers[i], k);
        authorised[i][k] = false;
    }

    function anchor(uint256 issuerSeed, uint256 batchSeed, uint256 kindSeed) external {
        (uint256 i, uint256 b, uint8 k) = (issuerSeed % ISSUERS, batchSeed % BATCHES, uint8(kindSeed % KINDS));
        (bool allowed, bytes32 root) = (authorised[i][k], rootOf(b));
        vm.prank(issuers[i]); // arguments first: a prank applies to the very next call
        try registry.anchor_wU2(root, k) {
            if (allowed) anchoredWhileAuthorised[root] = true;
        } catch {}
    }

    function revoke(uint256 batchSeed, uint256 credSeed, uint16 reason, uint256 callerSeed) external {
        (uint256 b, uint256 c) = (batchSeed % BATCHES, credSeed % 2);
        (bytes32 root, bytes32[] memory proof) = (rootOf(b), proofOf(b, c));
        vm.prank(_caller(b, callerSeed));
        try registry.revoke(root, credentialId(b, c), proof, reason) {
            revocations.push(Revocation(uint8(b), uint8(c), uint64(block.timestamp), reason));
        } catch {}
    }

    function suspend(uint256 batchSeed, uint256 credSeed, uint16 reason, uint256 callerSeed) external {
        (uint256 b, uint256 c) = (batchSeed % BATCHES, credSeed % 2);
        (bytes32 root, bytes32[] memory proof) = (rootOf(b), proofOf(b, c));
        vm.prank(_caller(b, callerSeed));
        try registry.suspend(root, credentialId(b, c), proof, reason) {} catch {}
    }

    function reinstate(uint256 batchSeed, uint256 credSeed, uint256 callerSeed) external {
        (uint256 b, uint256 c) = (batchSeed % BATCHES, credSeed % 2);
        (bytes32 root, bytes32[] memory proof) = (rootOf(b), proofOf(b, c));
        vm.prank(_caller(b, callerSeed));
        try registry.reinstate(root, credentialId(b, c), proof) {} catch {}
    }

    function supersede(uint256 oldSeed, uint256 newSeed, uint256 callerSeed) external {
        (uint256 ob, uint256 oc, uint256 nb, uint256 nc) =
            (oldSeed % BATCHES, (oldSeed >> 8) % 2, newSeed % BATCHES, (newSeed >> 8) % 2);
        (bytes32 oldRoot, bytes32[] memory oldProof) = (rootOf(ob), proofOf(ob, oc));
        (bytes32 newRoot, bytes32[] memory newProof) = (rootOf(nb), proofOf(nb, nc));
        vm.prank(_caller(ob, callerSeed));
        try registry.supersede(oldRoot, credentialId(ob, oc), oldProof, newRoot, credentialId(nb, nc), newProof) {}
            catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 1 days));
    }

    /// @notice Reads a credential's status at an instant already past and remembers it.
    function observe(uint256 batchSeed, uint256 credSeed, uint256 backSeed) external {
        if (observations.length >= 256) return;
        (uint256 b, uint256 c) = (batchSeed % BATCHES, credSeed % 2);
        uint64 t = uint64(block.timestamp - 1 - _bound(backSeed, 0, 1 days));
        (ICredentialRegistry.Status status, uint16 reason) = statusOf(b, c, t);
        observations.push(Observation(uint8(b), uint8(c), t, status, reason));
    }

    // ------------------------------------------------------------------ checks

    /// @notice Every status read at a past instant reads the same now.
    function checkPastStatuses() external view {
        for (uint256 i = 0; i < observations.length; ++i) {
            Observation memory o = observations[i];
            (ICredentialRegistry.Status status, uint16 reason) = statusOf(o.batch, o.cred, o.t);
            if (status != o.status || reason != o.reason) revert("the status at a past instant changed");
        }
    }

    /// @notice Every anchor that exists was made by an issuer holding the kind at the time.
    function checkAnchorsAuthorised() external view {
        for (uint256 b = 0; b < BATCHES; ++b) {
            bytes32 root = rootOf(b);
            (address issuer,,) = registry.anchorOf(root);
            if (issuer != address(0) && !anchoredWhileAuthorised[root]) {
                revert("an anchor exists that no authorised issuer made");
            }
        }
    }

    /// @notice A revoked credential reads REVOKED, with its reason, from its revocation on.
    function checkRevocationsFinal() external view {
        for (uint256 i = 0; i < revocations.length; ++i) {
            Revocation memory r = revocations[i];
            (ICredentialRegistry.Status atRevocation, uint16 reason) = statusOf(r.batch, r.cred, r.revokedAt);
            (ICredentialRegistry.Status now_,) = statusOf(r.batch, r.cred, uint64(block.timestamp));
            if (atRevocation != ICredentialRegistry.Status.REVOKED || now_ != ICredentialRegistry.Status.REVOKED) {
                revert("a revoked credential is not REVOKED");
            }
            if (reason != r.reason) revert("a revocation's reason changed");
        }
    }

    function counts() external view returns (uint256 observed, uint256 revoked) {
        return (observations.length, revocations.length);
    }
}

/// @notice Invariants of CredentialRegistry (contracts/CredentialRegistry.sol).
contract CredentialRegistryInvariants is InvariantTest {
    RegistryHandler internal handler;

    function setUp() public {
        vm.warp(1_800_000_000);
        handler = new RegistryHandler();
        bytes4[] memory actions = new bytes4[](9);
        actions[0] = RegistryHandler.authorise.selector;
        actions[1] = RegistryHandler.withdraw.selector;
        actions[2] = RegistryHandler.anchor.selector;
        actions[3] = RegistryHandler.revoke.selector;
        actions[4] = RegistryHandler.suspend.selector;
        actions[5] = RegistryHandler.reinstate.selector;
        actions[6] = RegistryHandler.supersede.selector;
        actions[7] = RegistryHandler.warp.selector;
        actions[8] = RegistryHandler.observe.selector;
        _targetHandler(address(handler), actions);
    }

    /// Status history never changes for instants already past.
    function invariant_statusHistoryOfPastInstantsNeverChanges() public view {
        handler.checkPastStatuses();
    }

    /// Only an issuer authorised for the kind (at the time) can have anchored a root.
    function invariant_onlyAuthorisedIssuersAnchor() public view {
        handler.checkAnchorsAuthorised();
    }

    /// A revoked credential never becomes valid (or suspended, or superseded) again.
    function invariant_revokedCredentialStaysRevoked() public view {
        handler.checkRevocationsFinal();
    }
}
