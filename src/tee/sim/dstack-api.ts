/**
 * The guest agent's RPC methods (dstack 0.5.x, the internal `dstack.sock` API that
 * `@phala/dstack-sdk` speaks) over a simulated TD: JSON requests and responses, bytes as
 * lowercase hex (a `0x` prefix tolerated on input), missing fields taking proto defaults.
 * A thrown error becomes the agent's HTTP 400 `{"error": message}`.
 * @module
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { stripEventLog } from './event-log.ts';
import { type AppKeys, getKey, normalizeKeyAlgorithm, normalizeSignAlgorithm, signData, verifyData } from './keys.ts';
import type { SimulatedTd } from './td.ts';

/** Guest agent version the simulator claims: the one @phala/dstack-sdk 0.5.8 was released with. */
export const SIM_AGENT_VERSION = '0.5.8';

/** What the RPC methods act on. */
export interface DstackApiState {
  td: SimulatedTd;
  appKeys: AppKeys;
}

type Request = Record<string, unknown>;

function text(request: Request, name: string): string {
  const value = request[name] ?? '';
  if (typeof value !== 'string') throw new Error(`${name} must be a string`);
  return value;
}

function bytes(request: Request, name: string): Uint8Array {
  const value = text(request, name).replace(/^0x/i, '');
  if (value.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(value)) throw new Error(`${name} is not valid hex`);
  return hexToBytes(value);
}

function reportData(request: Request): Uint8Array {
  const data = bytes(request, 'report_data');
  if (data.length > 64) throw new Error('Report data is too long');
  const padded = new Uint8Array(64);
  padded.set(data);
  return padded;
}

/** Answers RPC `method` with `request`'s fields; throws for unknown methods and bad input. */
export function callDstackMethod(state: DstackApiState, method: string, request: Request): unknown {
  switch (method) {
    case 'GetKey': {
      const derived = getKey(
        state.appKeys,
        text(request, 'path'),
        text(request, 'purpose'),
        normalizeKeyAlgorithm(text(request, 'algorithm')),
      );
      return { key: bytesToHex(derived.key), signature_chain: derived.signatureChain.map(bytesToHex) };
    }
    case 'GetQuote': {
      const data = reportData(request);
      return {
        quote: bytesToHex(state.td.quote(data)),
        event_log: JSON.stringify(stripEventLog(state.td.eventLog())),
        report_data: bytesToHex(data),
        vm_config: state.td.vmConfig,
      };
    }
    case 'EmitEvent':
      state.td.emitEvent(text(request, 'event'), bytes(request, 'payload'));
      return {};
    case 'Info':
      return state.td.info();
    case 'Version':
      return { version: SIM_AGENT_VERSION, rev: 'pbts-dstack-sim' };
    case 'Sign': {
      const signed = signData(state.appKeys, normalizeSignAlgorithm(text(request, 'algorithm')), bytes(request, 'data'));
      return {
        signature: bytesToHex(signed.signature),
        signature_chain: signed.signatureChain.map(bytesToHex),
        public_key: bytesToHex(signed.publicKey),
      };
    }
    case 'Verify':
      return {
        valid: verifyData(
          normalizeSignAlgorithm(text(request, 'algorithm')),
          bytes(request, 'data'),
          bytes(request, 'signature'),
          bytes(request, 'public_key'),
        ),
      };
    default:
      throw new Error(`${method || '(none)'} is not implemented by the pbts dstack simulator`);
  }
}
