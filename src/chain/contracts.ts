/**
 * Bindings for the PBTS contracts: ABIs (typed for viem), bytecode, and the user key derivation
 * the Reputation contract uses.
 * @module
 */
import { type Hex, keccak256, stringToBytes } from 'viem';
import { abi as reputationAbi, bytecode as reputationBytecode } from '../../contracts/artifacts/Reputation.ts';
import {
  abi as reputationFactoryAbi,
  bytecode as reputationFactoryBytecode,
} from '../../contracts/artifacts/ReputationFactory.ts';

export { reputationAbi, reputationBytecode, reputationFactoryAbi, reputationFactoryBytecode };

/** The on-chain key of `userId`: keccak256 of its UTF-8 bytes, as `Reputation.userKey` computes it. */
export function userKey(userId: string): Hex {
  return keccak256(stringToBytes(userId));
}
