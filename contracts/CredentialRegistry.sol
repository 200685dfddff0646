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
 * Storage is laid out for the gas budget: an anchor is one slot (issuer, kind, time); revocations
 * are stamped bitmap words per batch, indexed by leaf position (176 positions, the time and the
 * reason in one word: one revocation call writes one word per 176 positions it touches); a
 * credential's supersession and suspension counters are one slot keyed by (root, credential id);
 * a suspension period is one slot. Nothing is stored per credential until its status first changes.
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
    /// @dev Revocation words, keyed by keccak256(root, region, layer): bits 0..175 are the positions
    /// region * 176 + bit revoked by one call, bits 176..239 its time, bits 240..255 its reason.
    /// A region's layers are written in time order from layer 0; the first zero word ends them.
    mapping(bytes32 key => uint256 word) private _revocations;

    uint256 private constant REGION = 176;
    uint256 private constant MAX_POSITION = type(uint64).max;
    uint256 private constant REGION_BITS = (1 << 176) - 1;

    constructor(address initialAdmin) IssuerAuthority(initialAdmin) {}

    /// @inheritdoc ICredentialRegistry
    /// @dev Named for its selector (0x00003ed3), the lowest of the contract: the IR dispatcher tests
    /// selectors in ascending order, so the hottest write is found first, and its two zero bytes
    /// are cheaper calldata.
    function anchor_wU2(bytes32 root, uint8 kind) external {
        _checkAuthorised(msg.sender, kind);
        Anchor storage a = _anchors[root];
        bytes32 topic = Anchored.selector;
        uint256 word;
        assembly ("memory-safe") {
            word := sload(a.slot)
        }
        if (word != 0) revert AlreadyAnchored(root); // any non-zero word is an anchor (issuer ≠ 0)
        // One SSTORE of the packed slot (issuer | kind << 160 | anchoredAt << 168); the log is LOG2
        // (signature, root) with no data: the issuer and kind are in the slot, which never changes.
        assembly ("memory-safe") {
            sstore(a.slot, or(caller(), or(shl(160, kind), shl(168, timestamp()))))
            log2(0, 0, topic, root)
        }
    }

    /// @inheritdoc ICredentialRegistry
    function anchorOf(bytes32 root) external view returns (address issuer, uint8 kind, uint64 anchoredAt) {
        Anchor memory a = _anchors[root];
        return (a.issuer, a.kind, a.anchoredAt);
    }

    /// @inheritdoc ICredentialRegistry
    function revoke(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint16 reason) external {
        (, uint256 position) = _checkIssuerOf(root, credentialId, proof);
        if (_stamp(root, position / REGION, uint256(1) << (position % REGION), reason) == 0) {
            revert AlreadyRevoked(root, credentialId);
        }
        emit Revoked(root, credentialId, reason);
    }

    /// @inheritdoc ICredentialRegistry
    function revokeAt_Fni(bytes32 root, uint256[] calldata positions, uint16 reason) external {
        address issuer = _anchors[root].issuer;
        if (issuer == address(0)) revert UnknownRoot(root);
        if (issuer != msg.sender) revert NotIssuerOf(root, msg.sender);
        uint256 n = positions.length;
        if (n == 0) revert InvalidPosition(root, 0);
        uint256 last; // positions are strictly ascending, so each region's come together
        for (uint256 i = 0; i < n; ) {
            uint256 region = positions[i] / REGION;
            uint256 mask;
            for (; i < n; ++i) {
                uint256 p = positions[i];
                if (p <= last || p > MAX_POSITION) revert InvalidPosition(root, p);
                if (p / REGION != region) break;
                mask |= uint256(1) << (p % REGION);
                last = p;
            }
            uint256 word = _stamp(root, region, mask, reason);
            if (word == 0) revert AlreadyRevokedAt(root, region * REGION + _lowestBit(mask & _revokedIn(root, region)));
            emit RevokedAt(root, region, word);
        }
    }

    /// @inheritdoc ICredentialRegistry
    function suspend(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint16 reason) external {
        (bytes32 key, uint256 position) = _checkIssuerOf(root, credentialId, proof);
        Record storage r = _checkChangeable(key, root, credentialId, position);
        if (r.suspended) revert AlreadySuspended(root, credentialId);
        uint8 n = r.suspensions;
        if (n == MAX_SUSPENSIONS) revert TooManySuspensions(root, credentialId);
        _suspensions[key][n] = Suspension(uint64(block.timestamp), 0, reason);
        (r.suspensions, r.suspended) = (n + 1, true);
        emit Suspended(root, credentialId, reason);
    }

    /// @inheritdoc ICredentialRegistry
    function reinstate(bytes32 root, bytes32 credentialId, bytes32[] calldata proof) external {
        (bytes32 key, uint256 position) = _checkIssuerOf(root, credentialId, proof);
        Record storage r = _checkChangeable(key, root, credentialId, position);
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
        (bytes32 oldKey, uint256 oldPosition) = _checkIssuerOf(oldRoot, oldId, oldProof);
        (bytes32 newKey, uint256 newPosition) = _checkIssuerOf(newRoot, newId, newProof);
        (uint8 oldKind, uint8 newKind) = (_anchors[oldRoot].kind, _anchors[newRoot].kind);
        if (newKind != oldKind) revert KindMismatch(newRoot, oldKind, newKind);
        Record storage r = _checkChangeable(oldKey, oldRoot, oldId, oldPosition);
        if (newKey == oldKey || _isRevoked(newRoot, newPosition) || _records[newKey].supersededAt != 0) {
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
        (bytes32 top, uint256 position) = MerkleProof.processProofWithPosition(proof, CredentialHash.leaf(credentialId));
        if (top != root) return (Status.NOT_ANCHORED, 0);
        (uint64 revokedAt, uint16 reason) = _revocationOf(root, position);
        if (revokedAt != 0 && revokedAt <= t) return (Status.REVOKED, reason);
        bytes32 key = CredentialHash.statusKey(root, credentialId);
        Record memory r = _records[key];
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

    /// @inheritdoc ICredentialRegistry
    function positionOf(bytes32 credentialId, bytes32[] calldata proof) external pure returns (uint256 position) {
        (, position) = MerkleProof.processProofWithPosition(proof, CredentialHash.leaf(credentialId));
    }

    /// @inheritdoc ICredentialRegistry
    function revocationAt(bytes32 root, uint256 position) external view returns (uint64 revokedAt, uint16 reason) {
        return _revocationOf(root, position);
    }

    /// @dev Reverts unless `root` is anchored by the caller and `proof` puts `credentialId` in it;
    /// returns the credential's status key and its leaf position.
    function _checkIssuerOf(bytes32 root, bytes32 credentialId, bytes32[] calldata proof)
        private
        view
        returns (bytes32, uint256 position)
    {
        address issuer = _anchors[root].issuer;
        if (issuer == address(0)) revert UnknownRoot(root);
        if (issuer != msg.sender) revert NotIssuerOf(root, msg.sender);
        bytes32 top;
        (top, position) = MerkleProof.processProofWithPosition(proof, CredentialHash.leaf(credentialId));
        if (top != root) revert NotInBatch(root, credentialId);
        return (CredentialHash.statusKey(root, credentialId), position);
    }

    /// @dev The credential's record; reverts if it is revoked or superseded (final states).
    function _checkChangeable(bytes32 key, bytes32 root, bytes32 credentialId, uint256 position)
        private
        view
        returns (Record storage r)
    {
        if (_isRevoked(root, position)) revert AlreadyRevoked(root, credentialId);
        r = _records[key];
        if (r.supersededAt != 0) revert AlreadySuperseded(root, credentialId);
    }

    /// @dev Marks the positions `mask` of `region` of `root` revoked now with `reason`: a new layer
    /// after the region's last, or merged into the last one when it has the same time and reason
    /// (one block). Returns the stamp with `mask` (what the log records), or 0, and nothing written,
    /// if any of the positions is revoked already.
    function _stamp(bytes32 root, uint256 region, uint256 mask, uint16 reason) private returns (uint256) {
        uint256 stamp = (block.timestamp << REGION) | (uint256(reason) << 240);
        bytes32 key;
        bytes32 previousKey;
        uint256 previous;
        for (uint256 layer = 0; ; ++layer) {
            key = CredentialHash.revocationKey(root, region, layer);
            uint256 word = _revocations[key];
            if (word == 0) break;
            if (word & mask != 0) return 0;
            (previous, previousKey) = (word, key);
        }
        if (previous != 0 && previous & ~REGION_BITS == stamp) {
            _revocations[previousKey] = previous | mask; // same block, same reason: one word
        } else {
            _revocations[key] = stamp | mask;
        }
        return stamp | mask;
    }

    /// @dev Every position of `region` of `root` revoked so far, as a mask.
    function _revokedIn(bytes32 root, uint256 region) private view returns (uint256 bits) {
        for (uint256 layer = 0; ; ++layer) {
            uint256 word = _revocations[CredentialHash.revocationKey(root, region, layer)];
            if (word == 0) return bits;
            bits |= word & REGION_BITS;
        }
    }

    /// @dev When and why the credential at `position` of `root` was revoked (0, 0 if it was not).
    function _revocationOf(bytes32 root, uint256 position) private view returns (uint64, uint16) {
        (uint256 region, uint256 bit) = (position / REGION, uint256(1) << (position % REGION));
        for (uint256 layer = 0; ; ++layer) {
            uint256 word = _revocations[CredentialHash.revocationKey(root, region, layer)];
            if (word == 0) return (0, 0);
            if (word & bit != 0) return (uint64(word >> REGION), uint16(word >> 240));
        }
        return (0, 0);
    }

    function _isRevoked(bytes32 root, uint256 position) private view returns (bool) {
        return _revokedIn(root, position / REGION) & (uint256(1) << (position % REGION)) != 0;
    }

    function _lowestBit(uint256 mask) private pure returns (uint256 i) {
        while (mask & 1 == 0) {
            mask >>= 1;
            ++i;
        }
    }
}
