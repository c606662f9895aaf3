import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import { type Collateral, QuoteVerifier } from '@phala/dcap-qvl';
import { describe, expect, test } from 'vitest';
import { TD_ATTRIBUTES_PRODUCTION, buildTdxQuote } from '../quote.ts';
import { COLLATERAL_LIFETIME_MS, SIM_TEE_TCB_SVN, createCollateral } from './collateral.ts';
import { SIM_FMSPC, createMockPki } from './pki.ts';
import { TD_QE, createQuotingEnclave } from './quoting-enclave.ts';

const SEED = 'collateral-test';
const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 10, 1, 12, 30, 15, 250);
const pki = createMockPki(SEED);
const sim = createCollateral(pki, NOW_MS);
const quote = buildTdxQuote(
  {
    teeTcbSvn: SIM_TEE_TCB_SVN,
    tdAttributes: TD_ATTRIBUTES_PRODUCTION,
    mrTd: new Uint8Array(48),
    rtmrs: [new Uint8Array(48), new Uint8Array(48), new Uint8Array(48), new Uint8Array(48)],
    reportData: new Uint8Array(64),
  },
  createQuotingEnclave(SEED, pki),
);
const verifier = QuoteVerifier.newWithRootCa(Buffer.from(pki.root.der));
const verifyAt = (collateral: Collateral, ms: number) => verifier.verify(quote, collateral, ms / 1000);

describe('simulated DCAP collateral', () => {
  test('default: TDX TCB info v3 and TD_QE identity v2, issued a day ago, valid 30 days', () => {
    const tcbInfo = JSON.parse(sim.collateral.tcb_info);
    expect(tcbInfo).toMatchObject({ id: 'TDX', version: 3, fmspc: SIM_FMSPC, pceId: '0000' });
    expect(tcbInfo.issueDate).toBe('2026-10-31T12:30:15Z');
    expect(tcbInfo.nextUpdate).toBe('2026-12-01T12:30:15Z');
    expect(tcbInfo.tcbLevels.map((level: { tcbStatus: string }) => level.tcbStatus)).toEqual(['UpToDate', 'OutOfDate']);
    const qeIdentity = JSON.parse(sim.collateral.qe_identity);
    expect(qeIdentity).toMatchObject({
      id: 'TD_QE',
      version: 2,
      mrsigner: TD_QE.mrSigner,
      isvprodid: 2,
      attributes: '11000000000000000000000000000000',
      attributesMask: 'FBFFFFFFFFFFFFFF0000000000000000',
      issueDate: tcbInfo.issueDate,
    });
    expect(verifyAt(sim.collateral, NOW_MS).status).toBe('UpToDate');
  });

  test('behavior: signatures are raw r||s by the TCB signer over the exact JSON strings', () => {
    const signerKey = p256.getPublicKey(pki.tcbSigner.secretKey);
    for (const [json, signature] of [
      [sim.collateral.tcb_info, sim.collateral.tcb_info_signature],
      [sim.collateral.qe_identity, sim.collateral.qe_identity_signature],
    ] as const) {
      expect(p256.verify(hexToBytes(String(signature)), sha256(utf8ToBytes(json)), signerKey)).toBe(true);
    }
    expect(sim.collateral.tcb_info_issuer_chain).toBe(pki.tcbSigner.pem + pki.root.pem);
    expect(sim.collateral.pck_crl_issuer_chain).toBe(pki.pckCa.pem + pki.root.pem);
  });

  test('behavior: PCCS bodies re-serialise to the signed strings, as getCollateral reads them', () => {
    const tcb = JSON.parse(sim.tcbInfoBody);
    const qe = JSON.parse(sim.qeIdentityBody);
    expect(JSON.stringify(tcb.tcbInfo)).toBe(sim.collateral.tcb_info);
    expect(tcb.signature).toBe(sim.collateral.tcb_info_signature);
    expect(JSON.stringify(qe.enclaveIdentity)).toBe(sim.collateral.qe_identity);
    expect(qe.signature).toBe(sim.collateral.qe_identity_signature);
  });

  test('behavior: same PKI and clock, byte-identical collateral', () => {
    expect(createCollateral(createMockPki(SEED), NOW_MS)).toEqual(sim);
    expect(createCollateral(pki, NOW_MS + 1000).collateral.tcb_info).not.toBe(sim.collateral.tcb_info);
  });

  test('behavior: valid right up to nextUpdate', () => {
    expect(verifyAt(sim.collateral, NOW_MS + COLLATERAL_LIFETIME_MS - 1000).status).toBe('UpToDate');
  });

  test('error: 40 days later the collateral has expired', () => {
    expect(() => verifyAt(sim.collateral, NOW_MS + 40 * DAY_MS)).toThrow('TCBInfo expired');
  });

  test('error: before its issue date the collateral is not yet valid', () => {
    expect(() => verifyAt(sim.collateral, NOW_MS - 2 * DAY_MS)).toThrow('TCBInfo issue date is in the future');
  });

  test('error: a tampered tcb_info or qe_identity fails its signature', () => {
    const tcbInfo = sim.collateral.tcb_info.replace('"UpToDate"', '"UpToDate" ');
    expect(() => verifyAt({ ...sim.collateral, tcb_info: tcbInfo }, NOW_MS)).toThrow('Signature is invalid for tcb_info');
    const qeIdentity = sim.collateral.qe_identity.replace('"isvprodid":2', '"isvprodid":2.0');
    expect(() => verifyAt({ ...sim.collateral, qe_identity: qeIdentity }, NOW_MS)).toThrow('Signature is invalid for qe_identity');
  });

  test('error: collateral of another seed does not verify this platform', () => {
    const foreign = createCollateral(createMockPki('another seed'), NOW_MS).collateral;
    expect(() => verifyAt(foreign, NOW_MS)).toThrow(/signature invalid/);
  });
});
