// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILedgerErrors} from "./ILedgerErrors.sol";

/**
 * @title IPerformanceBook
 * @notice Contract performance (履约) of an awarded section, after the contract signing that
 * GuaranteeBook records: milestones, performance complaints and the completion evaluation
 * (履约评价), each the keccak of a document filed off chain, its kind, who recorded it and when.
 *
 * The two parties are the ones the chain already names: the tender's publishing centre, acting for
 * the tenderer (TenderBook's publisher, still an authorised centre), and the winner (GuaranteeBook's
 * award, whose contract signing is recorded). Either party records a milestone or files a complaint;
 * the other acknowledges any entry once (an acknowledgement says it was seen, not agreed: a
 * disagreement is a complaint). Only the centre records the completion evaluation, once per section;
 * no milestone follows it, a complaint may (e.g. the winner's about the evaluation). An issuer
 * authorised for 履约评价 then anchors the new 业绩 credential naming the evaluation's hash, which
 * anyone checks against {completionOf}.
 *
 * A complaint comes during performance or within COMPLAINT_PERIOD of the completion, and the
 * supervisor (GuaranteeBook's admin, the consortium's governance) rules on it once. Nobody else
 * writes, and PerformanceBook has no admin of its own. Time is block time. The errors shared with the other
 * contracts (UnknownTender, UnknownSection, NotPublisher) are declared in {ILedgerErrors};
 * NotAwarded and ContractNotSigned in {IGuaranteeBook}; NotCentre in {ITenderBook}.
 */
interface IPerformanceBook is ILedgerErrors {
    /// @notice What an entry records.
    enum EntryKind {
        MILESTONE, // a milestone of the contract reached (进度节点)
        COMPLAINT, // a performance complaint by one party about the other (履约投诉)
        COMPLETION // the completion evaluation (履约评价), by the centre for the tenderer
    }

    /// @notice One entry of a section's performance record. `acknowledgedAt` is 0 until the other
    /// party acknowledges it.
    struct Entry {
        EntryKind kind;
        address by;
        uint64 recordedAt;
        uint64 acknowledgedAt;
        bytes32 documentHash;
    }

    /// @notice The supervisor's ruling on a performance complaint: upheld or not, the hash of the
    /// written ruling, when and by whom (all 0 until ruled).
    struct Ruling {
        bool upheld;
        uint64 ruledAt;
        address by;
        bytes32 rulingHash;
    }

    /// @notice A section's completion: the evaluation's hash, when, and the winner it evaluates
    /// (all 0 until recorded).
    struct Completion {
        bytes32 evaluationHash;
        uint64 completedAt;
        address winner;
        uint32 index;
    }

    /// @notice `guaranteeBook` holds no code: PerformanceBook reads each award from a deployed GuaranteeBook.
    error InvalidGuaranteeBook(address guaranteeBook);

    /// @notice `caller` is neither the tender's publishing centre nor the section's winner.
    error NotPerformanceParty(bytes32 tenderId, uint16 section, address caller);

    /// @notice The entry names no document (its hash is 0).
    error MissingDocument(bytes32 tenderId, uint16 section);

    /// @notice A performance complaint comes during performance (after the contract signing) or
    /// within COMPLAINT_PERIOD of the completion, which closed the window at `closedAt`.
    error PerformanceComplaintLate(bytes32 tenderId, uint16 section, uint64 closedAt, uint64 blockTime);

    /// @notice `caller` is not the supervisor (GuaranteeBook's admin: the consortium's governance),
    /// the only one who rules on performance complaints.
    error NotSupervisor(address caller);

    /// @notice Entry `index` of the section's record is not a complaint: there is nothing to rule on.
    error NotAComplaint(bytes32 tenderId, uint16 section, uint32 index);

    /// @notice Complaint `index` has been ruled on before: a ruling is final.
    error ComplaintAlreadyRuled(bytes32 tenderId, uint16 section, uint32 index);

    /// @notice The section's completion is recorded already: no second one, and no milestone after it.
    error AlreadyCompleted(bytes32 tenderId, uint16 section);

    /// @notice The section's performance record has no entry `index` (entries are 0 … count − 1).
    error UnknownEntry(bytes32 tenderId, uint16 section, uint32 index);

    /// @notice `caller` may not acknowledge entry `index`: it recorded the entry itself, or the
    /// entry is acknowledged already.
    error NotAcknowledgeable(bytes32 tenderId, uint16 section, uint32 index, address caller);

    /// @notice Entry `index` of the section's performance record: `by` (the centre or the winner
    /// `winner`) recorded the document `documentHash` of kind `kind` at block time `recordedAt`.
    event PerformanceRecorded(
        bytes32 indexed tenderId,
        uint16 indexed section,
        uint32 index,
        EntryKind kind,
        address by,
        address winner,
        bytes32 documentHash,
        uint64 recordedAt
    );

    /// @notice The supervisor `by` ruled on complaint `index`: `upheld` or not, the written ruling
    /// hashing to `rulingHash`.
    event PerformanceComplaintRuled(
        bytes32 indexed tenderId, uint16 indexed section, uint32 index, bool upheld, bytes32 rulingHash, address by
    );

    /// @notice The other party, `by`, acknowledged entry `index` at block time `acknowledgedAt`.
    event PerformanceAcknowledged(bytes32 indexed tenderId, uint16 indexed section, uint32 index, address by, uint64 acknowledgedAt);

    /// @notice The TenderBook whose tenders' centres record for the tenderer.
    function tenderBook() external view returns (address);

    /// @notice The GuaranteeBook whose award and contract signing name the winner.
    function guaranteeBook() external view returns (address);

    /// @notice Record a milestone reached (the centre or the winner); returns the entry's index.
    function recordMilestone(bytes32 tenderId, uint16 section, bytes32 documentHash) external returns (uint32 index);

    /// @notice How long after the completion a performance complaint may still be filed.
    function COMPLAINT_PERIOD() external view returns (uint64);

    /// @notice File a performance complaint (the centre or the winner), during performance (after
    /// the contract signing) or within COMPLAINT_PERIOD of the completion
    /// (`PerformanceComplaintLate`); returns the entry's index.
    function fileComplaint(bytes32 tenderId, uint16 section, bytes32 documentHash) external returns (uint32 index);

    /// @notice Record the completion evaluation (the publishing centre only, once); returns the entry's index.
    function recordCompletion(bytes32 tenderId, uint16 section, bytes32 evaluationHash)
        external
        returns (uint32 index);

    /// @notice Rule, once, on complaint `index` of the section (`NotAComplaint`,
    /// `ComplaintAlreadyRuled`): upheld or not, with the written ruling's hash (`MissingDocument`
    /// for 0). Only the supervisor, GuaranteeBook's admin (`NotSupervisor`).
    function ruleComplaint(bytes32 tenderId, uint16 section, uint32 index, bool upheld, bytes32 rulingHash) external;

    /// @notice The ruling on complaint `index` of the section (all 0 until ruled).
    function rulingOf(bytes32 tenderId, uint16 section, uint32 index) external view returns (Ruling memory);

    /// @notice Acknowledge entry `index`, recorded by the other party (once).
    function acknowledge(bytes32 tenderId, uint16 section, uint32 index) external;

    /// @notice How many entries the section's performance record holds.
    function entryCount(bytes32 tenderId, uint16 section) external view returns (uint32);

    /// @notice Entry `index` of the section's performance record.
    function entryOf(bytes32 tenderId, uint16 section, uint32 index) external view returns (Entry memory);

    /// @notice The section's two parties and its contract signing, as the steps above read them:
    /// the tender's publishing centre (0 for an unknown tender), the awarded winner (0 before the
    /// award) and the signing time (0 before the signing). It never reverts.
    function partiesOf(bytes32 tenderId, uint16 section)
        external
        view
        returns (address centre, address winner, uint64 signedAt);

    /// @notice The section's completion (all 0 until recorded).
    function completionOf(bytes32 tenderId, uint16 section) external view returns (Completion memory);
}
