// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {CentreAuthority} from "./access/CentreAuthority.sol";
import {TenderGate} from "./access/TenderGate.sol";
import {TenderHeader} from "./libraries/TenderHeader.sol";

/**
 * @title TenderTerms
 * @notice The terms of each tender: published once by a centre with every outcome-deciding
 * parameter fixed, changed only by versioned amendments before the deadline, and the lookups the
 * rest of the tender book checks against. The checks themselves are {TenderGate}'s, run on slot 0
 * of the stored tender, which is laid out as a {TenderHeader}.
 */
abstract contract TenderTerms is CentreAuthority, TenderGate {
    /// @inheritdoc ITenderBook
    uint8 public constant MAX_OFFICERS = 15;

    struct Tender {
        // slot 0: read by every bid and opening; its layout is TenderHeader's, which `_tenderHeader`
        // reads in one go
        address centre;
        uint64 deadline;
        uint16 sectionCount;
        uint8 threshold;
        uint8 sharesReleased;
        // slot 1
        uint64 issuedAt;
        uint64 openingWindow;
        uint32 version;
        uint8 minValidBids;
        uint16 releasedMask; // bit i: officers[i] released its share
        bytes32 docHash;
        bytes32 paramsHash;
        bytes32 openingPublicKey;
        bytes32[] shareHashes;
        address[] officers;
    }

    mapping(bytes32 tenderId => Tender) internal _tenders;
    mapping(bytes32 tenderId => mapping(address officer => uint8 position)) internal _officerPositions; // index + 1

    constructor(address initialAdmin) CentreAuthority(initialAdmin) {}

    /// @inheritdoc ITenderBook
    function publishTender(bytes32 tenderId, TenderParams calldata p) external {
        _checkCentre(msg.sender);
        Tender storage t = _tenders[tenderId];
        if (t.centre != address(0)) revert TenderExists(tenderId);
        if (p.sectionCount == 0) revert InvalidSectionCount(tenderId, p.sectionCount);
        if (p.deadline <= block.timestamp) revert InvalidDeadline(tenderId, p.deadline, uint64(block.timestamp));
        if (p.minValidBids == 0) revert InvalidMinValidBids(tenderId, p.minValidBids);
        uint256 n = p.officers.length;
        if (p.threshold < 2 || p.threshold > n || n > MAX_OFFICERS || p.shareHashes.length != n) {
            revert InvalidCommittee(tenderId, p.threshold, n, p.shareHashes.length);
        }
        for (uint256 i = 0; i < n; ++i) {
            address officer = p.officers[i];
            if (officer == address(0) || _officerPositions[tenderId][officer] != 0) {
                revert InvalidOfficer(tenderId, officer);
            }
            _officerPositions[tenderId][officer] = uint8(i + 1);
        }
        (t.centre, t.deadline, t.sectionCount, t.threshold) = (msg.sender, p.deadline, p.sectionCount, p.threshold);
        (t.issuedAt, t.openingWindow, t.version, t.minValidBids) =
            (uint64(block.timestamp), p.openingWindow, 1, p.minValidBids);
        (t.docHash, t.paramsHash, t.openingPublicKey) = (p.docHash, p.paramsHash, p.openingPublicKey);
        t.shareHashes = p.shareHashes;
        t.officers = p.officers;
        emit TenderPublished(tenderId, msg.sender, 1, p);
    }

    /// @inheritdoc ITenderBook
    function amendTender(bytes32 tenderId, bytes32 docHash, bytes32 paramsHash, uint64 newDeadline, bytes32 reasonHash)
        external
    {
        _checkBeforeDeadline(tenderId, _publishedBy(tenderId).deadline());
        Tender storage t = _tenders[tenderId];
        if (newDeadline <= block.timestamp) revert InvalidDeadline(tenderId, newDeadline, uint64(block.timestamp));
        uint32 version = t.version + 1;
        (t.deadline, t.version, t.docHash, t.paramsHash) = (newDeadline, version, docHash, paramsHash);
        emit TenderAmended(tenderId, version, docHash, paramsHash, newDeadline, reasonHash);
    }

    /// @inheritdoc ITenderBook
    function tenderOf(bytes32 tenderId)
        external
        view
        returns (address centre, uint32 version, uint64 issuedAt, TenderParams memory params)
    {
        Tender storage t = _tenders[tenderId];
        params = TenderParams({
            docHash: t.docHash,
            paramsHash: t.paramsHash,
            sectionCount: t.sectionCount,
            deadline: t.deadline,
            openingWindow: t.openingWindow,
            minValidBids: t.minValidBids,
            openingPublicKey: t.openingPublicKey,
            threshold: t.threshold,
            shareHashes: t.shareHashes,
            officers: t.officers
        });
        return (t.centre, t.version, t.issuedAt, params);
    }

    /// @inheritdoc ITenderBook
    function tenderHeader(bytes32 tenderId)
        external
        view
        returns (address centre, uint64 deadline, uint16 sectionCount, uint8 threshold, uint8 sharesReleased)
    {
        TenderHeader h = _tenderHeader(tenderId);
        return (h.centre(), h.deadline(), h.sectionCount(), h.threshold(), h.sharesReleased());
    }

    /// @dev Slot 0 of the stored tender, in one `SLOAD` (reading the members one by one would load
    /// the slot once per member).
    function _tenderHeader(bytes32 tenderId) internal view override returns (TenderHeader h) {
        Tender storage t = _tenders[tenderId];
        assembly ("memory-safe") {
            h := sload(t.slot)
        }
    }
}
