// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title SelectionRule
 * @notice The selection method of a tender (定标, domain.md §4.6) as one word fixed on chain with
 * its terms before any bid, and which decision bases (`ISelectionBook.Basis`) each method can end
 * on. TenderBook checks and stores the word at publication (and amendment, before the deadline);
 * SelectionBook refuses a decision on a basis the word does not allow.
 *
 * The word: the method code in the low byte — 1 直接票决, 2 逐轮票决, 3 票决抽签, 4 价格竞争,
 * 5 直接抽签, 6 集体议事 — and, for 价格竞争 only, the price rule in the high byte: n ≥ 1 for the
 * n-th lowest price (1 lowest, 2 second-lowest; capped at 255), 0 for the price closest to the
 * average. The Python side builds the same word (`ledger.rules.selection.selection_code`).
 *
 * What each method can end on is what `ledger.rules.selection.next_step` gives: any method with a
 * shortlist of one on SOLE_CANDIDATE; 直接票决 on VOTE, or LOTTERY when still tied after the
 * re-votes; 逐轮票决 on VOTE, or ELIMINATION_DRAW when its last two are drawn; 票决抽签 and 直接抽签
 * on LOTTERY; 价格竞争 on its own rule only (NTH_LOWEST_PRICE with its n, or CLOSEST_TO_AVERAGE),
 * a tie drawn on that basis; 集体议事 on CHAIR (the chair's decision after every member's view).
 */
library SelectionRule {
    uint8 internal constant PRICE_COMPETITION = 4;
    uint8 internal constant LAST_METHOD = 6;

    /// @dev Byte m (m = method code) holds bit b for each `Basis` b the method allows, besides
    /// SOLE_CANDIDATE (allowed for every method): VOTE 0x01, LOTTERY 0x02, NTH_LOWEST_PRICE 0x08,
    /// CLOSEST_TO_AVERAGE 0x10, ELIMINATION_DRAW 0x20, CHAIR 0x40.
    uint256 private constant ALLOWED = (0x03 << 8) | (0x21 << 16) | (0x02 << 24) | (0x18 << 32) | (0x02 << 40)
        | (0x40 << 48);

    uint8 private constant SOLE_CANDIDATE = 2;
    uint8 private constant NTH_LOWEST_PRICE = 3;

    /// @dev Whether `word` names a method (1 … 6), with a price rule byte for 价格竞争 only.
    function valid(uint16 word) internal pure returns (bool) {
        uint8 method = uint8(word);
        return method != 0 && method <= LAST_METHOD && (method == PRICE_COMPETITION || word >> 8 == 0);
    }

    /// @dev Whether a tender whose selection word is `word` may be decided on `basis` with `n`
    /// (`n` is the n-th lowest price's n, 0 for every other basis). 价格竞争's n must be the fixed
    /// one: with n = 0 only CLOSEST_TO_AVERAGE, with n ≥ 1 only NTH_LOWEST_PRICE with that n.
    function allows(uint16 word, uint8 basis, uint8 n) internal pure returns (bool) {
        if (basis == SOLE_CANDIDATE) return true;
        uint8 method = uint8(word);
        if (method == 0 || method > LAST_METHOD) return false;
        return (ALLOWED >> (8 * method + basis)) & 1 == 1 && n == uint8(word >> 8)
            && (basis == NTH_LOWEST_PRICE) == (n != 0);
    }
}
