// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILotteryDraws} from "../interfaces/ILotteryDraws.sol";

/**
 * @title LotteryBookDouble
 * @notice TEST DOUBLE ONLY: an {ILotteryDraws} whose draws anyone writes directly, so SelectionBook's
 * tests can stand without the real lottery. It checks nothing (no seeds, no parties, no
 * Fisher–Yates): it is compiled with the other contracts but never deployed by the runtime.
 */
contract LotteryBookDouble is ILotteryDraws {
    struct Draw {
        bytes32 tenderId;
        uint16 section;
        bool finished;
        string purpose;
        bytes32[] picks;
    }

    mapping(bytes32 drawId => Draw) private _draws;

    /// @notice Records draw `drawId` as given (test only; anyone may call it).
    function setDraw(
        bytes32 drawId,
        bytes32 tenderId,
        uint16 section,
        string calldata purpose,
        bool finished,
        bytes32[] calldata picks
    ) external {
        Draw storage d = _draws[drawId];
        (d.tenderId, d.section, d.finished, d.purpose, d.picks) = (tenderId, section, finished, purpose, picks);
    }

    /// @inheritdoc ILotteryDraws
    function drawHeaderOf(bytes32 drawId)
        external
        view
        returns (bytes32 tenderId, uint16 section, string memory purpose, bool finished)
    {
        Draw storage d = _draws[drawId];
        return (d.tenderId, d.section, d.purpose, d.finished);
    }

    /// @inheritdoc ILotteryDraws
    function picksOf(bytes32 drawId) external view returns (bytes32[] memory) {
        Draw storage d = _draws[drawId];
        return d.finished ? d.picks : new bytes32[](0);
    }
}
