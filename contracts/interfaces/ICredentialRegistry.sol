// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAdminControl} from "../access/IAdminControl.sol";

/**
 * @title ICredentialRegistry
 * @notice Registry of tender credentials. Issuers authorised per kind by the admin (the trading-centre
 * consortium) anchor Merkle roots of credential batches; a single credential is a one-leaf batch
 * (root == leaf). Each credential under a root can later be revoked, suspended and reinstated, or
 * superseded by a newer version, by the root's issuer only. Every change is stamped with the block
 * timestamp and kept, so the status of a credential at any past instant can be answered, and every
 * change is logged with enough data to rebuild the whole state from events alone.
 *
 * The admin role (two-step transfer, its errors and events) is declared in {IAdminControl}.
 */
interface ICredentialRegistry is IAdminControl {
    /// @notice Kinds of credential. A kind is passed as `uint8`; its value is also its bit in an
    /// issuer's kind mask.
    enum Kind {
        IDENTITY, // 营业执照
        QUALIFICATION, // 资质
        PERSONNEL, // 注册人员
        PERFORMANCE, // 业绩
        AWARD, // 获奖
        CREDIT, // 信用 (incl. red and black lists)
        CONTRACT_PERFORMANCE // 履约评价
    }

    /// @notice Status of a credential under a root at an instant.
    enum Status {
        NOT_ANCHORED, // root unknown or anchored after the instant, or the id not proven to be under it
        VALID,
        REVOKED,
        SUSPENDED,
        SUPERSEDED
    }

    /// @notice A credential id and its Merkle proof in a root (empty for a one-credential root).
    struct Member {
        bytes32 credentialId;
        bytes32[] proof;
    }

    /// @notice One suspension period; `reinstatedAt` is 0 while the period is open.
    struct Suspension {
        uint64 suspendedAt;
        uint64 reinstatedAt;
        uint16 reason;
    }

    // ------------------------------------------------------------------ errors

    /// @notice `kind` is not one of the seven credential kinds.
    error InvalidKind(uint8 kind);

    /// @notice `issuer` is not authorised to anchor credentials of `kind`.
    error NotAuthorised(address issuer, uint8 kind);

    /// @notice `root` has been anchored before.
    error AlreadyAnchored(bytes32 root);

    /// @notice `root` has never been anchored.
    error UnknownRoot(bytes32 root);

    /// @notice `caller` did not anchor `root`.
    error NotIssuerOf(bytes32 root, address caller);

    /// @notice The proof does not show `credentialId` to be a leaf of `root`.
    error NotInBatch(bytes32 root, bytes32 credentialId);

    /// @notice The credential under `root` has been revoked.
    error AlreadyRevoked(bytes32 root, bytes32 credentialId);

    /// @notice The credential at leaf `position` of `root` has been revoked.
    error AlreadyRevokedAt(bytes32 root, uint256 position);

    /// @notice `position` cannot be revoked in `root`: 0, above 2^64 - 1, or not above the one before
    /// it (positions are strictly ascending); an empty list is position 0.
    error InvalidPosition(bytes32 root, uint256 position);

    /// @notice The credential under `root` is suspended now.
    error AlreadySuspended(bytes32 root, bytes32 credentialId);

    /// @notice The credential under `root` is not suspended now.
    error NotSuspended(bytes32 root, bytes32 credentialId);

    /// @notice The credential under `root` has used up its suspension periods.
    error TooManySuspensions(bytes32 root, bytes32 credentialId);

    /// @notice The credential under `root` has been superseded.
    error AlreadySuperseded(bytes32 root, bytes32 credentialId);

    /// @notice `root` holds credentials of kind `actual`, not of the kind `expected` of the old version.
    error KindMismatch(bytes32 root, uint8 expected, uint8 actual);

    /// @notice The credential under `root` cannot be a successor: it is the old version itself, or it
    /// is revoked or superseded.
    error InvalidSuccessor(bytes32 root, bytes32 credentialId);

    // ------------------------------------------------------------------ events

    /// @notice Emitted when `issuer` was authorised to anchor credentials of `kind`.
    event IssuerAuthorised(address indexed issuer, uint8 kind);

    /// @notice Emitted when `issuer` lost the authority to anchor credentials of `kind`. Roots it
    /// anchored before stay valid.
    event IssuerWithdrawn(address indexed issuer, uint8 kind);

    /// @notice Emitted when `root` was anchored. Its issuer, kind and time are in `anchorOf(root)`,
    /// which never changes once written (the log carries no data: one topic and 256 data gas less).
    event Anchored(bytes32 indexed root);

    /// @notice Emitted when the credential under `root` was revoked for good with `reason`.
    event Revoked(bytes32 indexed root, bytes32 indexed credentialId, uint16 reason);

    /// @notice Emitted, once per region of 176 positions, when credentials of `root` were revoked for
    /// good by leaf position (see `positionOf`). `word` is the storage word's layout: bit b of bits
    /// 0..175 set means position `region * 176 + b` was revoked; bits 176..239 are the time (the
    /// block's), bits 240..255 the reason.
    event RevokedAt(bytes32 indexed root, uint256 region, uint256 word);

    /// @notice Emitted when the credential under `root` was suspended with `reason`.
    event Suspended(bytes32 indexed root, bytes32 indexed credentialId, uint16 reason);

    /// @notice Emitted when the suspended credential under `root` was reinstated.
    event Reinstated(bytes32 indexed root, bytes32 indexed credentialId);

    /// @notice Emitted when the credential under `root` was superseded by `newCredentialId` under
    /// `newRoot`.
    event Superseded(
        bytes32 indexed root, bytes32 indexed credentialId, bytes32 newRoot, bytes32 newCredentialId
    );

    // ------------------------------------------------------------------ roles

    /// @notice Authorises `issuer` to anchor credentials of `kind`. Only the admin may call it;
    /// authorising again changes nothing and emits nothing.
    function authoriseIssuer(address issuer, uint8 kind) external;

    /// @notice Withdraws the authority of `issuer` to anchor credentials of `kind`, from now on.
    /// Roots it anchored before stay valid, and it keeps the power to revoke, suspend, reinstate and
    /// supersede the credentials under them. Only the admin may call it; withdrawing a kind the
    /// issuer does not hold changes nothing and emits nothing.
    function withdrawIssuer(address issuer, uint8 kind) external;

    /// @notice Whether `issuer` may anchor credentials of `kind` now.
    function isAuthorised(address issuer, uint8 kind) external view returns (bool);

    /// @notice The kinds `issuer` may anchor now, as a mask: bit `k` set means kind `k`.
    function issuerKinds(address issuer) external view returns (uint256);

    // ------------------------------------------------------------------ anchoring

    /// @notice Anchors `root`, the Merkle root of a batch of credentials of `kind`, issued by the caller.
    /// Named for its selector, 0x00003ed3: the lowest, so the dispatcher finds it first.
    function anchor_wU2(bytes32 root, uint8 kind) external;

    /// @notice Who anchored `root`, the kind of its credentials, and when (all 0 if never anchored).
    function anchorOf(bytes32 root) external view returns (address issuer, uint8 kind, uint64 anchoredAt);

    // ------------------------------------------------------------------ status changes

    /// @notice Revokes, for good, the credential `credentialId` proven by `proof` to be in `root`.
    /// Only the root's issuer may call it. A suspended or superseded credential may be revoked.
    function revoke(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint16 reason) external;

    /// @notice Revokes, for good and all at once, the credentials at leaf `positions` of `root`
    /// (strictly ascending; see `positionOf`), with one `reason` and the block time. Only the root's
    /// issuer may call it; a position revoked before reverts `AlreadyRevokedAt`. The contract does not
    /// know the batch's leaves: a position no leaf has changes nothing any proof can read. Named for
    /// its selector, 0x00004c41: the second lowest (after `anchor_wU2`), so it is found second.
    function revokeAt_Fni(bytes32 root, uint256[] calldata positions, uint16 reason) external;

    /// @notice Suspends the credential `credentialId` proven by `proof` to be in `root` until it is
    /// reinstated. Only the root's issuer may call it; a credential has at most `MAX_SUSPENSIONS` periods.
    function suspend(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint16 reason) external;

    /// @notice Ends the open suspension of `credentialId` in `root`. Only the root's issuer may call it.
    function reinstate(bytes32 root, bytes32 credentialId, bytes32[] calldata proof) external;

    /// @notice Marks `oldId` in `oldRoot` as superseded from now by `newId` in `newRoot`, a credential
    /// of the same kind anchored by the same issuer. Only that issuer may call it.
    function supersede(
        bytes32 oldRoot,
        bytes32 oldId,
        bytes32[] calldata oldProof,
        bytes32 newRoot,
        bytes32 newId,
        bytes32[] calldata newProof
    ) external;

    // ------------------------------------------------------------------ status views

    /// @notice The most suspension periods one credential may have.
    function MAX_SUSPENSIONS() external view returns (uint8);

    /// @notice Status of `credentialId` under `root` at instant `t` (a change made at time x counts
    /// for every t ≥ x), with the reason of a revocation or suspension (0 otherwise). `proof` must
    /// show `credentialId` to be a leaf of `root` (empty for a one-credential root): an id it does
    /// not prove is `NOT_ANCHORED`, so no id outside an anchored batch ever reads `VALID`.
    function statusAt(bytes32 root, bytes32 credentialId, bytes32[] calldata proof, uint64 t)
        external
        view
        returns (Status status, uint16 reason);

    /// @notice `statusAt` of several credentials of one root at instant `t`, in one call: the
    /// status and reason of each member, in order (a bid's credentials come from a few batches).
    function statusesIn(bytes32 root, Member[] calldata members, uint64 t)
        external
        view
        returns (Status[] memory statuses, uint16[] memory reasons);

    /// @notice When and why the credential at leaf `position` of `root` was revoked (0, 0 if it was not).
    function revocationAt(bytes32 root, uint256 position) external view returns (uint64 revokedAt, uint16 reason);

    /// @notice The credential that superseded `credentialId` under `root` (zeros if none).
    function successorOf(bytes32 root, bytes32 credentialId) external view returns (bytes32 newRoot, bytes32 newCredentialId);

    /// @notice Every suspension period of `credentialId` under `root`, oldest first.
    function suspensionsOf(bytes32 root, bytes32 credentialId) external view returns (Suspension[] memory);

    // ------------------------------------------------------------------ hashing rules

    /// @notice Merkle leaf of a credential id: keccak256(keccak256(abi.encode(credentialId))).
    function leafOf(bytes32 credentialId) external pure returns (bytes32);

    /// @notice The leaf position `proof` gives `credentialId`: 1 followed by one bit per proof step
    /// (first step lowest), set when the node is the greater hash of its pair. Unique per leaf of a tree.
    function positionOf(bytes32 credentialId, bytes32[] calldata proof) external pure returns (uint256);

    /// @notice Whether `proof` shows `credentialId` to be a leaf of the sorted-pair tree `root`.
    function verifyMembership(bytes32 root, bytes32 credentialId, bytes32[] calldata proof) external pure returns (bool);

    /// @notice keccak256(salt ‖ keccak256(name) ‖ keccak256(value)), `value` being RFC 8785 canonical JSON.
    function fieldHash(bytes32 salt, string calldata name, bytes calldata value) external pure returns (bytes32);

    /// @notice keccak256(keccak256("TenderLedger.Credential.v1") ‖ fieldHashes…), field hashes in the
    /// RFC 8785 order of their field names.
    function credentialIdOf(bytes32[] calldata fieldHashes) external pure returns (bytes32);
}
