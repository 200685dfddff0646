// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITenderBook} from "../interfaces/ITenderBook.sol";
import {AdminControl} from "./AdminControl.sol";

/**
 * @title CentreAuthority
 * @notice The trading-centre role of the tender book, granted and withdrawn by the admin of
 * {AdminControl}.
 */
abstract contract CentreAuthority is AdminControl, ITenderBook {
    mapping(address centre => bool authorised) private _centres;

    constructor(address initialAdmin) AdminControl(initialAdmin) {}

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
