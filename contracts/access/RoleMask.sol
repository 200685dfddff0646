// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title RoleMask
 * @notice Per-account roles kept in a 256-bit mask: bit `r` set means the account holds role `r`,
 * so every `uint8` role value has a bit (the registry uses 7 credential kinds, GuaranteeBook 3
 * issuer types). Granting a held role or withdrawing an unheld one changes nothing. The inheriting
 * contract says how many roles exist, which of its errors reports an unknown role, and which of its
 * events record a grant and a withdrawal, so its ABI keeps its own names (credential kinds,
 * guarantee-issuer types…).
 */
abstract contract RoleMask {
    // A mapping value takes a whole slot whatever its type, so the full word costs no storage and
    // needs no masking: it is cheaper than the single byte it replaced (docs/contracts.md).
    mapping(address account => uint256 roles) private _roles;

    /// @dev Gives `account` the `role`, then calls `_roleGranted`; nothing if it held it already.
    function _grantRole(address account, uint8 role) internal {
        uint256 roles = _roles[account];
        uint256 bit = _roleBit(role);
        if (roles & bit == 0) {
            _roles[account] = roles | bit;
            _roleGranted(account, role);
        }
    }

    /// @dev Takes the `role` from `account`, then calls `_roleRevoked`; nothing if it did not hold it.
    function _revokeRole(address account, uint8 role) internal {
        uint256 roles = _roles[account];
        uint256 bit = _roleBit(role);
        if (roles & bit != 0) {
            _roles[account] = roles & ~bit;
            _roleRevoked(account, role);
        }
    }

    /// @dev Whether `account` holds `role` now.
    function _hasRole(address account, uint8 role) internal view returns (bool) {
        return _roles[account] & _roleBit(role) != 0;
    }

    /// @dev Every role `account` holds now, as a mask.
    function _rolesOf(address account) internal view returns (uint256) {
        return _roles[account];
    }

    /// @dev The mask bit of `role`; reverts with `_revertUnknownRole` for a role that does not exist.
    function _roleBit(uint8 role) internal pure returns (uint256) {
        if (role >= _roleCount()) _revertUnknownRole(role);
        return uint256(1) << role;
    }

    /// @dev How many roles exist: roles are 0 … count − 1 (at most 255, the largest `uint8`).
    function _roleCount() internal pure virtual returns (uint8);

    /// @dev Reverts with the inheriting contract's error for a role that does not exist.
    function _revertUnknownRole(uint8 role) internal pure virtual;

    /// @dev Emits the inheriting contract's event for `account` having been given `role`.
    function _roleGranted(address account, uint8 role) internal virtual;

    /// @dev Emits the inheriting contract's event for `account` having lost `role`.
    function _roleRevoked(address account, uint8 role) internal virtual;
}
