// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICredentialRegistry} from "../interfaces/ICredentialRegistry.sol";
import {AdminControl} from "./AdminControl.sol";
import {RoleMask} from "./RoleMask.sol";

/**
 * @title IssuerAuthority
 * @notice The per-kind issuer roles of the credential registry, granted and withdrawn by the admin
 * of {AdminControl}. An issuer's kinds are its {RoleMask}: bit `k` set means it may anchor
 * credentials of kind `k`.
 */
abstract contract IssuerAuthority is AdminControl, RoleMask, ICredentialRegistry {
    uint8 internal constant KIND_COUNT = 7;

    constructor(address initialAdmin) AdminControl(initialAdmin) {}

    /// @inheritdoc ICredentialRegistry
    function authoriseIssuer(address issuer, uint8 kind) external onlyAdmin {
        _grantRole(issuer, kind);
    }

    /// @inheritdoc ICredentialRegistry
    function withdrawIssuer(address issuer, uint8 kind) external onlyAdmin {
        _revokeRole(issuer, kind);
    }

    /// @inheritdoc ICredentialRegistry
    function isAuthorised(address issuer, uint8 kind) external view returns (bool) {
        return _hasRole(issuer, kind);
    }

    /// @inheritdoc ICredentialRegistry
    function issuerKinds(address issuer) external view returns (uint256) {
        return _rolesOf(issuer);
    }

    /// @dev Reverts with `NotAuthorised` (or `InvalidKind`) unless `issuer` holds `kind` now.
    /// `anchor` calls it: the kind is only checked on the way to a revert (no bit of an unknown
    /// kind is ever set), so an authorised issuer pays for one read and a shift.
    function _checkAuthorised(address issuer, uint8 kind) internal view {
        if ((_rolesOf(issuer) >> kind) & 1 == 0) {
            if (kind >= KIND_COUNT) revert InvalidKind(kind);
            revert NotAuthorised(issuer, kind);
        }
    }

    // What RoleMask leaves to this contract: the count, the error and the events.

    function _roleCount() internal pure override returns (uint8) {
        return KIND_COUNT;
    }

    function _revertUnknownRole(uint8 kind) internal pure override {
        revert InvalidKind(kind);
    }

    function _roleGranted(address issuer, uint8 kind) internal override {
        emit IssuerAuthorised(issuer, kind);
    }

    function _roleRevoked(address issuer, uint8 kind) internal override {
        emit IssuerWithdrawn(issuer, kind);
    }
}
