// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGuaranteeBook} from "../interfaces/IGuaranteeBook.sol";
import {AdminControl} from "./AdminControl.sol";
import {RoleMask} from "./RoleMask.sol";

/**
 * @title GuarantorAuthority
 * @notice The per-type guarantee-issuer roles of the guarantee book, granted and withdrawn by the
 * admin of {AdminControl}. An issuer's types are its {RoleMask}: bit `t` set means it may issue
 * guarantees of type `t`.
 */
abstract contract GuarantorAuthority is AdminControl, RoleMask, IGuaranteeBook {
    uint8 internal constant ISSUER_TYPE_COUNT = 3;

    constructor(address initialAdmin) AdminControl(initialAdmin) {}

    /// @inheritdoc IGuaranteeBook
    function authoriseIssuer(address issuer, uint8 issuerType) external onlyAdmin {
        _grantRole(issuer, issuerType);
    }

    /// @inheritdoc IGuaranteeBook
    function withdrawIssuer(address issuer, uint8 issuerType) external onlyAdmin {
        _revokeRole(issuer, issuerType);
    }

    /// @inheritdoc IGuaranteeBook
    function isAuthorised(address issuer, uint8 issuerType) external view returns (bool) {
        return _hasRole(issuer, issuerType);
    }

    /// @inheritdoc IGuaranteeBook
    function issuerTypes(address issuer) external view returns (uint256) {
        return _rolesOf(issuer);
    }

    /// @dev Reverts with `NotGuarantor` unless `issuer` holds at least one issuer type now.
    function _checkGuarantor(address issuer) internal view {
        if (_rolesOf(issuer) == 0) revert NotGuarantor(issuer);
    }

    /// @dev Reverts with `IssuerNotAuthorised` (or `InvalidIssuerType`) unless `issuer` holds
    /// `issuerType` now.
    function _checkAuthorised(address issuer, uint8 issuerType) internal view {
        if (_rolesOf(issuer) & _roleBit(issuerType) == 0) revert IssuerNotAuthorised(issuer, issuerType);
    }

    // What RoleMask leaves to this contract: the count, the error and the events.

    function _roleCount() internal pure override returns (uint8) {
        return ISSUER_TYPE_COUNT;
    }

    function _revertUnknownRole(uint8 issuerType) internal pure override {
        revert InvalidIssuerType(issuerType);
    }

    function _roleGranted(address issuer, uint8 issuerType) internal override {
        emit GuarantorAuthorised(issuer, issuerType);
    }

    function _roleRevoked(address issuer, uint8 issuerType) internal override {
        emit GuarantorWithdrawn(issuer, issuerType);
    }
}
