// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITenderBook} from "../../contracts/interfaces/ITenderBook.sol";

/// @notice A tender as the suites publish it: `sections` sections, the legal minimum bid period,
/// two opening officers (both needed) and one valid bid enough to close a section; selected by
/// 直接票决 unless another {SelectionRule} word is given.
library Tenders {
    function params(uint16 sections, uint64 deadline, address officerA, address officerB)
        internal
        pure
        returns (ITenderBook.TenderParams memory p)
    {
        return params(sections, deadline, officerA, officerB, 1);
    }

    function params(uint16 sections, uint64 deadline, address officerA, address officerB, uint16 selection)
        internal
        pure
        returns (ITenderBook.TenderParams memory p)
    {
        address[] memory officers = new address[](2);
        (officers[0], officers[1]) = (officerA, officerB);
        bytes32[] memory shareHashes = new bytes32[](2);
        (shareHashes[0], shareHashes[1]) = (keccak256(share(0)), keccak256(share(1)));
        p = ITenderBook.TenderParams({
            docHash: keccak256("tender documents"),
            paramsHash: keccak256("tender parameters"),
            sectionCount: sections,
            deadline: deadline,
            openingWindow: 1 days,
            minValidBids: 1,
            selection: selection,
            openingPublicKey: keccak256("opening key"),
            threshold: 2,
            shareHashes: shareHashes,
            officers: officers
        });
    }

    /// @dev The opening-key share of officer `i`.
    function share(uint256 i) internal pure returns (bytes memory) {
        return abi.encodePacked("share", i);
    }
}
