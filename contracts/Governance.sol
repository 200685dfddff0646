// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGovernance} from "./interfaces/IGovernance.sol";

/**
 * @title Governance
 * @notice The consortium's M-of-N governance, admin of every contract of the ledger. See
 * {IGovernance}.
 *
 * Approvals are counted among the members at the moment of execution: a removed member's earlier
 * approvals no longer count, so changing members cannot carry a stale majority.
 */
contract Governance is IGovernance {
    /// @inheritdoc IGovernance
    uint64 public constant PROPOSAL_LIFETIME = 30 days;
    /// @inheritdoc IGovernance
    uint256 public constant MAX_MEMBERS = 32;

    address[] private _members;
    mapping(address member => string name) private _names;
    uint256 private _threshold;
    mapping(bytes32 id => Proposal) private _proposals;
    mapping(bytes32 id => mapping(address member => bool)) private _approved;

    modifier onlyMember() {
        if (bytes(_names[msg.sender]).length == 0) revert NotMember(msg.sender);
        _;
    }

    modifier onlyGovernance() {
        if (msg.sender != address(this)) revert NotGovernance(msg.sender);
        _;
    }

    constructor(address[] memory initialMembers, string[] memory names, uint256 initialThreshold) {
        if (names.length != initialMembers.length) revert InvalidThreshold(initialThreshold, initialMembers.length);
        for (uint256 i = 0; i < initialMembers.length; ++i) {
            _add(initialMembers[i], names[i]);
        }
        _setThreshold(initialThreshold);
    }

    // ------------------------------------------------------------------ proposals

    /// @inheritdoc IGovernance
    function proposalId(address target, bytes calldata data, bytes32 salt) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), target, keccak256(data), salt));
    }

    /// @inheritdoc IGovernance
    function propose(address target, bytes calldata data, bytes32 salt) external onlyMember returns (bytes32 id) {
        id = proposalId(target, data, salt);
        if (_proposals[id].state != ProposalState.NONE) revert ProposalExists(id);
        uint64 expiry = uint64(block.timestamp) + PROPOSAL_LIFETIME;
        _proposals[id] = Proposal({proposer: msg.sender, expiry: expiry, state: ProposalState.PENDING});
        emit Proposed(id, msg.sender, target, data, salt, expiry);
        _approved[id][msg.sender] = true;
        emit Approved(id, msg.sender);
    }

    /// @inheritdoc IGovernance
    function approve(bytes32 id) external onlyMember {
        _open(id);
        if (_approved[id][msg.sender]) revert AlreadyApproved(id, msg.sender);
        _approved[id][msg.sender] = true;
        emit Approved(id, msg.sender);
    }

    /// @inheritdoc IGovernance
    function revokeApproval(bytes32 id) external onlyMember {
        _open(id);
        if (!_approved[id][msg.sender]) revert NotApproved(id, msg.sender);
        _approved[id][msg.sender] = false;
        emit ApprovalRevoked(id, msg.sender);
    }

    /// @inheritdoc IGovernance
    function cancel(bytes32 id) external {
        Proposal storage p = _pending(id);
        if (p.proposer != msg.sender) revert NotProposer(id, msg.sender);
        p.state = ProposalState.CANCELLED;
        emit ProposalCancelled(id);
    }

    /// @inheritdoc IGovernance
    function execute(address target, bytes calldata data, bytes32 salt) external {
        bytes32 id = proposalId(target, data, salt);
        Proposal storage p = _open(id);
        uint256 approvals = approvalsOf(id);
        if (approvals < _threshold) revert BelowThreshold(id, approvals, _threshold);
        p.state = ProposalState.EXECUTED;
        (bool ok, bytes memory reason) = target.call(data);
        if (!ok) revert ExecutionFailed(id, reason);
        emit Executed(id, msg.sender, approvals);
    }

    // ------------------------------------------------------------------ membership (by proposal only)

    /// @inheritdoc IGovernance
    function addMember(address member, string calldata name) external onlyGovernance {
        _add(member, name);
        _setThreshold(_threshold); // still valid: members only grew
    }

    /// @inheritdoc IGovernance
    function removeMember(address member) external onlyGovernance {
        if (bytes(_names[member]).length == 0) revert NotMember(member);
        uint256 n = _members.length;
        for (uint256 i = 0; i < n; ++i) {
            if (_members[i] == member) {
                _members[i] = _members[n - 1];
                _members.pop();
                break;
            }
        }
        delete _names[member];
        emit MemberRemoved(member);
        if (_threshold > _members.length) revert InvalidThreshold(_threshold, _members.length);
    }

    /// @inheritdoc IGovernance
    function setThreshold(uint256 newThreshold) external onlyGovernance {
        _setThreshold(newThreshold);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IGovernance
    function members() external view returns (address[] memory) {
        return _members;
    }

    /// @inheritdoc IGovernance
    function nameOf(address member) external view returns (string memory) {
        return _names[member];
    }

    /// @inheritdoc IGovernance
    function isMember(address account) external view returns (bool) {
        return bytes(_names[account]).length != 0;
    }

    /// @inheritdoc IGovernance
    function threshold() external view returns (uint256) {
        return _threshold;
    }

    /// @inheritdoc IGovernance
    function proposalOf(bytes32 id) external view returns (Proposal memory) {
        return _proposals[id];
    }

    /// @inheritdoc IGovernance
    function approvalsOf(bytes32 id) public view returns (uint256 count) {
        uint256 n = _members.length;
        for (uint256 i = 0; i < n; ++i) {
            if (_approved[id][_members[i]]) ++count;
        }
    }

    /// @inheritdoc IGovernance
    function hasApproved(bytes32 id, address member) external view returns (bool) {
        return _approved[id][member];
    }

    // ------------------------------------------------------------------ internals

    function _add(address member, string memory name) private {
        if (member == address(0) || bytes(_names[member]).length != 0) revert InvalidMember(member);
        uint256 length = bytes(name).length;
        if (length == 0 || length > 64) revert InvalidName(member);
        if (_members.length >= MAX_MEMBERS) revert TooManyMembers(MAX_MEMBERS);
        _members.push(member);
        _names[member] = name;
        emit MemberAdded(member, name);
    }

    function _setThreshold(uint256 newThreshold) private {
        if (newThreshold < 2 || newThreshold > _members.length) {
            revert InvalidThreshold(newThreshold, _members.length);
        }
        if (newThreshold != _threshold) {
            _threshold = newThreshold;
            emit ThresholdChanged(newThreshold);
        }
    }

    /// @dev The pending proposal `id`.
    function _pending(bytes32 id) private view returns (Proposal storage p) {
        p = _proposals[id];
        if (p.state == ProposalState.NONE) revert UnknownProposal(id);
        if (p.state != ProposalState.PENDING) revert ProposalNotPending(id, p.state);
    }

    /// @dev The pending proposal `id`, which must not have lapsed.
    function _open(bytes32 id) private view returns (Proposal storage p) {
        p = _pending(id);
        if (block.timestamp >= p.expiry) revert ProposalExpired(id, p.expiry);
    }
}
