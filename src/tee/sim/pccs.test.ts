import { bytesToHex } from '@noble/hashes/utils';
import { describe, expect, test } from 'vitest';
import { createCollateral } from './collateral.ts';
import { pccsReply } from './pccs.ts';
import { SIM_FMSPC, createMockPki, toPem } from './pki.ts';

const pki = createMockPki('pccs-test');
const sim = createCollateral(pki, Date.UTC(2026, 10, 1));
const get = (path: string) => pccsReply(new URL(path, 'http://pccs.test'), () => sim);

describe('mock PCCS routes', () => {
  test('default: TCB info and QE identity with their URL-encoded issuer chains', () => {
    const tcb = get(`/tdx/certification/v4/tcb?fmspc=${SIM_FMSPC.toLowerCase()}`)!;
    expect(tcb.status).toBe(200);
    expect(tcb.body).toBe(sim.tcbInfoBody);
    expect(decodeURIComponent(tcb.headers['TCB-Info-Issuer-Chain']!)).toBe(sim.collateral.tcb_info_issuer_chain);
    const qe = get('/tdx/certification/v4/qe/identity?update=standard')!;
    expect(qe.body).toBe(sim.qeIdentityBody);
    expect(decodeURIComponent(qe.headers['SGX-Enclave-Identity-Issuer-Chain']!)).toBe(sim.collateral.qe_identity_issuer_chain);
  });

  test('behavior: PCK CRL as DER (or PEM), root CA CRL as hex', () => {
    for (const ca of ['processor', 'platform']) {
      const der = get(`/sgx/certification/v4/pckcrl?ca=${ca}&encoding=der`)!;
      expect(der.body).toEqual(sim.pckCrl);
      expect(decodeURIComponent(der.headers['SGX-PCK-CRL-Issuer-Chain']!)).toBe(sim.collateral.pck_crl_issuer_chain);
    }
    expect(get('/sgx/certification/v4/pckcrl?ca=platform')!.body).toBe(toPem(sim.pckCrl, 'X509 CRL'));
    expect(get('/sgx/certification/v4/rootcacrl')!.body).toBe(bytesToHex(sim.rootCaCrl));
  });

  test('error: unknown FMSPC is 404, a bad CA type 400, other paths are not PCCS routes', () => {
    expect(get('/tdx/certification/v4/tcb?fmspc=B0C06F000000')!.status).toBe(404);
    expect(get('/tdx/certification/v4/tcb')!.status).toBe(404);
    expect(get('/sgx/certification/v4/pckcrl?ca=root&encoding=der')!.status).toBe(400);
    expect(get('/sgx/certification/v4/tcb?fmspc=' + SIM_FMSPC)).toBeUndefined();
    expect(get('/GetQuote')).toBeUndefined();
  });
});
