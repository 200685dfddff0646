// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICredentialRegistry} from "./interfaces/ICredentialRegistry.sol";
import {IssuerAuthority} from "./access/IssuerAuthority.sol";
import {CredentialHash} from "./libraries/CredentialHash.sol";
import {MerkleProof} from "./libraries/MerkleProof.sol";

/**
 * @title CredentialRegistry
 * @notice Anchors credential batches (Merkle roots) and keeps the full, time-stamped status history
 * of every credential under them. See {ICredentialRegistry}.
 *
 * Storage is laid out for the gas budget: an anchor is one slot (issuer, kind, time); a credential's
 * revocation, supersession and suspension counters are one slot keyed by (root, credential id); a
 * suspension period is one slot. Nothing is stored per credential until its status first changes.
 */
contract CredentialRegistry is IssuerAuthority {
    /// @inheritdoc ICredentialRegistry
    uint8 public constant MAX_SUSPENSIONS = 32;

    struct Anchor {
        address issuer;
        uint8 kind;
        uint64 anchoredAt;
    }

    struct Record {
        uint64 revokedAt;
        uint16 reason; // of the revocation
        uint64 supersededAt;
        uint8 suspensions; // periods recorded in _suspensions
        bool suspended; // the last period is still open
    }

    struct Successor {
        bytes32 root;
        bytes32 credentialId;
    }

    mapping(bytes32 root => Anchor) private _anchors;
    mapping(bytes32 key => Record) private _records;
    mapping(bytes32 key => Suspension[MAX_SUSPENSIONS]) private _suspensions;
    mapping(bytes32 key => Successor) private _successors;

    constructor(address initialAdmin) IssuerAuthority(initialAdmin) {}

    /// @inheritdoc ICredentialRegistry
    function anchor(bytes32 root, uint8 kind) external {
        _checkAuthorised(msg.sender, kind);
        Anchor storage a = _anchors[root];
        if (a.issuer != address(0)) revert AlreadyAnchored(root);
        // One SSTORE of the packed slot (issuer | kind << 160 | anchoredAt << 168) instead of
        // three read-modify-writes, one per member.
        assembly ("memory-safe") {
            sstore(a.slot, or(caller(), or(shl(160, kind), shl(168, timestamp()))))
        }
        emit Anchored(root, msg.sender, kind);
    }

    /// @inheritdoc ICredentialRegistry
    function anchorOf(bytes32 root) external view returns (address issuer, uint8 kind, uint64 anchoredAt) {
        Anchor memory a = _anchors[root];
        return (a.issuer, a.kind, a.anchoredAt);
    }

    /// @inheritdoc ICredentialRegistry
    function revoke(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint16 reason) external {
        bytes32 key = _checkIssuerOf(root, credentialId, proof);
        Record storage r = _records[key];
        if (r.revokedAt != 0) revert AlreadyRevoked(root, credentialId);
        (r.revokedAt, r.reason) = (uint64(block.timestamp), reason);
        emit Revoked(root, credentialId, reason);
    }

    /// @inheritdoc ICredentialRegistry
    function suspend(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint16 reason) external {
        bytes32 key = _checkIssuerOf(root, credentialId, proof);
        Record storage r = _checkChangeable(key, root, credentialId);
        if (r.suspended) revert AlreadySuspended(root, credentialId);
        uint8 n = r.suspensions;
        if (n == MAX_SUSPENSIONS) revert TooManySuspensions(root, credentialId);
        _suspensions[key][n] = Suspension(uint64(block.timestamp), 0, reason);
        (r.suspensions, r.suspended) = (n + 1, true);
        emit Suspended(root, credentialId, reason);
    }

    /// @inheritdoc ICredentialRegistry
    function reinstate(bytes32 root, bytes32 credentialId, bytes32[] calldata proof) external {
        bytes32 key = _checkIssuerOf(root, credentialId, proof);
        Record storage r = _checkChangeable(key, root, credentialId);
        if (!r.suspended) revert NotSuspended(root, credentialId);
        _suspensions[key][r.suspensions - 1].reinstatedAt = uint64(block.timestamp);
        r.suspended = false;
        emit Reinstated(root, credentialId);
    }

    /// @inheritdoc ICredentialRegistry
    function supersede(
        bytes32 oldRoot,
        bytes32 oldId,
        bytes32[] calldata oldProof,
        bytes32 newRoot,
        bytes32 newId,
        bytes32[] calldata newProof
    ) external {
        bytes32 oldKey = _checkIssuerOf(oldRoot, oldId, oldProof);
        bytes32 newKey = _checkIssuerOf(newRoot, newId, newProof);
        (uint8 oldKind, uint8 newKind) = (_anchors[oldRoot].kind, _anchors[newRoot].kind);
        if (newKind != oldKind) revert KindMismatch(newRoot, oldKind, newKind);
        Record storage r = _checkChangeable(oldKey, oldRoot, oldId);
        Record storage next = _records[newKey];
        if (newKey == oldKey || next.revokedAt != 0 || next.supersededAt != 0) {
            revert InvalidSuccessor(newRoot, newId);
        }
        r.supersededAt = uint64(block.timestamp);
        _successors[oldKey] = Successor(newRoot, newId);
        emit Superseded(oldRoot, oldId, newRoot, newId);
    }

    /// @inheritdoc ICredentialRegistry
    function statusAt(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint64 t)
        external
        view
        returns (Status, uint16)
    {
        return _statusAt(_anchors[root], root, credentialId, proof, t);
    }

    /// @inheritdoc ICredentialRegistry
    function statusesIn(bytes32 root, Member[] calldata members, uint64 t)
        external
        view
        returns (Status[] memory statuses, uint16[] memory reasons)
    {
        Anchor memory a = _anchors[root];
        statuses = new Status[](members.length);
        reasons = new uint16[](members.length);
        for (uint256 i = 0; i < members.length; ++i) {
            (statuses[i], reasons[i]) = _statusAt(a, root, members[i].credentialId, members[i].proof, t);
        }
    }

    /// @dev The status of `credentialId` under `root` (anchored as `a`) at `t`; NOT_ANCHORED unless
    /// `proof` puts the id in the root.
    function _statusAt(Anchor memory a, bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint64 t)
        private
        view
        returns (Status, uint16)
    {
        if (a.issuer == address(0) || a.anchoredAt > t) return (Status.NOT_ANCHORED, 0);
        if (!MerkleProof.verify(proof, root, CredentialHash.leaf(credentialId))) return (Status.NOT_ANCHORED, 0);
        bytes32 key = CredentialHash.statusKey(root, credentialId);
        Record memory r = _records[key];
        if (r.revokedAt != 0 && r.revokedAt <= t) return (Status.REVOKED, r.reason);
        if (r.supersededAt != 0 && r.supersededAt <= t) return (Status.SUPERSEDED, 0);
        // Periods are in time order and do not overlap: the latest one begun by t decides.
        for (uint256 i = r.suspensions; i > 0; --i) {
            Suspension memory s = _suspensions[key][i - 1];
            if (s.suspendedAt <= t) {
                if (s.reinstatedAt == 0 || s.reinstatedAt > t) return (Status.SUSPENDED, s.reason);
                break;
            }
        }
        return (Status.VALID, 0);
    }

    /// @inheritdoc ICredentialRegistry
    function successorOf(bytes32 root, bytes32 credentialId) external view returns (bytes32, bytes32) {
        Successor memory s = _successors[CredentialHash.statusKey(root, credentialId)];
        return (s.root, s.credentialId);
    }

    /// @inheritdoc ICredentialRegistry
    function suspensionsOf(bytes32 root, bytes32 credentialId) external view returns (Suspension[] memory periods) {
        bytes32 key = CredentialHash.statusKey(root, credentialId);
        periods = new Suspension[](_records[key].suspensions);
        for (uint256 i = 0; i < periods.length; ++i) {
            periods[i] = _suspensions[key][i];
        }
    }

    /// @inheritdoc ICredentialRegistry
    function leafOf(bytes32 credentialId) external pure returns (bytes32) {
        return CredentialHash.leaf(credentialId);
    }

    /// @inheritdoc ICredentialRegistry
    function verifyMembership(bytes32 root, bytes32 credentialId, bytes32[] calldata proof) external pure returns (bool) {
        return MerkleProof.verify(proof, root, CredentialHash.leaf(credentialId));
    }

    /// @inheritdoc ICredentialRegistry
    function fieldHash(bytes32 salt, string calldata name, bytes calldata value) external pure returns (bytes32) {
        return CredentialHash.fieldHash(salt, name, value);
    }

    /// @inheritdoc ICredentialRegistry
    function credentialIdOf(bytes32[] calldata fieldHashes) external pure returns (bytes32) {
        return CredentialHash.credentialId(fieldHashes);
    }

    /// @dev Reverts unless `root` is anchored by the caller and `proof` puts `credentialId` in it;
    /// returns the credential's status key.
    function _checkIssuerOf(bytes32 root, bytes32 credentialId, bytes32[] calldata proof) private view returns (bytes32) {
        address issuer = _anchors[root].issuer;
        if (issuer == address(0)) revert UnknownRoot(root);
        if (issuer != msg.sender) revert NotIssuerOf(root, msg.sender);
        if (!MerkleProof.verify(proof, root, CredentialHash.leaf(credentialId))) {
            revert NotInBatch(root, credentialId);
        }
        return CredentialHash.statusKey(root, credentialId);
    }

    /// @dev The credential's record; reverts if it is revoked or superseded (final states).
    function _checkChangeable(bytes32 key, bytes32 root, bytes32 credentialId) private view returns (Record storage r) {
        r = _records[key];
        if (r.revokedAt != 0) revert AlreadyRevoked(root, credentialId);
        if (r.supersededAt != 0) revert AlreadySuperseded(root, credentialId);
    }
}
