// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ITenderBook} from "./interfaces/ITenderBook.sol";
import {TenderTerms} from "./TenderTerms.sol";
import {TenderHeader} from "./libraries/TenderHeader.sol";
import {BidHash} from "./libraries/BidHash.sol";
import {ECDSA} from "./libraries/ECDSA.sol";

/**
 * @title TenderBook
 * @notice Tenders fixed before any bid, sealed-bid commitments with a deadline enforced by block
 * time, threshold release of the opening key, recorded opening attempts with the credentials each
 * bid used, and section outcomes. See {ITenderBook}.
 *
 * What every bid touches sits in one slot per tender (centre, deadline, section count, threshold,
 * shares released); a bid is two slots (commitment; version and opening outcome).
 */
contract TenderBook is TenderTerms {
    /// @inheritdoc ITenderBook
    uint256 public constant MAX_BATCH = 200;
    /// @inheritdoc ITenderBook
    uint256 public constant MAX_CREDENTIALS = 512;

    mapping(bytes32 tenderId => mapping(uint16 section => Section)) private _sections;
    mapping(bytes32 tenderId => mapping(uint16 section => mapping(address bidder => Bid))) private _bids;
    mapping(address bidder => uint256 nonce) private _nonces;

    constructor(address initialAdmin) TenderTerms(initialAdmin) {}

    // ------------------------------------------------------------------ bids

    /// @inheritdoc ITenderBook
    function submitBid(bytes32 tenderId, uint16 section, bytes32 commitment) external {
        _submit(tenderId, section, commitment, msg.sender);
    }

    /// @inheritdoc ITenderBook
    function withdrawBid(bytes32 tenderId, uint16 section) external {
        _withdraw(tenderId, section, msg.sender);
    }

    function _withdraw(bytes32 tenderId, uint16 section, address bidder) private {
        _checkBeforeDeadline(tenderId, _tenderWith(tenderId, section).deadline());
        Bid storage b = _bids[tenderId][section][bidder];
        if (b.commitment == 0) revert NoBid(tenderId, section, bidder);
        delete b.commitment;
        _sections[tenderId][section].bids -= 1;
        emit BidWithdrawn(tenderId, section, bidder, b.version);
    }

    /// @inheritdoc ITenderBook
    function submitBidsBySig(BidAuth[] calldata bids) external {
        if (bids.length > MAX_BATCH) revert BatchTooLarge(bids.length, MAX_BATCH);
        bytes32 domain = BidHash.domainSeparator(address(this));
        for (uint256 i = 0; i < bids.length; ++i) {
            BidAuth calldata a = bids[i];
            if (block.timestamp > a.expiry) revert SignatureExpired(a.bidder, a.expiry, uint64(block.timestamp));
            uint256 expected = _nonces[a.bidder];
            if (a.nonce != expected) revert BadNonce(a.bidder, a.nonce, expected);
            bytes32 digest = BidHash.bidDigest(domain, a.tenderId, a.section, a.commitment, a.nonce, a.expiry);
            address signer = ECDSA.tryRecover(digest, a.signature);
            if (signer != a.bidder || signer == address(0)) revert BadSignature(a.bidder, a.nonce);
            _nonces[a.bidder] = expected + 1;
            emit NonceUsed(a.bidder, expected);
            // A signed bid whose commitment is zero withdraws the live bid: a bidder whose key
            // holds no funds can withdraw the way it bid, through a relayer.
            if (a.commitment == 0) _withdraw(a.tenderId, a.section, a.bidder);
            else _submit(a.tenderId, a.section, a.commitment, a.bidder);
        }
    }

    /// @inheritdoc ITenderBook
    function cancelNonces(uint256 nextNonce) external {
        uint256 current = _nonces[msg.sender];
        if (nextNonce <= current) revert BadNonce(msg.sender, nextNonce, current);
        _nonces[msg.sender] = nextNonce;
        emit NoncesCancelled(msg.sender, nextNonce);
    }

    /// @inheritdoc ITenderBook
    function nonces(address bidder) external view returns (uint256) {
        return _nonces[bidder];
    }

    /// @inheritdoc ITenderBook
    function bidOf(bytes32 tenderId, uint16 section, address bidder) external view returns (Bid memory) {
        return _bids[tenderId][section][bidder];
    }

    /// @inheritdoc ITenderBook
    function bidCount(bytes32 tenderId, uint16 section) external view returns (uint32) {
        return _sections[tenderId][section].bids;
    }

    // ------------------------------------------------------------------ opening and closing

    /// @inheritdoc ITenderBook
    function releaseShare(bytes32 tenderId, bytes calldata share) external {
        TenderHeader h = _tender(tenderId);
        uint8 position = _officerPositions[tenderId][msg.sender];
        if (position == 0) revert NotOfficer(tenderId, msg.sender);
        _checkDeadlineReached(tenderId, h.deadline());
        Tender storage t = _tenders[tenderId];
        uint16 bit = uint16(1) << (position - 1);
        if (t.releasedMask & bit != 0) revert AlreadyReleased(tenderId, msg.sender);
        if (keccak256(share) != t.shareHashes[position - 1]) revert WrongShare(tenderId, msg.sender);
        (t.releasedMask, t.sharesReleased) = (t.releasedMask | bit, h.sharesReleased() + 1);
        emit ShareReleased(tenderId, msg.sender, share);
    }

    /// @inheritdoc ITenderBook
    function sharesReleased(bytes32 tenderId) external view returns (uint8) {
        return _tenders[tenderId].sharesReleased;
    }

    /// @inheritdoc ITenderBook
    function recordOpening(
        bytes32 tenderId,
        uint16 section,
        address bidder,
        Outcome outcome,
        bytes32 ciphertextHash,
        bytes32 credSet,
        bytes32[] calldata credentialIds,
        uint64 price
    ) external {
        TenderHeader h = _publishedWith(tenderId, section);
        if (h.sharesReleased() < h.threshold()) revert SharesMissing(tenderId, h.sharesReleased(), h.threshold());
        Section storage s = _pending(tenderId, section);
        uint8 minValidBids = _tenders[tenderId].minValidBids;
        if (s.bids < minValidBids) revert TooFewBids(tenderId, section, s.bids, minValidBids);
        Bid storage b = _bids[tenderId][section][bidder];
        bytes32 commitment = b.commitment;
        if (commitment == 0) revert NoBid(tenderId, section, bidder);
        if (b.opened) revert AlreadyOpened(tenderId, section, bidder);
        uint256 n = credentialIds.length;
        if (outcome != Outcome.DECRYPTED) {
            if (n != 0) revert UnexpectedCredentials(tenderId, section, bidder);
            if (price != 0) revert InvalidPrice(tenderId, section, bidder, price);
            // A failure names the ciphertext the bidder committed to, and the bid's credential-set
            // commitment (the salt stays sealed): anyone can fetch that ciphertext, rebuild the key
            // from the released shares and rerun the decryption. 撤销 always carries this proof; a
            // 撤回 may carry none (0, 0) when the centre holds no ciphertext the bidder committed to.
            bool unproven = ciphertextHash == 0 && credSet == 0;
            if (outcome == Outcome.FAILED_BIDDER || !unproven) {
                bytes32 proven =
                    BidHash.bidCommitment(address(this), tenderId, section, bidder, ciphertextHash, credSet);
                if (proven != commitment) revert RevealMismatch(tenderId, section, bidder);
            }
            (b.opened, b.outcome) = (true, outcome);
            s.opened += 1;
            emit DecryptionFailed(tenderId, section, bidder, outcome, ciphertextHash, credSet);
            return;
        }
        if (n > MAX_CREDENTIALS) revert TooManyCredentials(tenderId, section, bidder, n);
        if (price == 0) revert InvalidPrice(tenderId, section, bidder, price);
        for (uint256 i = 1; i < n; ++i) {
            if (credentialIds[i] <= credentialIds[i - 1]) {
                revert UnsortedCredentials(tenderId, section, bidder, credentialIds[i]);
            }
        }
        // For a decrypted bid `credSet` is the salt: the ids and the salt rebuild the commitment.
        bytes32 revealed = BidHash.credSetCommitment(credSet, credentialIds);
        if (BidHash.bidCommitment(address(this), tenderId, section, bidder, ciphertextHash, revealed) != commitment) {
            revert RevealMismatch(tenderId, section, bidder);
        }
        (b.opened, b.outcome, b.price) = (true, Outcome.DECRYPTED, price);
        (s.opened, s.decrypted) = (s.opened + 1, s.decrypted + 1);
        for (uint256 i = 0; i < n; ++i) {
            emit CredentialUsed(tenderId, section, bidder, credentialIds[i]);
        }
        emit BidOpened(tenderId, section, bidder, ciphertextHash, revealed, n, price);
    }

    /// @inheritdoc ITenderBook
    function closeSection(bytes32 tenderId, uint16 section, uint16 validBids) external {
        _checkDeadlineReached(tenderId, _publishedWith(tenderId, section).deadline());
        Section storage s = _pending(tenderId, section);
        uint8 minValidBids = _tenders[tenderId].minValidBids;
        // Below the minimum nothing was opened and the section fails; otherwise no live bid may
        // be left without a recorded attempt.
        if (s.bids >= minValidBids && s.opened < s.bids) revert BidsUnopened(tenderId, section, s.bids - s.opened);
        if (validBids > s.decrypted) revert TooManyValidBids(tenderId, section, validBids, s.decrypted);
        s.validBids = validBids;
        if (validBids < minValidBids) {
            s.status = SectionStatus.FAILED;
            emit SectionFailed(tenderId, section, validBids);
        } else {
            s.status = SectionStatus.CLOSED;
            emit SectionClosed(tenderId, section, validBids);
        }
    }

    /// @inheritdoc ITenderBook
    function publishEvaluation(bytes32 tenderId, uint16 section, bytes32 reportHash) external {
        _publishedWith(tenderId, section);
        Section storage s = _sections[tenderId][section];
        if (s.status != SectionStatus.CLOSED && s.status != SectionStatus.EVALUATED) {
            revert WrongSectionStatus(tenderId, section, s.status);
        }
        uint16 revision = s.evaluations + 1;
        (s.status, s.evaluations, s.reportHash) = (SectionStatus.EVALUATED, revision, reportHash);
        emit EvaluationPublished(tenderId, section, reportHash, revision);
    }

    /// @inheritdoc ITenderBook
    function sectionOf(bytes32 tenderId, uint16 section) external view returns (Section memory) {
        return _sections[tenderId][section];
    }

    // ------------------------------------------------------------------ hashing rules

    /// @inheritdoc ITenderBook
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return BidHash.domainSeparator(address(this));
    }

    /// @inheritdoc ITenderBook
    function bidDigest(bytes32 tenderId, uint16 section, bytes32 commitment, uint256 nonce, uint64 expiry)
        external
        view
        returns (bytes32)
    {
        return BidHash.bidDigest(BidHash.domainSeparator(address(this)), tenderId, section, commitment, nonce, expiry);
    }

    /// @inheritdoc ITenderBook
    function credSetCommitment(bytes32 salt, bytes32[] calldata credentialIds) external pure returns (bytes32) {
        return BidHash.credSetCommitment(salt, credentialIds);
    }

    /// @inheritdoc ITenderBook
    function bidCommitment(
        bytes32 tenderId,
        uint16 section,
        address bidder,
        bytes32 ciphertextHash,
        bytes32 credSetCommitment_
    ) external view returns (bytes32) {
        return BidHash.bidCommitment(address(this), tenderId, section, bidder, ciphertextHash, credSetCommitment_);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Records `commitment` as the live bid of `bidder`, checking tender, section and deadline.
    function _submit(bytes32 tenderId, uint16 section, bytes32 commitment, address bidder) private {
        uint64 deadline = _tenderWith(tenderId, section).deadline();
        if (block.timestamp >= deadline) revert LateBid(tenderId, deadline, uint64(block.timestamp));
        if (commitment == 0) revert EmptyCommitment(tenderId, section, bidder);
        Bid storage b = _bids[tenderId][section][bidder];
        if (b.commitment == 0) _sections[tenderId][section].bids += 1;
        uint32 version = b.version + 1;
        (b.commitment, b.version) = (commitment, version);
        emit BidSubmitted(tenderId, section, bidder, commitment, version);
    }

    /// @dev The section, which must still be pending.
    function _pending(bytes32 tenderId, uint16 section) private view returns (Section storage s) {
        s = _sections[tenderId][section];
        if (s.status != SectionStatus.PENDING) revert WrongSectionStatus(tenderId, section, s.status);
    }
}
