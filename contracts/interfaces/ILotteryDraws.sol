// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title ILotteryDraws
 * @notice What another contract reads of a lottery draw: whose it is (tender, section, purpose),
 * whether it is finished, and its picks. LotteryBook implements it; SelectionBook reads committee,
 * reserve and selection draws through it.
 */
interface ILotteryDraws {
    /// @notice The tender and section of draw `drawId`, its purpose (committee, reserve, shortlist or
    /// selection; "" if never opened) and whether it is finished.
    function drawHeaderOf(bytes32 drawId)
        external
        view
        returns (bytes32 tenderId, uint16 section, string memory purpose, bool finished);

    /// @notice The picks of draw `drawId`, in draw order; empty until it is finished.
    function picksOf(bytes32 drawId) external view returns (bytes32[] memory);
}
