// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGuaranteeBook} from "../interfaces/IGuaranteeBook.sol";

/**
 * @title GuarantorAuthority
 * @notice The admin role (two-step transfer) and the per-type guarantee-issuer roles of the
 * guarantee book. An issuer's types are one byte: bit `t` set means it may issue guarantees of type `t`.
 */
abstract contract GuarantorAuthority is IGuaranteeBook {
    uint8 internal constant ISSUER_TYPE_COUNT = 3;

    address private _admin;
    address private _pendingAdmin;
    mapping(address issuer => uint8 types) private _issuerTypes;

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert NotAdmin(msg.sender);
        _;
    }

    constructor(address initialAdmin) {
        if (initialAdmin == address(0)) revert InvalidAdmin(initialAdmin);
        _admin = initialAdmin;
        emit AdminTransferred(address(0), initialAdmin);
    }

    /// @inheritdoc IGuaranteeBook
    function admin() external view returns (address) {
        return _admin;
    }

    /// @inheritdoc IGuaranteeBook
    function pendingAdmin() external view returns (address) {
        return _pendingAdmin;
    }

    /// @inheritdoc IGuaranteeBook
    function transferAdmin(address newAdmin) external onlyAdmin {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @inheritdoc IGuaranteeBook
    function acceptAdmin() external {
        if (msg.sender != _pendingAdmin) revert NotPendingAdmin(msg.sender);
        address previous = _admin;
        _admin = msg.sender;
        delete _pendingAdmin;
        emit AdminTransferred(previous, msg.sender);
    }

    /// @inheritdoc IGuaranteeBook
    function authoriseIssuer(address issuer, uint8 issuerType) external onlyAdmin {
        uint8 types = _issuerTypes[issuer];
        uint8 bit = _bit(issuerType);
        if (types & bit == 0) {
            _issuerTypes[issuer] = types | bit;
            emit IssuerAuthorised(issuer, issuerType);
        }
    }

    /// @inheritdoc IGuaranteeBook
    function withdrawIssuer(address issuer, uint8 issuerType) external onlyAdmin {
        uint8 types = _issuerTypes[issuer];
        uint8 bit = _bit(issuerType);
        if (types & bit != 0) {
            _issuerTypes[issuer] = types & ~bit;
            emit IssuerWithdrawn(issuer, issuerType);
        }
    }

    /// @inheritdoc IGuaranteeBook
    function isAuthorised(address issuer, uint8 issuerType) external view returns (bool) {
        return _issuerTypes[issuer] & _bit(issuerType) != 0;
    }

    /// @inheritdoc IGuaranteeBook
    function issuerTypes(address issuer) external view returns (uint8) {
        return _issuerTypes[issuer];
    }

    /// @dev Reverts with `NotGuarantor` unless `issuer` holds at least one issuer type now.
    function _checkGuarantor(address issuer) internal view {
        if (_issuerTypes[issuer] == 0) revert NotGuarantor(issuer);
    }

    /// @dev Reverts with `IssuerNotAuthorised` (or `InvalidIssuerType`) unless `issuer` holds
    /// `issuerType` now.
    function _checkAuthorised(address issuer, uint8 issuerType) internal view {
        if (_issuerTypes[issuer] & _bit(issuerType) == 0) revert IssuerNotAuthorised(issuer, issuerType);
    }

    /// @dev The mask bit of `issuerType`; reverts with `InvalidIssuerType` for types that do not exist.
    function _bit(uint8 issuerType) private pure returns (uint8) {
        if (issuerType >= ISSUER_TYPE_COUNT) revert InvalidIssuerType(issuerType);
        return uint8(1 << issuerType);
    }
}
