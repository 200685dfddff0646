// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title Vm
 * @notice The few forge cheatcodes the invariant suites use, at forge's cheatcode address. (The
 * npm registry carries only an unofficial, old forge-std; this is the part of it we need.)
 */
interface Vm {
    function warp(uint256 newTimestamp) external;
    function prank(address sender) external;
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
    /// @dev Deploys the compiled `artifact` ("File.sol:Contract") with `args`: a suite that
    /// `new`s a large contract would carry its bytecode and exceed the code size limit.
    function deployCode(string calldata artifact, bytes calldata args) external returns (address);
}

/// @notice What the suites and their handlers share: the cheatcodes, bounding, named actors.
abstract contract FuzzBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev `x` mapped onto [lo, hi] (both included).
    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    /// @dev A fixed, recognisable address for actor `label`.
    function _actor(string memory label) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked("actor", label)))));
    }
}

/**
 * @title InvariantTest
 * @notice Base of every invariant suite. forge calls `targetContracts` and `targetSelectors` to
 * learn what to fuzz (each suite targets its handler's action functions only) and runs every
 * `invariant_*` function after each call; an invariant fails by reverting with its message.
 */
abstract contract InvariantTest is FuzzBase {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targets;
    mapping(address target => bytes4[]) private _selectorsOf;

    /// @dev Fuzz `target`, calling only `selectors` on it.
    function _targetHandler(address target, bytes4[] memory selectors) internal {
        _targets.push(target);
        for (uint256 i = 0; i < selectors.length; ++i) {
            _selectorsOf[target].push(selectors[i]);
        }
    }

    function targetContracts() public view returns (address[] memory) {
        return _targets;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory out) {
        out = new FuzzSelector[](_targets.length);
        for (uint256 i = 0; i < _targets.length; ++i) {
            out[i] = FuzzSelector(_targets[i], _selectorsOf[_targets[i]]);
        }
    }

    function _check(bool ok, string memory what) internal pure {
        if (!ok) revert(what);
    }
}
