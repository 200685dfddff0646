// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAdminControl} from "./IAdminControl.sol";

/**
 * @title AdminControl
 * @notice The admin role with its two-step transfer, and `onlyAdmin` for the functions that grant
 * and withdraw the inheriting contract's roles.
 */
abstract contract AdminControl is IAdminControl {
    address private _admin;
    address private _pendingAdmin;

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert NotAdmin(msg.sender);
        _;
    }

    constructor(address initialAdmin) {
        if (initialAdmin == address(0)) revert InvalidAdmin(initialAdmin);
        _admin = initialAdmin;
        emit AdminTransferred(address(0), initialAdmin);
    }

    /// @inheritdoc IAdminControl
    function admin() external view returns (address) {
        return _admin;
    }

    /// @inheritdoc IAdminControl
    function pendingAdmin() external view returns (address) {
        return _pendingAdmin;
    }

    /// @inheritdoc IAdminControl
    function transferAdmin(address newAdmin) external onlyAdmin {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @inheritdoc IAdminControl
    function acceptAdmin() external {
        if (msg.sender != _pendingAdmin) revert NotPendingAdmin(msg.sender);
        address previous = _admin;
        _admin = msg.sender;
        delete _pendingAdmin;
        emit AdminTransferred(previous, msg.sender);
    }
}
