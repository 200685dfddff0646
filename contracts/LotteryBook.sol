// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILotteryBook} from "./interfaces/ILotteryBook.sol";
import {ILotteryDraws} from "./interfaces/ILotteryDraws.sol";
import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {TenderGate} from "./access/TenderGate.sol";
import {TenderHeader, TenderHeaders} from "./libraries/TenderHeader.sol";

/**
 * @title LotteryBook
 * @notice Draws that no one can steer or stall: seeds sealed to a per-draw alt_bn128 key held
 * k-of-n by officers, decrypted and drawn by this contract once the key is released after the
 * commit deadline. See {ILotteryBook}. It has no admin: nobody holds a power over a draw beyond
 * the steps listed there.
 *
 * A draw's header is one slot (deadline, section, round, k, threshold, shares released, commits,
 * status, which parties committed, which officers released); each sealed seed is three.
 */
contract LotteryBook is TenderGate, ILotteryBook {
    /// @inheritdoc ILotteryBook
    uint256 public constant MAX_PARTIES = 32;
    /// @inheritdoc ILotteryBook
    uint256 public constant MAX_CANDIDATES = 256;
    /// @inheritdoc ILotteryBook
    uint256 public constant MAX_OFFICERS = 16;

    /// @dev alt_bn128: the field modulus, the group order, and the generator (1, 2).
    uint256 private constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    uint256 private constant N = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    struct Draw {
        // slot 0
        uint64 commitDeadline;
        uint16 section;
        uint16 round;
        uint16 k;
        uint8 threshold;
        uint8 sharesReleased;
        uint16 commits;
        Status status;
        uint32 committedMask; // bit i: parties[i] committed
        uint16 releasedMask; // bit i: officers[i] released its share
        uint8 purpose; // 1 committee, 2 reserve, 3 shortlist, 4 selection
        // slots 1–3
        bytes32 tenderId;
        uint256 pkX;
        uint256 pkY;
        address[] parties;
        bytes32[] candidates;
        address[] officers;
        bytes32[] shareHashes;
        bytes32[] picks;
    }

    ITenderBook private immutable _tenderBook;

    mapping(bytes32 drawId => Draw) private _draws;
    mapping(bytes32 drawId => mapping(address party => uint8 position)) private _partyPositions; // 1-based
    mapping(bytes32 drawId => mapping(address officer => uint8 position)) private _officerPositions; // 1-based
    mapping(bytes32 drawId => mapping(address party => SealedSeed)) private _sealed;

    constructor(address tenderBook_) {
        if (tenderBook_.code.length == 0) revert InvalidTenderBook(tenderBook_);
        _tenderBook = ITenderBook(tenderBook_);
    }

    /// @inheritdoc ILotteryBook
    function tenderBook() external view returns (address) {
        return address(_tenderBook);
    }

    // ------------------------------------------------------------------ opening

    /// @inheritdoc ILotteryBook
    function openDraw(
        bytes32 tenderId,
        uint16 section,
        string calldata purpose,
        uint16 round,
        address[] calldata parties,
        bytes32[] calldata candidates,
        uint16 k,
        uint256 publicKeyX,
        uint256 publicKeyY,
        uint64 commitDeadline,
        address[] calldata officers,
        bytes32[] calldata shareHashes,
        uint8 threshold
    ) external returns (bytes32 drawId) {
        _publishedWith(tenderId, section);
        if (!_tenderBook.isCentre(msg.sender)) revert ITenderBook.NotCentre(msg.sender);
        uint8 purposeCode = _purposeCode(purpose);
        drawId = _drawId(tenderId, section, purpose, round);
        Draw storage d = _draws[drawId];
        if (d.status != Status.NONE) revert DrawExists(drawId);
        if (
            parties.length < 2 || parties.length > MAX_PARTIES || k < 1 || k > candidates.length
                || candidates.length > MAX_CANDIDATES || threshold < 2 || threshold > officers.length
                || officers.length > MAX_OFFICERS || shareHashes.length != officers.length
        ) {
            revert InvalidDrawParameters(
                parties.length, candidates.length, k, threshold, officers.length, shareHashes.length
            );
        }
        if (commitDeadline <= block.timestamp) revert InvalidCommitDeadline(drawId, commitDeadline);
        _checkPoint(publicKeyX, publicKeyY);
        for (uint256 i = 1; i < candidates.length; ++i) {
            if (uint256(candidates[i]) <= uint256(candidates[i - 1])) revert UnsortedCandidates(i);
        }
        for (uint256 i = 0; i < parties.length; ++i) {
            address party = parties[i];
            if (party == address(0) || _partyPositions[drawId][party] != 0) revert InvalidParty(drawId, party);
            _partyPositions[drawId][party] = uint8(i + 1);
        }
        for (uint256 i = 0; i < officers.length; ++i) {
            address officer = officers[i];
            if (officer == address(0) || _officerPositions[drawId][officer] != 0) {
                revert InvalidDrawOfficer(drawId, officer);
            }
            _officerPositions[drawId][officer] = uint8(i + 1);
        }
        (d.commitDeadline, d.section, d.round, d.k, d.threshold, d.status, d.purpose) =
            (commitDeadline, section, round, k, threshold, Status.OPEN, purposeCode);
        (d.tenderId, d.pkX, d.pkY) = (tenderId, publicKeyX, publicKeyY);
        (d.parties, d.candidates, d.officers, d.shareHashes) = (parties, candidates, officers, shareHashes);
        emit DrawOpened(
            drawId, tenderId, section, purpose, round, parties, candidates, k, publicKeyX, publicKeyY,
            commitDeadline, officers, shareHashes, threshold
        );
    }

    // ------------------------------------------------------------------ seeds, shares, finish

    /// @inheritdoc ILotteryBook
    function commitSeed(bytes32 drawId, uint256 rx, uint256 ry, bytes32 ciphertext) external {
        Draw storage d = _known(drawId);
        uint8 position = _partyPositions[drawId][msg.sender];
        if (position == 0) revert NotParty(drawId, msg.sender);
        if (block.timestamp >= d.commitDeadline) {
            revert CommitClosed(drawId, d.commitDeadline, uint64(block.timestamp));
        }
        uint32 bit = uint32(1) << (position - 1);
        if (d.committedMask & bit != 0) revert AlreadyCommitted(drawId, msg.sender);
        _checkPoint(rx, ry);
        (d.committedMask, d.commits) = (d.committedMask | bit, d.commits + 1);
        _sealed[drawId][msg.sender] = SealedSeed(rx, ry, ciphertext);
        emit SeedCommitted(drawId, msg.sender, rx, ry, ciphertext);
    }

    /// @inheritdoc ILotteryBook
    function releaseDrawShare(bytes32 drawId, bytes calldata share) external {
        Draw storage d = _known(drawId);
        uint8 position = _officerPositions[drawId][msg.sender];
        if (position == 0) revert NotDrawOfficer(drawId, msg.sender);
        _checkSeedsIn(drawId, d);
        uint16 bit = uint16(1) << (position - 1);
        if (d.releasedMask & bit != 0) revert DrawShareAlreadyReleased(drawId, msg.sender);
        if (keccak256(share) != d.shareHashes[position - 1]) revert WrongDrawShare(drawId, msg.sender);
        (d.releasedMask, d.sharesReleased) = (d.releasedMask | bit, d.sharesReleased + 1);
        emit DrawShareReleased(drawId, msg.sender, share);
    }

    /// @inheritdoc ILotteryBook
    function finishDraw(bytes32 drawId, uint256 sk) external returns (bytes32[] memory picks) {
        Draw storage d = _known(drawId);
        if (d.status == Status.FINISHED) revert DrawAlreadyFinished(drawId);
        _checkSeedsIn(drawId, d);
        if (sk == 0 || sk >= N) revert WrongDrawKey(drawId);
        (uint256 x, uint256 y) = _mul(1, 2, sk);
        if (x != d.pkX || y != d.pkY) revert WrongDrawKey(drawId);

        address[] storage parties = d.parties;
        bytes32[] memory seeds = new bytes32[](parties.length);
        uint256 mask = d.committedMask;
        for (uint256 i = 0; i < seeds.length; ++i) {
            if ((mask >> i) & 1 == 0) continue; // no seed committed: bytes32(0)
            address party = parties[i];
            SealedSeed storage s = _sealed[drawId][party];
            (uint256 sx, uint256 sy) = _mul(s.rx, s.ry, sk);
            seeds[i] = s.ciphertext ^ keccak256(abi.encode(sx, sy, drawId, party));
        }
        picks = _draw(keccak256(abi.encodePacked(seeds)), d.candidates, d.k);
        (d.picks, d.status) = (picks, Status.FINISHED);
        emit DrawFinished(drawId, seeds, picks);
    }

    // ------------------------------------------------------------------ reads

    /// @inheritdoc ILotteryBook
    function drawOf(bytes32 drawId) external view returns (DrawView memory v) {
        Draw storage d = _draws[drawId];
        v.status = d.status;
        (v.tenderId, v.section, v.round, v.k, v.threshold) = (d.tenderId, d.section, d.round, d.k, d.threshold);
        (v.sharesReleased, v.commits, v.commitDeadline) = (d.sharesReleased, d.commits, d.commitDeadline);
        (v.publicKeyX, v.publicKeyY) = (d.pkX, d.pkY);
        (v.parties, v.candidates, v.officers, v.shareHashes, v.picks) =
            (d.parties, d.candidates, d.officers, d.shareHashes, d.picks);
        v.committed = new bool[](v.parties.length);
        for (uint256 i = 0; i < v.parties.length; ++i) {
            v.committed[i] = (uint256(d.committedMask) >> i) & 1 == 1;
        }
    }

    /// @inheritdoc ILotteryDraws
    function picksOf(bytes32 drawId) external view returns (bytes32[] memory) {
        return _draws[drawId].picks;
    }

    /// @inheritdoc ILotteryBook
    function sealedSeedOf(bytes32 drawId, address party) external view returns (SealedSeed memory) {
        return _sealed[drawId][party];
    }

    /// @inheritdoc ILotteryBook
    function drawIdOf(bytes32 tenderId, uint16 section, string calldata purpose, uint16 round)
        external
        pure
        returns (bytes32)
    {
        return _drawId(tenderId, section, purpose, round);
    }

    // ------------------------------------------------------------------ internals

    /// @dev TenderBook's header of `tenderId`, for the checks of {TenderGate}.
    function _tenderHeader(bytes32 tenderId) internal view override returns (TenderHeader) {
        (address centre, uint64 deadline, uint16 sectionCount, uint8 threshold, uint8 sharesReleased, uint32 index) =
            _tenderBook.tenderHeader(tenderId);
        return TenderHeaders.pack(centre, deadline, sectionCount, threshold, sharesReleased, index);
    }

    function _drawId(bytes32 tenderId, uint16 section, string calldata purpose, uint16 round)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(tenderId, section, purpose, round));
    }

    /// @dev The opened draw `drawId`; reverts with `UnknownDraw` otherwise.
    function _known(bytes32 drawId) private view returns (Draw storage d) {
        d = _draws[drawId];
        if (d.status == Status.NONE) revert UnknownDraw(drawId);
    }

    /// @dev Reverts with `CommitPeriodOpen` while a seed may still come in.
    function _checkSeedsIn(bytes32 drawId, Draw storage d) private view {
        if (block.timestamp < d.commitDeadline && d.commits < d.parties.length) {
            revert CommitPeriodOpen(drawId, d.commitDeadline, d.commits, d.parties.length);
        }
    }

    /// @dev The purpose's code (1 committee, 2 reserve, 3 shortlist, 4 selection); reverts with
    /// `InvalidPurpose` for any other.
    function _purposeCode(string calldata purpose) private pure returns (uint8) {
        bytes32 h = keccak256(bytes(purpose));
        if (h == keccak256("committee")) return 1;
        if (h == keccak256("reserve")) return 2;
        if (h == keccak256("shortlist")) return 3;
        if (h == keccak256("selection")) return 4;
        revert InvalidPurpose(purpose);
    }

    /// @inheritdoc ILotteryDraws
    function drawHeaderOf(bytes32 drawId)
        external
        view
        returns (bytes32 tenderId, uint16 section, string memory purpose, bool finished)
    {
        Draw storage d = _draws[drawId];
        string[5] memory names = ["", "committee", "reserve", "shortlist", "selection"];
        return (d.tenderId, d.section, names[d.purpose], d.status == Status.FINISHED);
    }

    /// @dev Reverts with `BadPoint` unless (x, y) is on y² = x³ + 3 over F_P, infinity excluded.
    function _checkPoint(uint256 x, uint256 y) private pure {
        if (x >= P || y >= P || (x == 0 && y == 0) || mulmod(y, y, P) != addmod(mulmod(x, mulmod(x, x, P), P), 3, P))
        {
            revert BadPoint(x, y);
        }
    }

    /// @dev s·(x, y) by the ECMUL precompile (0x07); (x, y) is a checked curve point.
    function _mul(uint256 x, uint256 y, uint256 s) private view returns (uint256 rx, uint256 ry) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, x)
            mstore(add(m, 0x20), y)
            mstore(add(m, 0x40), s)
            ok := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            rx := mload(m)
            ry := mload(add(m, 0x20))
        }
        require(ok); // unreachable for a point on the curve
    }

    /// @dev `k` of `candidates` by partial Fisher–Yates from `combined`, as `ledger.rules.lottery.draw`:
    /// for i < k, swap positions i and i + uint256(keccak256(abi.encode(combined, i))) mod (n − i).
    /// `moved[p]` is 0 while position p holds its own index, else 1 + the index it holds.
    function _draw(bytes32 combined, bytes32[] storage candidates, uint256 k)
        private
        view
        returns (bytes32[] memory picks)
    {
        uint256 n = candidates.length;
        uint256[] memory moved = new uint256[](n);
        picks = new bytes32[](k);
        for (uint256 i = 0; i < k; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(combined, i))) % (n - i);
            uint256 held = moved[j] == 0 ? j : moved[j] - 1;
            moved[j] = (moved[i] == 0 ? i : moved[i] - 1) + 1;
            picks[i] = candidates[held];
        }
    }
}
