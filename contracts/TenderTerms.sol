// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {CentreAuthority} from "./access/CentreAuthority.sol";
import {TenderGate} from "./access/TenderGate.sol";
import {TenderHeader} from "./libraries/TenderHeader.sol";
import {SelectionRule} from "./libraries/SelectionRule.sol";

/**
 * @title TenderTerms
 * @notice The terms of each tender: published once by a centre with every outcome-deciding
 * parameter fixed, changed only by versioned amendments before the deadline, and the lookups the
 * rest of the tender book checks against. The checks themselves are {TenderGate}'s, run on slot 0
 * of the stored tender, which is laid out as a {TenderHeader}.
 *
 * Time rules of the law, on block time: a tender is issued when it is published, its deadline is
 * at least MIN_BID_PERIOD later (招标投标法 Art. 24); an amendment comes at least
 * MIN_AMENDMENT_NOTICE before the deadline or postpones it to that (Art. 23); a deadline never
 * moves earlier.
 */
abstract contract TenderTerms is CentreAuthority, TenderGate {
    /// @inheritdoc ITenderBook
    uint8 public constant MAX_OFFICERS = 15;
    /// @inheritdoc ITenderBook
    uint64 public constant MIN_BID_PERIOD = 20 days;
    /// @inheritdoc ITenderBook
    uint64 public constant MIN_AMENDMENT_NOTICE = 15 days;

    struct Tender {
        // slot 0: read by every bid and opening; its layout is TenderHeader's, which `_tenderHeader`
        // reads in one go (and `amendTender` writes back in one go)
        address centre;
        uint32 deadline; // seconds, to 2106 (DeadlineTooLate above)
        uint32 index; // the order of publication, from 1: what GuaranteeBook keeps instead of the id
        uint16 sectionCount;
        uint8 threshold;
        uint8 sharesReleased;
        // slot 1
        uint64 issuedAt;
        uint64 openingWindow;
        uint32 version;
        uint8 minValidBids;
        uint16 releasedMask; // bit i: officers[i] released its share
        uint16 selection; // the SelectionRule word in force
        bytes32 docHash;
        bytes32 paramsHash;
        bytes32 openingPublicKey;
        bytes32[] shareHashes;
        address[] officers;
    }

    mapping(bytes32 tenderId => Tender) internal _tenders;
    mapping(bytes32 tenderId => mapping(address officer => uint8 position)) internal _officerPositions; // index + 1
    /// @dev The tender with each index; written once, at publication.
    mapping(uint32 index => bytes32 tenderId) private _tenderIds;
    /// @dev The index the next tender gets (1 + the number published). Set to 1 at deployment, so
    /// that publishing rewrites the slot (2,900) rather than filling an empty one (20,000).
    uint32 private _nextIndex = 1;

    constructor(address initialAdmin) CentreAuthority(initialAdmin) {}

    /// @inheritdoc ITenderBook
    function publishTender(bytes32 tenderId, TenderParams calldata p) external {
        _checkCentre(msg.sender);
        Tender storage t = _tenders[tenderId];
        if (t.centre != address(0)) revert TenderExists(tenderId);
        if (p.sectionCount == 0) revert InvalidSectionCount(tenderId, p.sectionCount);
        uint64 issuedAt = uint64(block.timestamp);
        uint64 earliest = issuedAt + MIN_BID_PERIOD;
        if (p.deadline < earliest) revert BidPeriodTooShort(tenderId, issuedAt, p.deadline, earliest);
        _checkDeadlineFits(tenderId, p.deadline);
        if (p.minValidBids == 0) revert InvalidMinValidBids(tenderId, p.minValidBids);
        if (!SelectionRule.valid(p.selection)) revert InvalidSelection(tenderId, p.selection);
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
        uint32 index = _nextIndex;
        (_nextIndex, _tenderIds[index]) = (index + 1, tenderId);
        (t.centre, t.deadline, t.index) = (msg.sender, uint32(p.deadline), index);
        (t.sectionCount, t.threshold) = (p.sectionCount, p.threshold);
        (t.issuedAt, t.openingWindow, t.version, t.minValidBids) = (issuedAt, p.openingWindow, 1, p.minValidBids);
        t.selection = p.selection;
        (t.docHash, t.paramsHash, t.openingPublicKey) = (p.docHash, p.paramsHash, p.openingPublicKey);
        t.shareHashes = p.shareHashes;
        t.officers = p.officers;
        emit TenderPublished(tenderId, msg.sender, 1, p);
    }

    /// @inheritdoc ITenderBook
    function amendTender(
        bytes32 tenderId,
        bytes32 docHash,
        bytes32 paramsHash,
        uint16 selection,
        uint64 newDeadline,
        bytes32 reasonHash
    ) external {
        TenderHeader h = _publishedBy(tenderId);
        uint64 deadline = h.deadline();
        _checkBeforeDeadline(tenderId, deadline);
        if (!SelectionRule.valid(selection)) revert InvalidSelection(tenderId, selection);
        if (newDeadline < deadline) revert DeadlineBroughtForward(tenderId, deadline, newDeadline);
        _checkDeadlineFits(tenderId, newDeadline);
        // Every amendment clarifies or changes the documents: one that comes less than
        // MIN_AMENDMENT_NOTICE before the deadline moves the deadline out to that notice.
        uint64 notice = uint64(block.timestamp) + MIN_AMENDMENT_NOTICE;
        uint64 inForce = newDeadline < notice ? notice : newDeadline;
        Tender storage t = _tenders[tenderId];
        h = h.withDeadline(inForce);
        assembly ("memory-safe") {
            sstore(t.slot, h) // slot 0 is the header: write it as read, with the new deadline
        }
        uint32 version = t.version + 1;
        (t.version, t.selection, t.docHash, t.paramsHash) = (version, selection, docHash, paramsHash);
        emit TenderAmended(tenderId, version, docHash, paramsHash, selection, inForce, newDeadline, reasonHash);
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
            selection: t.selection,
            openingPublicKey: t.openingPublicKey,
            threshold: t.threshold,
            shareHashes: t.shareHashes,
            officers: t.officers
        });
        return (t.centre, t.version, t.issuedAt, params);
    }

    /// @inheritdoc ITenderBook
    function selectionOf(bytes32 tenderId) external view returns (uint16) {
        return _tenders[tenderId].selection;
    }

    /// @inheritdoc ITenderBook
    function tenderHeader(bytes32 tenderId)
        external
        view
        returns (
            address centre,
            uint64 deadline,
            uint16 sectionCount,
            uint8 threshold,
            uint8 sharesReleased,
            uint32 index
        )
    {
        TenderHeader h = _tenderHeader(tenderId);
        return (h.centre(), h.deadline(), h.sectionCount(), h.threshold(), h.sharesReleased(), h.index());
    }

    /// @inheritdoc ITenderBook
    function tenderAt(uint32 index)
        external
        view
        returns (
            bytes32 tenderId,
            address centre,
            uint64 deadline,
            uint16 sectionCount,
            uint8 threshold,
            uint8 sharesReleased
        )
    {
        tenderId = _tenderIds[index];
        TenderHeader h = _tenderHeader(tenderId);
        // An index not given yet (or 0) maps to id 0, which is not the tender holding that index.
        if (h.index() != index || index == 0) return (0, address(0), 0, 0, 0, 0);
        return (tenderId, h.centre(), h.deadline(), h.sectionCount(), h.threshold(), h.sharesReleased());
    }

    /// @inheritdoc ITenderBook
    function tenderCount() external view returns (uint32) {
        return _nextIndex - 1;
    }

    /// @dev Reverts with `DeadlineTooLate` if `deadline` does not fit the header's 32 bits.
    function _checkDeadlineFits(bytes32 tenderId, uint64 deadline) private pure {
        if (deadline > type(uint32).max) revert DeadlineTooLate(tenderId, deadline, type(uint32).max);
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
