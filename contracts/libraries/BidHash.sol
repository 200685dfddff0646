// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title BidHash
 * @notice The hashing rules of sealed bids. The ledger's Python code computes the same values;
 * tests prove the two agree.
 *
 * - credential-set commitment: keccak256(abi.encode(salt, credentialIds)), ids strictly ascending;
 * - bid commitment:            keccak256(abi.encode(chainId, book, tenderId, section, bidder,
 *                              ciphertextHash, credSetCommitment));
 * - signed bid (EIP-712):      Bid(bytes32 tenderId,uint16 section,bytes32 commitment,uint256 nonce,uint64 expiry)
 *                              in the domain {name "TenderBook", version "1", chainId, book}.
 */
library BidHash {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("TenderBook");
    bytes32 internal constant VERSION_HASH = keccak256("1");
    bytes32 internal constant BID_TYPEHASH =
        keccak256("Bid(bytes32 tenderId,uint16 section,bytes32 commitment,uint256 nonce,uint64 expiry)");

    /// @dev Commitment to the set of credentials a bid ticks.
    function credSetCommitment(bytes32 salt, bytes32[] calldata credentialIds) internal pure returns (bytes32) {
        return keccak256(abi.encode(salt, credentialIds));
    }

    /// @dev Commitment of a sealed bid in tender book `book`, bound to the chain, tender, section and bidder.
    function bidCommitment(
        address book,
        bytes32 tenderId,
        uint16 section,
        address bidder,
        bytes32 ciphertextHash,
        bytes32 credSet
    ) internal view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, book, tenderId, section, bidder, ciphertextHash, credSet));
    }

    /// @dev EIP-712 domain separator of tender book `book` on this chain.
    function domainSeparator(address book) internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, book));
    }

    /// @dev EIP-712 digest of a signed bid under `domain`.
    function bidDigest(
        bytes32 domain,
        bytes32 tenderId,
        uint16 section,
        bytes32 commitment,
        uint256 nonce,
        uint64 expiry
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(BID_TYPEHASH, tenderId, section, commitment, nonce, expiry));
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }
}
