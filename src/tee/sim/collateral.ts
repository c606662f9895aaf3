/**
 * Signed DCAP collateral for the simulated platform, in exactly the `Collateral` shape dcap-qvl's
 * `verify` takes: TDX TCB info (version 3, the platform's FMSPC, an UpToDate and an OutOfDate
 * level), TD_QE identity (version 2, Intel's real values), empty CRLs, issuer chains, and raw
 * r||s signatures over the exact JSON strings. Dates follow an injected clock: issued one day
 * before `now`, next update 30 days after it, as Intel's collateral is.
 * @module
 */
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';
import type { Collateral } from '@phala/dcap-qvl';
import { type MockPki, SIM_FMSPC, SIM_PCE_SVN, issueEmptyCrl, signP256 } from './pki.ts';
import { TD_QE } from './quoting-enclave.ts';

const DAY_MS = 86_400_000;
/** Collateral is issued this long before the clock's `now`. */
export const COLLATERAL_BACKDATE_MS = DAY_MS;
/** Collateral expires (nextUpdate) this long after the clock's `now`. */
export const COLLATERAL_LIFETIME_MS = 30 * DAY_MS;
/** TEE_TCB_SVN of a simulated TD whose TCB is UpToDate (the value of a current real TDX module). */
export const SIM_TEE_TCB_SVN = hexToBytes('06010300000000000000000000000000');
/** TEE_TCB_SVN that matches only the OutOfDate TCB level: a TDX module one major SVN behind. */
export const SIM_TEE_TCB_SVN_OUT_OF_DATE = hexToBytes('04010300000000000000000000000000');
/** Advisory the OutOfDate level carries; a test-only ID, not one of Intel's. */
export const SIM_OUT_OF_DATE_ADVISORY = 'TEST-SA-00001';

/** Signed collateral plus the PCCS response bodies it was cut from. */
export interface SimCollateral {
  collateral: Collateral;
  /** PCCS `/tdx/certification/v4/tcb` body: `{"tcbInfo":…,"signature":…}`. */
  tcbInfoBody: string;
  /** PCCS `/tdx/certification/v4/qe/identity` body: `{"enclaveIdentity":…,"signature":…}`. */
  qeIdentityBody: string;
  rootCaCrl: Uint8Array;
  pckCrl: Uint8Array;
}

// Labels of the TCB components, copied from Intel's TCB info for TDX platforms.
const SGX_COMPONENT_LABELS: Array<{ category?: string; type?: string }> = [
  { category: 'BIOS', type: 'Early Microcode Update' },
  { category: 'OS/VMM', type: 'SGX Late Microcode Update' },
  { category: 'OS/VMM', type: 'TXT SINIT' },
  { category: 'BIOS' },
  { category: 'BIOS' },
  { category: 'BIOS' },
  {},
  { category: 'OS/VMM', type: 'SEAMLDR ACM' },
];
const TDX_COMPONENT_LABELS: Array<{ category?: string; type?: string }> = [
  { category: 'OS/VMM', type: 'TDX Module' },
  { category: 'OS/VMM', type: 'TDX Module' },
  { category: 'OS/VMM', type: 'TDX Late Microcode Update' },
];

function components(svns: Uint8Array, labels: Array<{ category?: string; type?: string }>) {
  return Array.from(svns, (svn, i) => ({ svn, ...labels[i] }));
}

/** Intel's date format: ISO 8601 to the second. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function tcbInfoJson(issueDate: string, nextUpdate: string): string {
  // Intel's current SGX level for this CPU family; the platform's CPUSVN meets it component-wise.
  const sgxComponents = components(hexToBytes('02020202030100050000000000000000'), SGX_COMPONENT_LABELS);
  const level = (teeTcbSvn: Uint8Array, pcesvn: number, tcbDate: string, tcbStatus: string, advisoryIDs?: string[]) => ({
    tcb: { sgxtcbcomponents: sgxComponents, pcesvn, tdxtcbcomponents: components(teeTcbSvn, TDX_COMPONENT_LABELS) },
    tcbDate,
    tcbStatus,
    ...(advisoryIDs && { advisoryIDs }),
  });
  const upToDate = hexToBytes('05000200000000000000000000000000');
  const outOfDate = hexToBytes('03000200000000000000000000000000');
  const noSigner = '0'.repeat(96);
  return JSON.stringify({
    id: 'TDX',
    version: 3,
    issueDate,
    nextUpdate,
    fmspc: SIM_FMSPC,
    pceId: '0000',
    tcbType: 0,
    tcbEvaluationDataNumber: 17,
    tdxModule: { mrsigner: noSigner, attributes: '0000000000000000', attributesMask: 'FFFFFFFFFFFFFFFF' },
    tdxModuleIdentities: [
      {
        id: 'TDX_01',
        mrsigner: noSigner,
        attributes: '0000000000000000',
        attributesMask: 'FFFFFFFFFFFFFFFF',
        tcbLevels: [{ tcb: { isvsvn: 4 }, tcbDate: '2024-03-13T00:00:00Z', tcbStatus: 'UpToDate' }],
      },
    ],
    tcbLevels: [
      level(upToDate, SIM_PCE_SVN, '2024-03-13T00:00:00Z', 'UpToDate'),
      level(outOfDate, 5, '2023-08-09T00:00:00Z', 'OutOfDate', [SIM_OUT_OF_DATE_ADVISORY]),
    ],
  });
}

function qeIdentityJson(issueDate: string, nextUpdate: string): string {
  return JSON.stringify({
    id: 'TD_QE',
    version: 2,
    issueDate,
    nextUpdate,
    tcbEvaluationDataNumber: 17,
    miscselect: '00000000',
    miscselectMask: 'FFFFFFFF',
    attributes: '11000000000000000000000000000000',
    attributesMask: 'FBFFFFFFFFFFFFFF0000000000000000',
    mrsigner: TD_QE.mrSigner,
    isvprodid: TD_QE.isvProdId,
    tcbLevels: [{ tcb: { isvsvn: TD_QE.isvSvn }, tcbDate: '2024-03-13T00:00:00Z', tcbStatus: 'UpToDate' }],
  });
}

/** The collateral `pki` signs for a verifier whose clock reads `nowMs`. */
export function createCollateral(pki: MockPki, nowMs: number): SimCollateral {
  const issued = nowMs - COLLATERAL_BACKDATE_MS;
  const expires = nowMs + COLLATERAL_LIFETIME_MS;
  const issueDate = isoSeconds(issued);
  const nextUpdate = isoSeconds(expires);
  const tcbInfo = tcbInfoJson(issueDate, nextUpdate);
  const qeIdentity = qeIdentityJson(issueDate, nextUpdate);
  const tcbInfoSignature = bytesToHex(signP256(pki.tcbSigner.secretKey, utf8ToBytes(tcbInfo)));
  const qeIdentitySignature = bytesToHex(signP256(pki.tcbSigner.secretKey, utf8ToBytes(qeIdentity)));
  const thisUpdate = new Date(Math.floor(issued / 1000) * 1000);
  const crlNextUpdate = new Date(Math.floor(expires / 1000) * 1000);
  const rootCaCrl = issueEmptyCrl(pki.root, thisUpdate, crlNextUpdate);
  const pckCrl = issueEmptyCrl(pki.pckCa, thisUpdate, crlNextUpdate);
  return {
    collateral: {
      pck_crl_issuer_chain: pki.pckCrlIssuerChainPem,
      root_ca_crl: bytesToHex(rootCaCrl),
      pck_crl: bytesToHex(pckCrl),
      tcb_info_issuer_chain: pki.tcbIssuerChainPem,
      tcb_info: tcbInfo,
      tcb_info_signature: tcbInfoSignature,
      qe_identity_issuer_chain: pki.tcbIssuerChainPem,
      qe_identity: qeIdentity,
      qe_identity_signature: qeIdentitySignature,
    },
    // Built around the exact signed strings: dcap-qvl's getCollateral re-serialises the parsed
    // object, and compact JSON.stringify output survives that round trip byte for byte.
    tcbInfoBody: `{"tcbInfo":${tcbInfo},"signature":"${tcbInfoSignature}"}`,
    qeIdentityBody: `{"enclaveIdentity":${qeIdentity},"signature":"${qeIdentitySignature}"}`,
    rootCaCrl,
    pckCrl,
  };
}
