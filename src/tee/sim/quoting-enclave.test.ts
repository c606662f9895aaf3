import { sha256 } from '@noble/hashes/sha2';
import { concatBytes } from '@noble/hashes/utils';
import { type AuthDataV4, Quote, QuoteVerifier, verify } from '@phala/dcap-qvl';
import { describe, expect, test } from 'vitest';
import { TDX_V4_OFFSETS, TD_ATTRIBUTES_PRODUCTION, type TdReportFields, buildTdxQuote } from '../quote.ts';
import { SIM_OUT_OF_DATE_ADVISORY, SIM_TEE_TCB_SVN, SIM_TEE_TCB_SVN_OUT_OF_DATE, createCollateral } from './collateral.ts';
import { createMockPki } from './pki.ts';
import { createQuotingEnclave } from './quoting-enclave.ts';

const SEED = 'quoting-enclave-test';
const NOW_MS = Date.UTC(2026, 10, 1);
const NOW = NOW_MS / 1000;
const pki = createMockPki(SEED);
const qe = createQuotingEnclave(SEED, pki);
const { collateral } = createCollateral(pki, NOW_MS);
const verifier = QuoteVerifier.newWithRootCa(Buffer.from(pki.root.der));
const fields: TdReportFields = {
  teeTcbSvn: SIM_TEE_TCB_SVN,
  tdAttributes: TD_ATTRIBUTES_PRODUCTION,
  mrTd: new Uint8Array(48).fill(1),
  rtmrs: [new Uint8Array(48), new Uint8Array(48), new Uint8Array(48), new Uint8Array(48).fill(3)],
  reportData: new Uint8Array(64).fill(0x5a),
};
const flipped = (quote: Uint8Array, offset: number) => {
  const copy = quote.slice();
  copy[offset]! ^= 1;
  return copy;
};

describe('simulated TD quoting enclave', () => {
  test('default: its quotes verify UpToDate under the test root, report data intact', () => {
    const quote = buildTdxQuote(fields, qe);
    const report = verifier.verify(quote, collateral, NOW);
    expect(report.status).toBe('UpToDate');
    expect(report.advisory_ids).toEqual([]);
    expect(report.report.asTd10()!.reportData).toEqual(fields.reportData);
  });

  test('behavior: the QE report binds the attestation key: sha256(key || auth data)', () => {
    const auth = (Quote.parse(buildTdxQuote(fields, qe)).authData.data as AuthDataV4).qeReportData;
    expect(auth.qeReport.subarray(320, 352)).toEqual(sha256(concatBytes(qe.attestationPublicKey, auth.qeAuthData)));
  });

  test('behavior: same seed, same attestation key and certification data', () => {
    const again = createQuotingEnclave(SEED, createMockPki(SEED));
    expect(again.attestationPublicKey).toEqual(qe.attestationPublicKey);
    expect(again.certificationData).toEqual(qe.certificationData);
    expect(again.userData).toEqual(qe.userData);
  });

  test('behavior: a lower TEE_TCB_SVN verifies OutOfDate with its advisory', () => {
    const report = verifier.verify(buildTdxQuote({ ...fields, teeTcbSvn: SIM_TEE_TCB_SVN_OUT_OF_DATE }, qe), collateral, NOW);
    expect(report.status).toBe('OutOfDate');
    expect(report.advisory_ids).toEqual([SIM_OUT_OF_DATE_ADVISORY]);
  });

  test('error: a TEE_TCB_SVN below every level matches none', () => {
    const quote = buildTdxQuote({ ...fields, teeTcbSvn: new Uint8Array(16) }, qe);
    expect(() => verifier.verify(quote, collateral, NOW)).toThrow('No matching TCB level found');
  });

  test('error: Intel\'s production root rejects the quote', () => {
    expect(() => verify(buildTdxQuote(fields, qe), collateral, NOW)).toThrow(/certificate chain .*signature invalid/);
  });

  test('error: another seed\'s root rejects the quote', () => {
    const stranger = QuoteVerifier.newWithRootCa(Buffer.from(createMockPki('another seed').root.der));
    expect(() => stranger.verify(buildTdxQuote(fields, qe), collateral, NOW)).toThrow(/signature invalid/);
  });

  test('error: a flipped report_data or MRTD bit breaks the quote signature', () => {
    const quote = buildTdxQuote(fields, qe);
    for (const offset of [TDX_V4_OFFSETS.reportData, TDX_V4_OFFSETS.mrTd + 7, TDX_V4_OFFSETS.rtmr3]) {
      expect(() => verifier.verify(flipped(quote, offset), collateral, NOW)).toThrow('ISV enclave report signature is invalid');
    }
  });

  test('error: a flipped QE report bit breaks the PCK signature over it', () => {
    const qeReportOffset = TDX_V4_OFFSETS.certificationData + 6;
    expect(() => verifier.verify(flipped(buildTdxQuote(fields, qe), qeReportOffset + 100), collateral, NOW)).toThrow(
      'Signature is invalid for qe_report in quote',
    );
  });

  test('error: a debug TD is refused', () => {
    const debug = Uint8Array.from([1, 0, 0, 0x10, 0, 0, 0, 0]);
    expect(() => verifier.verify(buildTdxQuote({ ...fields, tdAttributes: debug }, qe), collateral, NOW)).toThrow(
      'Debug mode is enabled',
    );
  });
});
