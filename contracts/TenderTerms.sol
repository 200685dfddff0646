// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {CentreAuthority} from "./access/CentreAuthority.sol";

/**
 * @title TenderTerms
 * @notice The terms of each tender: published once by a centre with every outcome-deciding
 * parameter fixed, changed only by versioned amendments before the deadline, and the lookups the
 * rest of the tender book checks against.
 */
abstract contract TenderTerms is CentreAuthority {
    /// @inheritdoc ITenderBook
    uint8 public constant MAX_OFFICERS = 15;

    struct Tender {
        // slot 0: read by every bid and opening
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
        emit TenderPublished(tenderId, msg.sender, p.docHash, p.paramsHash, p.deadline, 1);
    }

    /// @inheritdoc ITenderBook
    function amendTender(bytes32 tenderId, bytes32 docHash, bytes32 paramsHash, uint64 newDeadline, bytes32 reasonHash)
        external
    {
        Tender storage t = _publishedBy(tenderId);
        uint64 deadline = t.deadline;
        if (block.timestamp >= deadline) revert DeadlinePassed(tenderId, deadline, uint64(block.timestamp));
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

    /// @dev The published tender `tenderId`; reverts with `UnknownTender` otherwise.
    function _tender(bytes32 tenderId) internal view returns (Tender storage t) {
        t = _tenders[tenderId];
        if (t.centre == address(0)) revert UnknownTender(tenderId);
    }

    /// @dev The published tender `tenderId`, which must have `section`.
    function _tenderWith(bytes32 tenderId, uint16 section) internal view returns (Tender storage t) {
        t = _tender(tenderId);
        if (section >= t.sectionCount) revert UnknownSection(tenderId, section);
    }

    /// @dev The published tender `tenderId`, which the caller must have published.
    function _publishedBy(bytes32 tenderId) internal view returns (Tender storage t) {
        t = _tender(tenderId);
        if (t.centre != msg.sender) revert NotPublisher(tenderId, msg.sender);
    }

    /// @dev The tender `tenderId`, published by the caller, which must have `section`.
    function _publishedWith(bytes32 tenderId, uint16 section) internal view returns (Tender storage t) {
        t = _publishedBy(tenderId);
        if (section >= t.sectionCount) revert UnknownSection(tenderId, section);
    }
}
