/**
 * The simulator's TD Quoting Enclave: a seeded attestation key, and a QE report that binds it
 * (report_data = sha256(attestation key || QE auth data)) signed by the mock PCK key. The QE
 * report mirrors Intel's real TD QE (MRSIGNER, ISVPRODID, attributes), so the collateral's QE
 * identity can mirror Intel's too. The QE report is fixed per seed and signed once; each quote
 * costs one ECDSA signature, made by Node's native crypto because it is ~10x faster than pure JS
 * (quotes are therefore randomised like real ones; everything else is deterministic).
 * @module
 */
import { createPrivateKey, sign } from 'node:crypto';
import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { concatBytes, hexToBytes } from '@noble/hashes/utils';
import { type QuoteSigner, enclaveReport, qeReportCertificationData } from '../quote.ts';
import { type MockPki, signP256 } from './pki.ts';
import { seededBytes, seededP256Key } from './seeded.ts';

/** Identity of Intel's TD Quoting Enclave, as its QE reports and Intel's TD_QE identity state it. */
export const TD_QE = Object.freeze({
  mrSigner: 'DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5',
  mrEnclave: 'E5A3A7B5D830C2953B98534C6C59A3A34FDC34E933F7F5898F0A85CF08846BCA',
  isvProdId: 2,
  isvSvn: 4,
  miscSelect: 0,
  /** Report attributes: INIT, MODE64BIT and PROVISIONKEY set, as on Intel's QE. */
  attributes: '1500000000000000E700000000000000',
  cpuSvn: '0303191B04FF00060000000000000000',
});

/** QE auth data: Intel's QE sends these 32 bytes. */
const QE_AUTH_DATA = Uint8Array.from({ length: 32 }, (_, i) => i);

/** The quote signer of the simulated platform of `seed`, certified by `pki`'s PCK leaf. */
export function createQuotingEnclave(seed: string, pki: MockPki): QuoteSigner {
  const attestationKey = seededP256Key(seed, 'attestation-key');
  const publicKey = p256.getPublicKey(attestationKey, false);
  const attestationPublicKey = publicKey.slice(1);
  const qeReport = enclaveReport({
    cpuSvn: hexToBytes(TD_QE.cpuSvn),
    miscSelect: TD_QE.miscSelect,
    attributes: hexToBytes(TD_QE.attributes),
    mrEnclave: hexToBytes(TD_QE.mrEnclave),
    mrSigner: hexToBytes(TD_QE.mrSigner),
    isvProdId: TD_QE.isvProdId,
    isvSvn: TD_QE.isvSvn,
    reportData: concatBytes(sha256(concatBytes(attestationPublicKey, QE_AUTH_DATA)), new Uint8Array(32)),
  });
  const key = createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: Buffer.from(attestationKey).toString('base64url'),
      x: Buffer.from(publicKey.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(publicKey.subarray(33)).toString('base64url'),
    },
  });
  return {
    // Header user data: a 16-byte QE ID and 4 zero bytes, as Intel's QE fills it.
    userData: concatBytes(seededBytes(seed, 'qe-id', 16), new Uint8Array(4)),
    attestationPublicKey,
    sign: (message) => new Uint8Array(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })),
    certificationData: qeReportCertificationData({
      qeReport,
      qeReportSignature: signP256(pki.pckLeaf.secretKey, qeReport),
      qeAuthData: QE_AUTH_DATA,
      pckChainPem: pki.pckChainPem,
    }),
  };
}
