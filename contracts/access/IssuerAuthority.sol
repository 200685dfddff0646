// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ICredentialRegistry} from "../interfaces/ICredentialRegistry.sol";
import {AdminControl} from "./AdminControl.sol";

/**
 * @title IssuerAuthority
 * @notice The per-kind issuer roles of the credential registry, granted and withdrawn by the admin
 * of {AdminControl}. An issuer's kinds are one byte: bit `k` set means it may anchor credentials of
 * kind `k`.
 */
abstract contract IssuerAuthority is AdminControl, ICredentialRegistry {
    uint8 internal constant KIND_COUNT = 7;

    mapping(address issuer => uint8 kinds) private _issuerKinds;

    constructor(address initialAdmin) AdminControl(initialAdmin) {}

    /// @inheritdoc ICredentialRegistry
    function authoriseIssuer(address issuer, uint8 kind) external onlyAdmin {
        uint8 kinds = _issuerKinds[issuer];
        uint8 bit = _bit(kind);
        if (kinds & bit == 0) {
            _issuerKinds[issuer] = kinds | bit;
            emit IssuerAuthorised(issuer, kind);
        }
    }

    /// @inheritdoc ICredentialRegistry
    function withdrawIssuer(address issuer, uint8 kind) external onlyAdmin {
        uint8 kinds = _issuerKinds[issuer];
        uint8 bit = _bit(kind);
        if (kinds & bit != 0) {
            _issuerKinds[issuer] = kinds & ~bit;
            emit IssuerWithdrawn(issuer, kind);
        }
    }

    /// @inheritdoc ICredentialRegistry
    function isAuthorised(address issuer, uint8 kind) external view returns (bool) {
        return _issuerKinds[issuer] & _bit(kind) != 0;
    }

    /// @inheritdoc ICredentialRegistry
    function issuerKinds(address issuer) external view returns (uint8) {
        return _issuerKinds[issuer];
    }

    /// @dev Reverts with `NotAuthorised` (or `InvalidKind`) unless `issuer` holds `kind` now.
    function _checkAuthorised(address issuer, uint8 kind) internal view {
        if ((_issuerKinds[issuer] >> kind) & 1 == 0) {
            if (kind >= KIND_COUNT) revert InvalidKind(kind);
            revert NotAuthorised(issuer, kind);
        }
    }

    /// @dev The mask bit of `kind`; reverts with `InvalidKind` for kinds that do not exist.
    function _bit(uint8 kind) private pure returns (uint8) {
        if (kind >= KIND_COUNT) revert InvalidKind(kind);
        return uint8(1 << kind);
    }
}
