// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITenderBook} from "../interfaces/ITenderBook.sol";

/**
 * @title CentreAuthority
 * @notice The admin role (two-step transfer) and the trading-centre role of the tender book.
 */
abstract contract CentreAuthority is ITenderBook {
    address private _admin;
    address private _pendingAdmin;
    mapping(address centre => bool authorised) private _centres;

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert NotAdmin(msg.sender);
        _;
    }

    constructor(address initialAdmin) {
        if (initialAdmin == address(0)) revert InvalidAdmin(initialAdmin);
        _admin = initialAdmin;
        emit AdminTransferred(address(0), initialAdmin);
    }

    /// @inheritdoc ITenderBook
    function admin() external view returns (address) {
        return _admin;
    }

    /// @inheritdoc ITenderBook
    function pendingAdmin() external view returns (address) {
        return _pendingAdmin;
    }

    /// @inheritdoc ITenderBook
    function transferAdmin(address newAdmin) external onlyAdmin {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @inheritdoc ITenderBook
    function acceptAdmin() external {
        if (msg.sender != _pendingAdmin) revert NotPendingAdmin(msg.sender);
        address previous = _admin;
        _admin = msg.sender;
        delete _pendingAdmin;
        emit AdminTransferred(previous, msg.sender);
    }

    /// @inheritdoc ITenderBook
    function authoriseCentre(address centre) external onlyAdmin {
        if (!_centres[centre]) {
            _centres[centre] = true;
            emit CentreAuthorised(centre);
        }
    }

    /// @inheritdoc ITenderBook
    function withdrawCentre(address centre) external onlyAdmin {
        if (_centres[centre]) {
            _centres[centre] = false;
            emit CentreWithdrawn(centre);
        }
    }

    /// @inheritdoc ITenderBook
    function isCentre(address account) external view returns (bool) {
        return _centres[account];
    }

    /// @dev Reverts with `NotCentre` unless `account` is an authorised centre now.
    function _checkCentre(address account) internal view {
        if (!_centres[account]) revert NotCentre(account);
    }
}
