/**
 * The four PCCS (v4) routes dcap-qvl's unmodified `getCollateral(url, quote)` fetches, serving the
 * simulator's collateral: PCK CRL (DER), TDX TCB info, TD QE identity (issuer chains in
 * URL-encoded PEM headers, as Intel's services send them) and the root CA CRL (hex, PCCS style).
 * @module
 */
import { bytesToHex } from '@noble/hashes/utils';
import type { SimCollateral } from './collateral.ts';
import { SIM_FMSPC, toPem } from './pki.ts';

/** An HTTP reply, independent of the server that sends it. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

const json = { 'Content-Type': 'application/json' };
const notFound = (what: string): HttpReply => ({ status: 404, headers: json, body: JSON.stringify({ error: `${what} not found` }) });

/** The reply to GET `url`, or undefined if `url` is not a PCCS route. */
export function pccsReply(url: URL, collateral: () => SimCollateral): HttpReply | undefined {
  const query = url.searchParams;
  switch (url.pathname) {
    case '/sgx/certification/v4/pckcrl': {
      const ca = query.get('ca');
      if (ca !== 'processor' && ca !== 'platform') return { status: 400, headers: json, body: '{"error":"ca must be processor or platform"}' };
      const current = collateral();
      const chain = { 'SGX-PCK-CRL-Issuer-Chain': encodeURIComponent(current.collateral.pck_crl_issuer_chain) };
      return query.get('encoding') === 'der'
        ? { status: 200, headers: { ...chain, 'Content-Type': 'application/pkix-crl' }, body: current.pckCrl }
        : // Without `encoding=der` Intel's PCS answers PEM.
          { status: 200, headers: { ...chain, 'Content-Type': 'application/x-pem-file' }, body: toPem(current.pckCrl, 'X509 CRL') };
    }
    case '/tdx/certification/v4/tcb': {
      if (query.get('fmspc')?.toUpperCase() !== SIM_FMSPC) return notFound('TCB info for this FMSPC');
      const current = collateral();
      return {
        status: 200,
        headers: { ...json, 'TCB-Info-Issuer-Chain': encodeURIComponent(current.collateral.tcb_info_issuer_chain) },
        body: current.tcbInfoBody,
      };
    }
    case '/tdx/certification/v4/qe/identity': {
      const current = collateral();
      return {
        status: 200,
        headers: { ...json, 'SGX-Enclave-Identity-Issuer-Chain': encodeURIComponent(current.collateral.qe_identity_issuer_chain) },
        body: current.qeIdentityBody,
      };
    }
    case '/sgx/certification/v4/rootcacrl':
      return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: bytesToHex(collateral().rootCaCrl) };
    default:
      return undefined;
  }
}
