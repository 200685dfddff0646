// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IGovernance
 * @notice The consortium's governance: an M-of-N of named bodies (e.g. the housing and construction
 * department, the market regulator, the credit authority and the trading centre), each with its own
 * key, that is the admin of every contract of the ledger. Authorising or withdrawing an issuer or a
 * guarantor, appointing or withdrawing a trading centre and handing over an admin role are calls
 * the governance makes; a call is made only once `threshold` members approved it, so no single key
 * (and not the relayer that pays for transactions) can make one.
 *
 * A proposal is a call (`target`, `data`) with a `salt`: any member proposes it (and so approves
 * it), other members approve it, a member may take its approval back while the proposal is
 * pending, and once enough current members approve, anyone may execute it. A proposal lapses
 * `PROPOSAL_LIFETIME` after it was made. Members, their names and the threshold change only by
 * proposals the governance makes to itself. Time is block time.
 */
interface IGovernance {
    /// @notice Where a proposal stands.
    enum ProposalState {
        NONE, // never proposed
        PENDING, // collecting approvals (and lapsed once `expiry` has passed)
        EXECUTED,
        CANCELLED
    }

    /// @notice A proposal: who made it, when it lapses, and where it stands.
    struct Proposal {
        address proposer;
        uint64 expiry;
        ProposalState state;
    }

    /// @notice `caller` is not a member of the governance.
    error NotMember(address caller);

    /// @notice Only the governance itself (an executed proposal) may change members or threshold.
    error NotGovernance(address caller);

    /// @notice `member` cannot be a member: it is the zero address, or is one already.
    error InvalidMember(address member);

    /// @notice Membership would exceed `max` members.
    error TooManyMembers(uint256 max);

    /// @notice `threshold` approvals out of `members` members is not allowed: it must be at
    /// least 2 (no single key decides) and at most the number of members.
    error InvalidThreshold(uint256 threshold, uint256 members);

    /// @notice A member's name must be 1 … 64 bytes of UTF-8.
    error InvalidName(address member);

    /// @notice Proposal `id` exists already (propose again with another salt).
    error ProposalExists(bytes32 id);

    /// @notice No proposal `id` was made.
    error UnknownProposal(bytes32 id);

    /// @notice Proposal `id` is `state`, not pending.
    error ProposalNotPending(bytes32 id, ProposalState state);

    /// @notice Proposal `id` lapsed at `expiry`.
    error ProposalExpired(bytes32 id, uint64 expiry);

    /// @notice `member` approved proposal `id` already.
    error AlreadyApproved(bytes32 id, address member);

    /// @notice `member` has no approval of proposal `id` to take back.
    error NotApproved(bytes32 id, address member);

    /// @notice Proposal `id` has `approvals` approvals of current members; `threshold` are needed.
    error BelowThreshold(bytes32 id, uint256 approvals, uint256 threshold);

    /// @notice Only the proposer may cancel proposal `id`.
    error NotProposer(bytes32 id, address caller);

    /// @notice The call of proposal `id` reverted with `reason` (the target's own revert data).
    error ExecutionFailed(bytes32 id, bytes reason);

    /// @notice `member` became a member named `name`.
    event MemberAdded(address indexed member, string name);

    /// @notice `member` stopped being a member.
    event MemberRemoved(address indexed member);

    /// @notice The number of approvals a call needs became `threshold`.
    event ThresholdChanged(uint256 threshold);

    /// @notice `proposer` proposed calling `target` with `data`; the proposal lapses at `expiry`.
    event Proposed(
        bytes32 indexed id, address indexed proposer, address indexed target, bytes data, bytes32 salt, uint64 expiry
    );

    /// @notice `member` approved proposal `id`.
    event Approved(bytes32 indexed id, address indexed member);

    /// @notice `member` took back its approval of proposal `id`.
    event ApprovalRevoked(bytes32 indexed id, address indexed member);

    /// @notice Proposal `id` was executed by `executor` with `approvals` approvals.
    event Executed(bytes32 indexed id, address indexed executor, uint256 approvals);

    /// @notice Proposal `id` was cancelled by its proposer.
    event ProposalCancelled(bytes32 indexed id);

    /// @notice How long a proposal stays open for approvals, in seconds.
    function PROPOSAL_LIFETIME() external view returns (uint64);

    /// @notice The most members the governance may have.
    function MAX_MEMBERS() external view returns (uint256);

    /// @notice The id of the proposal to call `target` with `data` and `salt` (on this chain, at
    /// this governance).
    function proposalId(address target, bytes calldata data, bytes32 salt) external view returns (bytes32);

    /// @notice Proposes calling `target` with `data` and approves it. Only a member may call it.
    function propose(address target, bytes calldata data, bytes32 salt) external returns (bytes32 id);

    /// @notice Approves pending proposal `id`. Only a member may call it.
    function approve(bytes32 id) external;

    /// @notice Takes back the caller's approval of pending proposal `id`.
    function revokeApproval(bytes32 id) external;

    /// @notice Cancels pending proposal `id`. Only its proposer may call it.
    function cancel(bytes32 id) external;

    /// @notice Makes the call of proposal (`target`, `data`, `salt`) once `threshold` current
    /// members approve it and it has not lapsed. Anyone may call it. Reverts with
    /// `ExecutionFailed` (and the proposal stays pending) if the call reverts.
    function execute(address target, bytes calldata data, bytes32 salt) external;

    /// @notice Adds `member` named `name`. Only the governance itself may call it.
    function addMember(address member, string calldata name) external;

    /// @notice Removes `member`; the threshold must still be reachable. Only the governance itself.
    function removeMember(address member) external;

    /// @notice Sets the number of approvals a call needs. Only the governance itself.
    function setThreshold(uint256 threshold) external;

    /// @notice Every member now, in the order they joined.
    function members() external view returns (address[] memory);

    /// @notice The name of `member` (empty if it is not a member).
    function nameOf(address member) external view returns (string memory);

    /// @notice Whether `account` is a member now.
    function isMember(address account) external view returns (bool);

    /// @notice How many approvals of current members a call needs.
    function threshold() external view returns (uint256);

    /// @notice Proposal `id`.
    function proposalOf(bytes32 id) external view returns (Proposal memory);

    /// @notice How many current members approve proposal `id`.
    function approvalsOf(bytes32 id) external view returns (uint256);

    /// @notice Whether `member` approves proposal `id`.
    function hasApproved(bytes32 id, address member) external view returns (bool);
}
