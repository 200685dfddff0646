// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IPerformanceBook} from "./interfaces/IPerformanceBook.sol";
import {IGuaranteeBook} from "./interfaces/IGuaranteeBook.sol";
import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {TenderGate} from "./access/TenderGate.sol";
import {IAdminControl} from "./access/IAdminControl.sol";
import {TenderHeader, TenderHeaders} from "./libraries/TenderHeader.sol";

/**
 * @title PerformanceBook
 * @notice Contract performance (履约) of awarded sections: milestones, complaints and the completion
 * evaluation, each a document hash recorded by one of the two parties after the contract signing.
 * See {IPerformanceBook}. It has no admin.
 *
 * An entry is two slots (kind, author, time, acknowledgement time; the document hash); a section's
 * completion is the 1-based index of its completion entry.
 */
contract PerformanceBook is TenderGate, IPerformanceBook {
    /// @inheritdoc IPerformanceBook
    uint64 public constant COMPLAINT_PERIOD = 30 days;

    struct Record {
        EntryKind kind;
        address by;
        uint40 recordedAt;
        uint40 acknowledgedAt;
        bytes32 documentHash;
    }

    ITenderBook private immutable _tenderBook;
    IGuaranteeBook private immutable _guaranteeBook;

    mapping(bytes32 tenderId => mapping(uint16 section => Record[])) private _entries;
    mapping(bytes32 tenderId => mapping(uint16 section => uint32 position)) private _completions; // 1-based
    mapping(bytes32 tenderId => mapping(uint16 section => mapping(uint32 index => Ruling))) private _rulings;

    constructor(address tenderBook_, address guaranteeBook_) {
        if (tenderBook_.code.length == 0) revert InvalidTenderBook(tenderBook_);
        if (guaranteeBook_.code.length == 0) revert InvalidGuaranteeBook(guaranteeBook_);
        _tenderBook = ITenderBook(tenderBook_);
        _guaranteeBook = IGuaranteeBook(guaranteeBook_);
    }

    /// @inheritdoc IPerformanceBook
    function tenderBook() external view returns (address) {
        return address(_tenderBook);
    }

    /// @inheritdoc IPerformanceBook
    function guaranteeBook() external view returns (address) {
        return address(_guaranteeBook);
    }

    // ------------------------------------------------------------------ recording

    /// @inheritdoc IPerformanceBook
    function recordMilestone(bytes32 tenderId, uint16 section, bytes32 documentHash) external returns (uint32) {
        (address centre, address winner) = _parties(tenderId, section);
        _checkParty(tenderId, section, centre, winner);
        if (_completions[tenderId][section] != 0) revert AlreadyCompleted(tenderId, section);
        return _record(tenderId, section, EntryKind.MILESTONE, winner, documentHash);
    }

    /// @inheritdoc IPerformanceBook
    function fileComplaint(bytes32 tenderId, uint16 section, bytes32 documentHash) external returns (uint32) {
        (address centre, address winner) = _parties(tenderId, section);
        _checkParty(tenderId, section, centre, winner);
        uint32 position = _completions[tenderId][section];
        if (position != 0) {
            uint64 closes = _entries[tenderId][section][position - 1].recordedAt + COMPLAINT_PERIOD;
            if (block.timestamp > closes) {
                revert PerformanceComplaintLate(tenderId, section, closes, uint64(block.timestamp));
            }
        }
        return _record(tenderId, section, EntryKind.COMPLAINT, winner, documentHash);
    }

    /// @inheritdoc IPerformanceBook
    function ruleComplaint(bytes32 tenderId, uint16 section, uint32 index, bool upheld, bytes32 rulingHash)
        external
    {
        if (msg.sender != IAdminControl(address(_guaranteeBook)).admin()) revert NotSupervisor(msg.sender);
        Record[] storage entries = _entries[tenderId][section];
        if (index >= entries.length) revert UnknownEntry(tenderId, section, index);
        if (entries[index].kind != EntryKind.COMPLAINT) revert NotAComplaint(tenderId, section, index);
        Ruling storage r = _rulings[tenderId][section][index];
        if (r.ruledAt != 0) revert ComplaintAlreadyRuled(tenderId, section, index);
        if (rulingHash == 0) revert MissingDocument(tenderId, section);
        (r.upheld, r.ruledAt, r.by, r.rulingHash) = (upheld, uint64(block.timestamp), msg.sender, rulingHash);
        emit PerformanceComplaintRuled(tenderId, section, index, upheld, rulingHash, msg.sender);
    }

    /// @inheritdoc IPerformanceBook
    function rulingOf(bytes32 tenderId, uint16 section, uint32 index) external view returns (Ruling memory) {
        return _rulings[tenderId][section][index];
    }

    /// @inheritdoc IPerformanceBook
    function recordCompletion(bytes32 tenderId, uint16 section, bytes32 evaluationHash) external returns (uint32) {
        (address centre, address winner) = _parties(tenderId, section);
        if (msg.sender != centre) revert NotPublisher(tenderId, msg.sender);
        if (!_tenderBook.isCentre(msg.sender)) revert ITenderBook.NotCentre(msg.sender);
        if (_completions[tenderId][section] != 0) revert AlreadyCompleted(tenderId, section);
        uint32 index = _record(tenderId, section, EntryKind.COMPLETION, winner, evaluationHash);
        _completions[tenderId][section] = index + 1;
        return index;
    }

    /// @inheritdoc IPerformanceBook
    function acknowledge(bytes32 tenderId, uint16 section, uint32 index) external {
        (address centre, address winner) = _parties(tenderId, section);
        _checkParty(tenderId, section, centre, winner);
        Record[] storage entries = _entries[tenderId][section];
        if (index >= entries.length) revert UnknownEntry(tenderId, section, index);
        Record storage e = entries[index];
        if (e.by == msg.sender || e.acknowledgedAt != 0) revert NotAcknowledgeable(tenderId, section, index, msg.sender);
        e.acknowledgedAt = uint40(block.timestamp);
        emit PerformanceAcknowledged(tenderId, section, index, msg.sender, uint64(block.timestamp));
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc IPerformanceBook
    function entryCount(bytes32 tenderId, uint16 section) external view returns (uint32) {
        return uint32(_entries[tenderId][section].length);
    }

    /// @inheritdoc IPerformanceBook
    function entryOf(bytes32 tenderId, uint16 section, uint32 index) external view returns (Entry memory) {
        Record[] storage entries = _entries[tenderId][section];
        if (index >= entries.length) revert UnknownEntry(tenderId, section, index);
        Record storage e = entries[index];
        return Entry({
            kind: e.kind, by: e.by, recordedAt: e.recordedAt, acknowledgedAt: e.acknowledgedAt, documentHash: e.documentHash
        });
    }

    /// @inheritdoc IPerformanceBook
    function partiesOf(bytes32 tenderId, uint16 section)
        external
        view
        returns (address centre, address winner, uint64 signedAt)
    {
        centre = _tenderHeader(tenderId).centre();
        IGuaranteeBook.Award memory a = _guaranteeBook.awardOf(tenderId, section);
        return (centre, a.winner, a.signedAt);
    }

    /// @inheritdoc IPerformanceBook
    function completionOf(bytes32 tenderId, uint16 section) external view returns (Completion memory c) {
        uint32 position = _completions[tenderId][section];
        if (position == 0) return c;
        Record storage e = _entries[tenderId][section][position - 1];
        IGuaranteeBook.Award memory a = _guaranteeBook.awardOf(tenderId, section);
        return Completion({evaluationHash: e.documentHash, completedAt: e.recordedAt, winner: a.winner, index: position - 1});
    }

    // ------------------------------------------------------------------ internals

    function _tenderHeader(bytes32 tenderId) internal view override returns (TenderHeader) {
        (address centre, uint64 deadline, uint16 sectionCount, uint8 threshold, uint8 sharesReleased, uint32 index) =
            _tenderBook.tenderHeader(tenderId);
        return TenderHeaders.pack(centre, deadline, sectionCount, threshold, sharesReleased, index);
    }

    /// @dev The section's two parties: the tender's publishing centre and the awarded winner whose
    /// contract signing GuaranteeBook recorded; reverts before the award or the signing.
    function _parties(bytes32 tenderId, uint16 section) private view returns (address centre, address winner) {
        centre = _tenderWith(tenderId, section).centre();
        IGuaranteeBook.Award memory a = _guaranteeBook.awardOf(tenderId, section);
        winner = a.winner;
        if (winner == address(0)) revert IGuaranteeBook.NotAwarded(tenderId, section);
        if (a.signedAt == 0) revert IGuaranteeBook.ContractNotSigned(tenderId, section);
    }

    /// @dev The caller is the winner, or the publishing centre while it is still an authorised centre.
    function _checkParty(bytes32 tenderId, uint16 section, address centre, address winner) private view {
        if (msg.sender == winner) return;
        if (msg.sender != centre) revert NotPerformanceParty(tenderId, section, msg.sender);
        if (!_tenderBook.isCentre(msg.sender)) revert ITenderBook.NotCentre(msg.sender);
    }

    function _record(bytes32 tenderId, uint16 section, EntryKind kind, address winner, bytes32 documentHash)
        private
        returns (uint32 index)
    {
        if (documentHash == 0) revert MissingDocument(tenderId, section);
        Record[] storage entries = _entries[tenderId][section];
        index = uint32(entries.length);
        entries.push(
            Record({
                kind: kind, by: msg.sender, recordedAt: uint40(block.timestamp), acknowledgedAt: 0, documentHash: documentHash
            })
        );
        emit PerformanceRecorded(tenderId, section, index, kind, msg.sender, winner, documentHash, uint64(block.timestamp));
    }
}
