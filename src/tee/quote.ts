/**
 * Intel TDX quotes, format version 4 (and the version 5 TD bodies when parsing): the byte layout,
 * a builder the dstack simulator signs genuine quotes with, and a parser for the fields a
 * verifier's policy checks (report data, MRTD, RTMRs, TEE TCB SVN, TD attributes). Signature and
 * certificate checking is dcap-qvl's job, not this module's.
 * @module
 */
import { concatBytes } from '@noble/hashes/utils';

/** Length of the quote header. */
export const QUOTE_HEADER_LENGTH = 48;
/** Length of a TD report body (TDREPORT 1.0). */
export const TD_REPORT10_LENGTH = 584;
/** Length of a TD 1.5 report body (adds TEE_TCB_SVN2 and MRSERVICETD). */
export const TD_REPORT15_LENGTH = 648;
/** Length of an SGX enclave report, the shape of the QE report. */
export const ENCLAVE_REPORT_LENGTH = 384;
/** Bytes 0..632 of a v4 TDX quote are what the attestation key signs. */
export const QUOTE_V4_SIGNED_LENGTH = QUOTE_HEADER_LENGTH + TD_REPORT10_LENGTH;
/** Quote version built here. */
export const QUOTE_VERSION_4 = 4;
/** Attestation key type 2: ECDSA-256 with P-256. */
export const ATTESTATION_KEY_TYPE_ECDSA_P256 = 2;
/** TEE type of TDX in the header. */
export const TEE_TYPE_TDX = 0x81;
/** Certification data type 5: PEM chain PCK leaf, intermediate CA, root. */
export const CERT_TYPE_PCK_CHAIN = 5;
/** Certification data type 6: QE report certification data wrapping a type 5 chain. */
export const CERT_TYPE_QE_REPORT = 6;
/** Intel's QE vendor ID. */
export const INTEL_QE_VENDOR_ID = Uint8Array.from([
  0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
]);
/** TD attributes with only SEPT_VE_DISABLE set: no debug, the production setting dcap-qvl demands. */
export const TD_ATTRIBUTES_PRODUCTION = Uint8Array.from([0, 0, 0, 0x10, 0, 0, 0, 0]);

/** Absolute offsets of the fields of a v4 TDX quote (tee-notes 3.1); add 6 for a v5 quote's body. */
export const TDX_V4_OFFSETS = Object.freeze({
  version: 0,
  attestationKeyType: 2,
  teeType: 4,
  qeVendorId: 12,
  userData: 28,
  teeTcbSvn: 48,
  mrSeam: 64,
  mrSignerSeam: 112,
  seamAttributes: 160,
  tdAttributes: 168,
  xfam: 176,
  mrTd: 184,
  mrConfigId: 232,
  mrOwner: 280,
  mrOwnerConfig: 328,
  rtmr0: 376,
  rtmr1: 424,
  rtmr2: 472,
  rtmr3: 520,
  reportData: 568,
  authDataLength: 632,
  signature: 636,
  attestationKey: 700,
  certificationData: 764,
});

/** The TD report body fields of a quote; unlisted optional fields are zero. */
export interface TdReportFields {
  /** TEE_TCB_SVN, 16 bytes: matched against the TCB info's TDX components. */
  teeTcbSvn: Uint8Array;
  /** TD attributes, 8 bytes. */
  tdAttributes: Uint8Array;
  /** MRTD, 48 bytes: the TD's initial contents (virtual firmware). */
  mrTd: Uint8Array;
  /** RTMR0-3, 48 bytes each. */
  rtmrs: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  /** REPORTDATA, 64 bytes: what the caller binds into the quote. */
  reportData: Uint8Array;
  mrSeam?: Uint8Array;
  mrSignerSeam?: Uint8Array;
  seamAttributes?: Uint8Array;
  xfam?: Uint8Array;
  mrConfigId?: Uint8Array;
  mrOwner?: Uint8Array;
  mrOwnerConfig?: Uint8Array;
}

/** What signs quotes: the attestation key and the QE's fixed certification data. */
export interface QuoteSigner {
  /** Header user data, 20 bytes (the QE ID and padding on Intel's QE). */
  userData: Uint8Array;
  /** Attestation public key, 64 bytes x||y. */
  attestationPublicKey: Uint8Array;
  /** Raw r||s P-256 ECDSA signature over sha256(message) by the attestation key. */
  sign(message: Uint8Array): Uint8Array;
  /** Type 6 certification data (type, size and body), from {@link qeReportCertificationData}. */
  certificationData: Uint8Array;
}

/** Fields of an SGX enclave report (the QE report); unlisted ones are zero. */
export interface EnclaveReportFields {
  cpuSvn: Uint8Array;
  miscSelect: number;
  attributes: Uint8Array;
  mrEnclave: Uint8Array;
  mrSigner: Uint8Array;
  isvProdId: number;
  isvSvn: number;
  reportData: Uint8Array;
}

function put(target: Uint8Array, offset: number, bytes: Uint8Array, length: number, name: string): void {
  if (bytes.length !== length) throw new RangeError(`${name} must be ${length} bytes, got ${bytes.length}`);
  target.set(bytes, offset);
}

/** The 384-byte SGX enclave report with `fields`. */
export function enclaveReport(fields: EnclaveReportFields): Uint8Array {
  const report = new Uint8Array(ENCLAVE_REPORT_LENGTH);
  const view = new DataView(report.buffer);
  put(report, 0, fields.cpuSvn, 16, 'cpuSvn');
  view.setUint32(16, fields.miscSelect, true);
  put(report, 48, fields.attributes, 16, 'attributes');
  put(report, 64, fields.mrEnclave, 32, 'mrEnclave');
  put(report, 128, fields.mrSigner, 32, 'mrSigner');
  view.setUint16(256, fields.isvProdId, true);
  view.setUint16(258, fields.isvSvn, true);
  put(report, 320, fields.reportData, 64, 'reportData');
  return report;
}

function certificationData(type: number, body: Uint8Array): Uint8Array {
  const head = new Uint8Array(6);
  const view = new DataView(head.buffer);
  view.setUint16(0, type, true);
  view.setUint32(2, body.length, true);
  return concatBytes(head, body);
}

/**
 * Type 6 certification data: the QE report, its signature by the PCK key, the QE auth data, and
 * the type 5 PEM chain that certifies the PCK key.
 */
export function qeReportCertificationData(parts: {
  qeReport: Uint8Array;
  qeReportSignature: Uint8Array;
  qeAuthData: Uint8Array;
  pckChainPem: string;
}): Uint8Array {
  if (parts.qeReport.length !== ENCLAVE_REPORT_LENGTH) throw new RangeError('QE report must be 384 bytes');
  if (parts.qeReportSignature.length !== 64) throw new RangeError('QE report signature must be 64 bytes');
  const authLength = new Uint8Array(2);
  new DataView(authLength.buffer).setUint16(0, parts.qeAuthData.length, true);
  const chain = certificationData(CERT_TYPE_PCK_CHAIN, new TextEncoder().encode(parts.pckChainPem));
  return certificationData(
    CERT_TYPE_QE_REPORT,
    concatBytes(parts.qeReport, parts.qeReportSignature, authLength, parts.qeAuthData, chain),
  );
}

/** A signed v4 TDX quote of `fields`. */
export function buildTdxQuote(fields: TdReportFields, signer: QuoteSigner): Uint8Array {
  const o = TDX_V4_OFFSETS;
  const zeros = (length: number) => new Uint8Array(length);
  const authLength = 64 + 64 + signer.certificationData.length;
  const quote = new Uint8Array(o.attestationKey + 64 + signer.certificationData.length);
  const view = new DataView(quote.buffer);
  view.setUint16(o.version, QUOTE_VERSION_4, true);
  view.setUint16(o.attestationKeyType, ATTESTATION_KEY_TYPE_ECDSA_P256, true);
  view.setUint32(o.teeType, TEE_TYPE_TDX, true);
  quote.set(INTEL_QE_VENDOR_ID, o.qeVendorId);
  put(quote, o.userData, signer.userData, 20, 'userData');
  put(quote, o.teeTcbSvn, fields.teeTcbSvn, 16, 'teeTcbSvn');
  put(quote, o.mrSeam, fields.mrSeam ?? zeros(48), 48, 'mrSeam');
  put(quote, o.mrSignerSeam, fields.mrSignerSeam ?? zeros(48), 48, 'mrSignerSeam');
  put(quote, o.seamAttributes, fields.seamAttributes ?? zeros(8), 8, 'seamAttributes');
  put(quote, o.tdAttributes, fields.tdAttributes, 8, 'tdAttributes');
  put(quote, o.xfam, fields.xfam ?? zeros(8), 8, 'xfam');
  put(quote, o.mrTd, fields.mrTd, 48, 'mrTd');
  put(quote, o.mrConfigId, fields.mrConfigId ?? zeros(48), 48, 'mrConfigId');
  put(quote, o.mrOwner, fields.mrOwner ?? zeros(48), 48, 'mrOwner');
  put(quote, o.mrOwnerConfig, fields.mrOwnerConfig ?? zeros(48), 48, 'mrOwnerConfig');
  fields.rtmrs.forEach((rtmr, i) => put(quote, o.rtmr0 + 48 * i, rtmr, 48, `rtmr${i}`));
  put(quote, o.reportData, fields.reportData, 64, 'reportData');
  view.setUint32(o.authDataLength, authLength, true);
  put(quote, o.signature, signer.sign(quote.subarray(0, QUOTE_V4_SIGNED_LENGTH)), 64, 'quote signature');
  put(quote, o.attestationKey, signer.attestationPublicKey, 64, 'attestationPublicKey');
  quote.set(signer.certificationData, o.certificationData);
  return quote;
}

/** The policy-relevant fields of a TDX quote. */
export interface ParsedTdxQuote {
  version: number;
  /** 'td10' for TDREPORT 1.0 bodies, 'td15' for TD 1.5 bodies (v5 only). */
  bodyType: 'td10' | 'td15';
  userData: Uint8Array;
  teeTcbSvn: Uint8Array;
  mrSeam: Uint8Array;
  tdAttributes: Uint8Array;
  xfam: Uint8Array;
  mrTd: Uint8Array;
  mrConfigId: Uint8Array;
  mrOwner: Uint8Array;
  mrOwnerConfig: Uint8Array;
  rtmrs: [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  reportData: Uint8Array;
  /** How many leading bytes the attestation key signed. */
  signedLength: number;
}

/** Error for bytes that are not a TDX v4/v5 quote. */
export class QuoteFormatError extends Error {
  override name = 'QuoteFormatError';
}

/** Parses the header and TD report of a TDX v4 or v5 quote (no signature checks). */
export function parseTdxQuote(quote: Uint8Array): ParsedTdxQuote {
  if (quote.length < QUOTE_V4_SIGNED_LENGTH) throw new QuoteFormatError(`quote too short: ${quote.length} bytes`);
  const view = new DataView(quote.buffer, quote.byteOffset, quote.byteLength);
  const version = view.getUint16(0, true);
  if (view.getUint32(TDX_V4_OFFSETS.teeType, true) !== TEE_TYPE_TDX) throw new QuoteFormatError('not a TDX quote');
  let shift = 0;
  let bodyType: ParsedTdxQuote['bodyType'] = 'td10';
  if (version === 5) {
    // v5 puts a (type u16, size u32) body descriptor between the header and the body.
    const type = view.getUint16(QUOTE_HEADER_LENGTH, true);
    if (type !== 2 && type !== 3) throw new QuoteFormatError(`unsupported v5 body type ${type}`);
    bodyType = type === 3 ? 'td15' : 'td10';
    shift = 6;
  } else if (version !== QUOTE_VERSION_4) {
    throw new QuoteFormatError(`unsupported quote version ${version}`);
  }
  const signedLength =
    QUOTE_HEADER_LENGTH + shift + (bodyType === 'td15' ? TD_REPORT15_LENGTH : TD_REPORT10_LENGTH);
  if (quote.length < signedLength) throw new QuoteFormatError(`quote too short: ${quote.length} bytes`);
  const o = TDX_V4_OFFSETS;
  const at = (offset: number, length: number, bodyField = true) =>
    quote.slice(offset + (bodyField ? shift : 0), offset + (bodyField ? shift : 0) + length);
  return {
    version,
    bodyType,
    userData: at(o.userData, 20, false),
    teeTcbSvn: at(o.teeTcbSvn, 16),
    mrSeam: at(o.mrSeam, 48),
    tdAttributes: at(o.tdAttributes, 8),
    xfam: at(o.xfam, 8),
    mrTd: at(o.mrTd, 48),
    mrConfigId: at(o.mrConfigId, 48),
    mrOwner: at(o.mrOwner, 48),
    mrOwnerConfig: at(o.mrOwnerConfig, 48),
    rtmrs: [at(o.rtmr0, 48), at(o.rtmr1, 48), at(o.rtmr2, 48), at(o.rtmr3, 48)],
    reportData: at(o.reportData, 64),
    signedLength,
  };
}
