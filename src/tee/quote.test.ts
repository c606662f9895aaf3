import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { concatBytes } from '@noble/hashes/utils';
import { type AuthDataV4, Quote } from '@phala/dcap-qvl';
import { describe, expect, test } from 'vitest';
import {
  ENCLAVE_REPORT_LENGTH,
  QUOTE_V4_SIGNED_LENGTH,
  QuoteFormatError,
  type QuoteSigner,
  TDX_V4_OFFSETS,
  TD_ATTRIBUTES_PRODUCTION,
  type TdReportFields,
  buildTdxQuote,
  enclaveReport,
  parseTdxQuote,
  qeReportCertificationData,
} from './quote.ts';

const attestationKey = sha256(new TextEncoder().encode('quote-test attestation key'));
const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const filled = (length: number, byte: number) => new Uint8Array(length).fill(byte);
const qeReport = enclaveReport({
  cpuSvn: filled(16, 1),
  miscSelect: 0x01020304,
  attributes: filled(16, 2),
  mrEnclave: filled(32, 3),
  mrSigner: filled(32, 4),
  isvProdId: 2,
  isvSvn: 0x0506,
  reportData: filled(64, 5),
});
const signer: QuoteSigner = {
  userData: filled(20, 0xee),
  attestationPublicKey: p256.getPublicKey(attestationKey, false).slice(1),
  sign: (message) => p256.sign(sha256(message), attestationKey).toCompactRawBytes(),
  certificationData: qeReportCertificationData({
    qeReport,
    qeReportSignature: filled(64, 6),
    qeAuthData: filled(32, 7),
    pckChainPem: PEM,
  }),
};
const fields: TdReportFields = {
  teeTcbSvn: filled(16, 0x11),
  tdAttributes: TD_ATTRIBUTES_PRODUCTION,
  mrTd: filled(48, 0x22),
  rtmrs: [filled(48, 0x30), filled(48, 0x31), filled(48, 0x32), filled(48, 0x33)],
  reportData: filled(64, 0x44),
  mrConfigId: filled(48, 0x55),
  xfam: filled(8, 0x66),
};

describe('TDX v4 quotes', () => {
  test('default: the layout of tee-notes 3.1, read back identically by dcap-qvl', () => {
    const quote = buildTdxQuote(fields, signer);
    const view = new DataView(quote.buffer);
    expect(view.getUint16(0, true)).toBe(4);
    expect(view.getUint16(2, true)).toBe(2);
    expect(view.getUint32(4, true)).toBe(0x81);
    expect(quote.subarray(568, 632)).toEqual(fields.reportData);
    expect(quote.subarray(520, 568)).toEqual(fields.rtmrs[3]);
    expect(view.getUint32(632, true)).toBe(quote.length - 636);
    expect(view.getUint16(764, true)).toBe(6);

    const parsed = Quote.parse(quote);
    const td = parsed.report.asTd10()!;
    expect(parsed.header.version).toBe(4);
    expect(parsed.signedLength()).toBe(QUOTE_V4_SIGNED_LENGTH);
    expect(td.teeTcbSvn).toEqual(fields.teeTcbSvn);
    expect(td.mrTd).toEqual(fields.mrTd);
    expect([td.rtMr0, td.rtMr1, td.rtMr2, td.rtMr3]).toEqual([...fields.rtmrs]);
    expect(td.reportData).toEqual(fields.reportData);
    expect(td.mrConfigId).toEqual(fields.mrConfigId);
    expect(td.mrOwner).toEqual(new Uint8Array(48));
    const auth = parsed.authData.data as AuthDataV4;
    expect(auth.qeReportData.qeReport).toEqual(qeReport);
    expect(auth.qeReportData.qeAuthData).toEqual(filled(32, 7));
    expect(auth.qeReportData.certificationData.certType).toBe(5);
    expect(new TextDecoder().decode(parsed.rawCertChain())).toBe(PEM);
  });

  test('behavior: the attestation key signs exactly bytes 0..632', () => {
    const quote = buildTdxQuote(fields, signer);
    const signature = quote.subarray(TDX_V4_OFFSETS.signature, TDX_V4_OFFSETS.signature + 64);
    const publicKey = concatBytes(new Uint8Array([4]), quote.subarray(TDX_V4_OFFSETS.attestationKey, TDX_V4_OFFSETS.attestationKey + 64));
    expect(p256.verify(signature, sha256(quote.subarray(0, 632)), publicKey)).toBe(true);
  });

  test('behavior: parseTdxQuote returns the fields built into the quote', () => {
    const parsed = parseTdxQuote(buildTdxQuote(fields, signer));
    expect(parsed).toMatchObject({ version: 4, bodyType: 'td10', signedLength: 632 });
    expect(parsed.userData).toEqual(signer.userData);
    expect(parsed.teeTcbSvn).toEqual(fields.teeTcbSvn);
    expect(parsed.tdAttributes).toEqual(fields.tdAttributes);
    expect(parsed.xfam).toEqual(fields.xfam);
    expect(parsed.mrTd).toEqual(fields.mrTd);
    expect(parsed.mrConfigId).toEqual(fields.mrConfigId);
    expect(parsed.rtmrs).toEqual([...fields.rtmrs]);
    expect(parsed.reportData).toEqual(fields.reportData);
  });

  test('behavior: v5 quotes are parsed past their body descriptor', () => {
    const v4 = buildTdxQuote(fields, signer);
    const descriptor = new Uint8Array(6);
    new DataView(descriptor.buffer).setUint16(0, 2, true);
    new DataView(descriptor.buffer).setUint32(2, 584, true);
    const v5 = concatBytes(v4.subarray(0, 48), descriptor, v4.subarray(48));
    new DataView(v5.buffer).setUint16(0, 5, true);
    const parsed = parseTdxQuote(v5);
    expect(parsed).toMatchObject({ version: 5, bodyType: 'td10', signedLength: 638 });
    expect(parsed.reportData).toEqual(fields.reportData);
    expect(parsed.rtmrs[3]).toEqual(fields.rtmrs[3]);
    expect(Quote.parse(v5).report.asTd10()!.reportData).toEqual(parsed.reportData);
  });

  test('behavior: the QE report has the SGX enclave report layout', () => {
    expect(qeReport).toHaveLength(ENCLAVE_REPORT_LENGTH);
    const view = new DataView(qeReport.buffer);
    expect(view.getUint32(16, true)).toBe(0x01020304);
    expect(qeReport.subarray(48, 64)).toEqual(filled(16, 2));
    expect(qeReport.subarray(64, 96)).toEqual(filled(32, 3));
    expect(qeReport.subarray(128, 160)).toEqual(filled(32, 4));
    expect(view.getUint16(256, true)).toBe(2);
    expect(view.getUint16(258, true)).toBe(0x0506);
    expect(qeReport.subarray(320)).toEqual(filled(64, 5));
  });

  test('error: wrong field sizes are refused when building', () => {
    expect(() => buildTdxQuote({ ...fields, reportData: new Uint8Array(32) }, signer)).toThrow(/reportData must be 64 bytes/);
    expect(() => buildTdxQuote({ ...fields, mrTd: new Uint8Array(47) }, signer)).toThrow(RangeError);
    expect(() => buildTdxQuote(fields, { ...signer, userData: new Uint8Array(16) })).toThrow(/userData/);
  });

  test('error: non-TDX, truncated and unknown-version quotes are refused when parsing', () => {
    const quote = buildTdxQuote(fields, signer);
    expect(() => parseTdxQuote(quote.subarray(0, 600))).toThrow(QuoteFormatError);
    const sgx = quote.slice();
    new DataView(sgx.buffer).setUint32(4, 0, true);
    expect(() => parseTdxQuote(sgx)).toThrow(/not a TDX quote/);
    const v3 = quote.slice();
    new DataView(v3.buffer).setUint16(0, 3, true);
    expect(() => parseTdxQuote(v3)).toThrow(/unsupported quote version 3/);
  });
});
