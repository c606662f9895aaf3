import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';
import { Quote, intel, utils } from '@phala/dcap-qvl';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { describe, expect, test } from 'vitest';
import {
  MOCK_PKI_NOT_AFTER,
  MOCK_PKI_NOT_BEFORE,
  SIM_CPU_SVN,
  SIM_FMSPC,
  SIM_PCE_SVN,
  createMockPki,
  issueEmptyCrl,
  signP256,
} from './pki.ts';

const SAMPLE_QUOTE = path.resolve(import.meta.dirname, '../../../../shared/fixtures/tdx-sample/tdx_quote');
const pki = createMockPki('pki-test');
const x509 = (der: Uint8Array) => new X509Certificate(Buffer.from(der));

/** The shape of a DER tree: tags, and OIDs spelled out, with every other value left out. */
function skeleton(der: Uint8Array): string[] {
  const out: string[] = [];
  const walk = (start: number, end: number, depth: number) => {
    for (let at = start; at < end; ) {
      const tag = der[at]!;
      let length = der[at + 1]!;
      let header = 2;
      if (length & 0x80) {
        const count = length & 0x7f;
        length = 0;
        for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i]!;
        header += count;
      }
      const content = der.subarray(at + header, at + header + length);
      out.push(`${depth}:${tag.toString(16)}${tag === 0x06 ? `:${bytesToHex(content)}` : ''}`);
      if (tag & 0x20) walk(at + header, at + header + length, depth + 1);
      at += header + length;
    }
  };
  walk(0, der.length, 0);
  return out;
}

describe('mock DCAP PKI', () => {
  test('default: root -> PCK Platform CA -> PCK leaf, and root -> TCB signer, all TEST ONLY, 2020-2100', () => {
    const [root, pckCa, pckLeaf, tcbSigner] = [pki.root, pki.pckCa, pki.pckLeaf, pki.tcbSigner].map((c) => x509(c.der));
    expect(root!.verify(root!.publicKey)).toBe(true);
    expect(pckCa!.verify(root!.publicKey)).toBe(true);
    expect(pckLeaf!.verify(pckCa!.publicKey)).toBe(true);
    expect(tcbSigner!.verify(root!.publicKey)).toBe(true);
    expect([root!.ca, pckCa!.ca, pckLeaf!.ca, tcbSigner!.ca]).toEqual([true, true, false, false]);
    for (const certificate of [root!, pckCa!, pckLeaf!, tcbSigner!]) {
      expect(certificate.subject).toContain('TEST ONLY');
      expect(new Date(certificate.validFrom)).toEqual(MOCK_PKI_NOT_BEFORE);
      expect(new Date(certificate.validTo)).toEqual(MOCK_PKI_NOT_AFTER);
    }
    expect(pckLeaf!.issuer).toContain('PCK Platform CA');
    expect(pki.pckChainPem).toBe(pki.pckLeaf.pem + pki.pckCa.pem + pki.root.pem);
  });

  test('behavior: dcap-qvl verifies each chain to the test root, and not to Intel\'s', () => {
    const verifyChain = (pem: string, root: Buffer) => {
      const [leaf, ...rest] = utils.extractCerts(Buffer.from(pem));
      utils.verifyCertificateChain(leaf!, rest.slice(0, -1), Date.UTC(2030, 0, 1) / 1000, [], root);
    };
    for (const chain of [pki.pckChainPem, pki.tcbIssuerChainPem]) {
      expect(() => verifyChain(chain, Buffer.from(pki.root.der))).not.toThrow();
      expect(() => verifyChain(chain, Buffer.from(createMockPki('other seed').root.der))).toThrow(/signature invalid/);
    }
  });

  test('behavior: same seed, byte-identical PKI; another seed, another one', () => {
    const again = createMockPki('pki-test');
    expect(again.root.der).toEqual(pki.root.der);
    expect(again.pckChainPem).toBe(pki.pckChainPem);
    expect(again.tcbIssuerChainPem).toBe(pki.tcbIssuerChainPem);
    expect(createMockPki('pki-test2').root.der).not.toEqual(pki.root.der);
  });

  test('behavior: dcap-qvl reads FMSPC, CPUSVN and PCESVN from the PCK leaf', () => {
    const extension = utils.getIntelExtension(Buffer.from(pki.pckLeaf.der));
    expect(bytesToHex(utils.getFmspc(extension)).toUpperCase()).toBe(SIM_FMSPC);
    expect(new Uint8Array(utils.getCpuSvn(extension))).toEqual(SIM_CPU_SVN);
    expect(utils.getPceSvn(extension)).toBe(SIM_PCE_SVN);
  });

  test.skipIf(!existsSync(SAMPLE_QUOTE))('behavior: the SGX extension has the exact shape of a real Intel PCK leaf', () => {
    const quote = Quote.parse(readFileSync(SAMPLE_QUOTE));
    const [intelLeaf] = utils.extractCerts(Buffer.from(quote.rawCertChain()));
    const intelExtension = utils.getIntelExtension(intelLeaf!);
    const ours = utils.getIntelExtension(Buffer.from(pki.pckLeaf.der));
    expect(skeleton(ours)).toEqual(skeleton(intelExtension));
    // dcap-qvl 0.3.9 fails on the SGX type ENUMERATED of real leaves (so `ppid` comes back empty); ours alike.
    expect(() => intel.parsePckExtension(intelLeaf!)).toThrow(/ENUMERATED/);
    expect(() => intel.parsePckExtension(Buffer.from(pki.pckLeaf.der))).toThrow(/ENUMERATED/);
  });

  test('behavior: empty CRLs are signed by their issuer and parse in dcap-qvl', () => {
    const thisUpdate = new Date('2026-01-01T00:00:00Z');
    const nextUpdate = new Date('2026-01-31T00:00:00Z');
    for (const issuer of [pki.root, pki.pckCa]) {
      const der = issueEmptyCrl(issuer, thisUpdate, nextUpdate);
      const crl = AsnConvert.parse(der, CertificateList);
      expect(crl.tbsCertList.revokedCertificates).toBeUndefined();
      expect(crl.tbsCertList.thisUpdate.getTime()).toEqual(thisUpdate);
      const tbs = new Uint8Array(AsnConvert.serialize(crl.tbsCertList));
      const publicKey = p256.getPublicKey(issuer.secretKey, false);
      expect(p256.verify(new Uint8Array(crl.signature), sha256(tbs), publicKey, { format: 'der' })).toBe(true);
      expect(utils.CertificateList.decode(Buffer.from(der), 'der').tbsCertList.revokedCertificates).toBeUndefined();
    }
    expect(issueEmptyCrl(pki.root, thisUpdate, nextUpdate)).toEqual(issueEmptyCrl(pki.root, thisUpdate, nextUpdate));
  });

  test('behavior: raw signatures are deterministic r||s over sha256', () => {
    const message = new TextEncoder().encode('{"id":"TDX"}');
    const signature = signP256(pki.tcbSigner.secretKey, message);
    expect(signature).toHaveLength(64);
    expect(signP256(pki.tcbSigner.secretKey, message)).toEqual(signature);
    expect(p256.verify(signature, sha256(message), p256.getPublicKey(pki.tcbSigner.secretKey))).toBe(true);
  });
});
