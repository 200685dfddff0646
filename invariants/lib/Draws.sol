// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title Draws
 * @notice What a lottery party and an auditor do off chain, written again from the spec for the
 * suites (docs/contracts.md "LotteryBook", `ledger.rules.lottery`), not taken from LotteryBook:
 * sealing a seed to a draw's alt_bn128 key, and the draw itself from the seeds.
 */
library Draws {
    /// @dev The alt_bn128 group order: a scalar lies in [1, N − 1].
    uint256 internal constant N = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev s·(x, y) by the ECMUL precompile (0x07).
    function mul(uint256 x, uint256 y, uint256 s) internal view returns (uint256 rx, uint256 ry) {
        (bool ok, bytes memory out) = address(7).staticcall(abi.encode(x, y, s));
        require(ok && out.length == 64, "ECMUL failed");
        (rx, ry) = abi.decode(out, (uint256, uint256));
    }

    /// @dev The public key of the draw key `sk`: sk·G, G = (1, 2).
    function publicKey(uint256 sk) internal view returns (uint256 x, uint256 y) {
        return mul(1, 2, sk);
    }

    /// @dev `seed` sealed by `party` to the draw key (pkX, pkY) with the ephemeral scalar `r`:
    /// R = r·G and C = seed XOR keccak256(abi.encode(r·PK, drawId, party)).
    function seal(bytes32 drawId, address party, uint256 pkX, uint256 pkY, uint256 r, bytes32 seed)
        internal
        view
        returns (uint256 rx, uint256 ry, bytes32 ciphertext)
    {
        (rx, ry) = mul(1, 2, r);
        (uint256 sx, uint256 sy) = mul(pkX, pkY, r);
        ciphertext = seed ^ keccak256(abi.encode(sx, sy, drawId, party));
    }

    /// @dev The picks of a draw: the seeds in party order (0 for a party that sealed none) make
    /// combined = keccak256(abi.encodePacked(seeds)); then, for i < k, positions i and
    /// i + uint256(keccak256(abi.encode(combined, i))) mod (n − i) of the candidates swap and
    /// position i is the i-th pick (a partial Fisher–Yates shuffle).
    function picks(bytes32[] memory seeds, bytes32[] memory candidates, uint256 k)
        internal
        pure
        returns (bytes32[] memory out)
    {
        bytes32 combined = keccak256(abi.encodePacked(seeds));
        uint256 n = candidates.length;
        bytes32[] memory order = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            order[i] = candidates[i];
        }
        out = new bytes32[](k);
        for (uint256 i = 0; i < k; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(combined, i))) % (n - i);
            (order[i], order[j]) = (order[j], order[i]);
            out[i] = order[i];
        }
    }
}
