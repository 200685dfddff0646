// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @dev A tender's header in one word, laid out exactly as slot 0 of a tender in TenderBook's
 * storage, from the low-order end: centre (bits 0–159), deadline (160–191, seconds to 2106),
 * index (192–223), sectionCount (224–239), threshold (240–247), sharesReleased (248–255). An
 * unknown tender's header is 0; a published tender's index is 1 or more.
 *
 * It is a value type, so the checks of {TenderGate} pass it on the stack: a memory struct would be
 * allocated and zeroed by every function that returns it.
 */
type TenderHeader is uint256;

using TenderHeaders for TenderHeader global;

/// @title TenderHeaders
/// @notice Packing and reading the fields of a {TenderHeader}.
library TenderHeaders {
    /// @dev The header holding these fields. `deadline_` is below 2^32, as TenderBook stores every
    /// deadline (`publishTender` and `amendTender` refuse a later one); higher bits are dropped.
    function pack(
        address centre_,
        uint64 deadline_,
        uint16 sectionCount_,
        uint8 threshold_,
        uint8 sharesReleased_,
        uint32 index_
    ) internal pure returns (TenderHeader) {
        return TenderHeader.wrap(
            uint256(uint160(centre_)) | (uint256(uint32(deadline_)) << 160) | (uint256(index_) << 192)
                | (uint256(sectionCount_) << 224) | (uint256(threshold_) << 240) | (uint256(sharesReleased_) << 248)
        );
    }

    /// @dev The same header with its deadline replaced by `deadline_` (below 2^32).
    function withDeadline(TenderHeader h, uint64 deadline_) internal pure returns (TenderHeader) {
        uint256 field = uint256(type(uint32).max) << 160;
        return TenderHeader.wrap((TenderHeader.unwrap(h) & ~field) | (uint256(uint32(deadline_)) << 160));
    }

    /// @dev The publishing centre; 0 if the tender was never published.
    function centre(TenderHeader h) internal pure returns (address) {
        return address(uint160(TenderHeader.unwrap(h)));
    }

    /// @dev The current deadline (block time).
    function deadline(TenderHeader h) internal pure returns (uint64) {
        return uint32(TenderHeader.unwrap(h) >> 160);
    }

    /// @dev The tender's index: its place in the order of publication, from 1 (0 if unknown).
    function index(TenderHeader h) internal pure returns (uint32) {
        return uint32(TenderHeader.unwrap(h) >> 192);
    }

    /// @dev The number of sections; sections are 0 … sectionCount − 1.
    function sectionCount(TenderHeader h) internal pure returns (uint16) {
        return uint16(TenderHeader.unwrap(h) >> 224);
    }

    /// @dev How many opening-key shares rebuild the key.
    function threshold(TenderHeader h) internal pure returns (uint8) {
        return uint8(TenderHeader.unwrap(h) >> 240);
    }

    /// @dev How many officers have released their shares.
    function sharesReleased(TenderHeader h) internal pure returns (uint8) {
        return uint8(TenderHeader.unwrap(h) >> 248);
    }
}
