// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title IAdminControl
 * @notice The admin role shared by every deployable contract of the ledger: one admin, who grants
 * and withdraws the contract's roles, handed over in two steps (propose, then accept).
 */
interface IAdminControl {
    /// @notice The zero address cannot be the admin.
    error InvalidAdmin(address admin);

    /// @notice `caller` is not the admin.
    error NotAdmin(address caller);

    /// @notice `caller` is not the pending admin.
    error NotPendingAdmin(address caller);

    /// @notice Emitted when `previousAdmin` proposed `pendingAdmin` as the next admin
    /// (`pendingAdmin` == 0 cancels a proposal).
    event AdminTransferStarted(address indexed previousAdmin, address indexed pendingAdmin);

    /// @notice Emitted when the admin changed from `previousAdmin` to `newAdmin` (in the
    /// constructor with `previousAdmin` == 0).
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);

    /// @notice The admin, who grants and withdraws the contract's roles.
    function admin() external view returns (address);

    /// @notice The admin proposed by `transferAdmin`, or 0.
    function pendingAdmin() external view returns (address);

    /// @notice Proposes `newAdmin`; the transfer completes when `newAdmin` calls `acceptAdmin`.
    /// Only the admin may call it. Passing 0 cancels a proposal.
    function transferAdmin(address newAdmin) external;

    /// @notice Makes the pending admin the admin. Only the pending admin may call it.
    function acceptAdmin() external;
}
