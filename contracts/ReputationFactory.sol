// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Reputation} from "./Reputation.sol";

/// @title ReputationFactory
/// @notice Deploys one Reputation contract per tracker identity (the caller becomes its owner) and
/// keeps a registry of them, so a referrer can only be a contract this factory created: a stranger's
/// contract that merely exposes `owner()` cannot pose as a predecessor.
contract ReputationFactory {
    mapping(address reputation => address creator) public creatorOf;
    mapping(address reputation => bool) public isReputation;

    /// @notice `attestationHash` commits to the creator's TEE attestation (verified off-chain).
    event ReputationCreated(
        address indexed reputation, address indexed creator, address indexed referrer, bytes32 attestationHash
    );

    error UnknownReferrer(address referrer);

    /// @notice Deploys a Reputation owned by the caller that falls back to `referrer` (zero for none).
    function createReputation(address referrer, bytes32 attestationHash) external returns (address) {
        if (referrer != address(0) && !isReputation[referrer]) revert UnknownReferrer(referrer);
        address reputation = address(new Reputation(msg.sender, referrer));
        creatorOf[reputation] = msg.sender;
        isReputation[reputation] = true;
        emit ReputationCreated(reputation, msg.sender, referrer, attestationHash);
        return reputation;
    }
}
