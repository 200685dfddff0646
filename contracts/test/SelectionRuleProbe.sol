// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {SelectionRule} from "../libraries/SelectionRule.sol";

/**
 * @title SelectionRuleProbe
 * @notice TEST ONLY: {SelectionRule}'s checks as views, so the tests can hold the whole table
 * (every method word, basis and n) against the Python rule without running a selection for each.
 * It is compiled with the other contracts but never deployed by the runtime.
 */
contract SelectionRuleProbe {
    /// @notice `SelectionRule.valid(word)`: whether TenderBook accepts `word`.
    function valid(uint16 word) external pure returns (bool) {
        return SelectionRule.valid(word);
    }

    /// @notice `SelectionRule.allows(word, basis, n)`: whether SelectionBook lets a tender with
    /// `word` be decided on `basis` with `n` (before its own checks of the basis).
    function allows(uint16 word, uint8 basis, uint8 n) external pure returns (bool) {
        return SelectionRule.allows(word, basis, n);
    }
}
