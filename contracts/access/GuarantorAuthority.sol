// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IGuaranteeBook} from "../interfaces/IGuaranteeBook.sol";
import {AdminControl} from "./AdminControl.sol";

/**
 * @title GuarantorAuthority
 * @notice The per-type guarantee-issuer roles of the guarantee book, granted and withdrawn by the
 * admin of {AdminControl}. An issuer's types are one byte: bit `t` set means it may issue guarantees
 * of type `t`.
 */
abstract contract GuarantorAuthority is AdminControl, IGuaranteeBook {
    uint8 internal constant ISSUER_TYPE_COUNT = 3;

    mapping(address issuer => uint8 types) private _issuerTypes;

    constructor(address initialAdmin) AdminControl(initialAdmin) {}

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
