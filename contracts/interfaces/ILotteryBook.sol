// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title ILotteryBook
 * @notice What SelectionBook reads of the verifiable lottery (摇号): which tender section and purpose
 * a draw belongs to, whether it is finished, and its picks. Only these views: the lottery's own
 * steps (opening a draw, committing and revealing seeds, the officers' recovery of a withheld
 * seed, finishing) are the lottery contract's business.
 *
 * A draw's candidates are `bytes32` words; an account is the word `bytes32(uint256(uint160(a)))`.
 * The picks are in drawn order (`ledger.rules.lottery.draw`): the first pick is the winner of a
 * selection draw.
 */
interface ILotteryBook {
    /// @notice The tender, section and purpose (`ledger.rules.lottery.PURPOSES`: "committee",
    /// "reserve", "shortlist", "selection") of draw `drawId`, and whether it is finished. An
    /// unknown draw has tender id 0.
    function drawOf(bytes32 drawId)
        external
        view
        returns (bytes32 tenderId, uint16 section, string memory purpose, bool finished);

    /// @notice The picks of the finished draw `drawId`, in drawn order (empty until finished).
    function picksOf(bytes32 drawId) external view returns (bytes32[] memory);
}
