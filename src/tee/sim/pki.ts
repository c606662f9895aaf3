/**
 * A mock Intel DCAP PKI derived from a seed: a TEST ONLY root CA, a PCK Platform CA, a PCK leaf
 * carrying the SGX extension, and a TCB-info / QE-identity signing leaf, shaped like Intel's so
 * that dcap-qvl verifies the simulator's quotes unmodified once it trusts this root. Signatures
 * are deterministic ECDSA (RFC 6979), so a seed gives byte-identical certificates on every run.
 * @module
 */
import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { hexToBytes } from '@noble/hashes/utils';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CRLNumber,
  Certificate,
  CertificateList,
  Extension,
  Extensions,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertList,
  TBSCertificate,
  Time,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_cRLNumber,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { objectIdentifier } from './der.ts';
import { seededBytes, seededP256Key } from './seeded.ts';
import { type PckPlatform, SGX_EXTENSION_OID, sgxExtensionValue } from './sgx-extension.ts';

/** Start of every mock certificate's validity. */
export const MOCK_PKI_NOT_BEFORE = new Date('2020-01-01T00:00:00Z');
/** End of every mock certificate's validity. */
export const MOCK_PKI_NOT_AFTER = new Date('2100-01-01T00:00:00Z');
/** FMSPC of the simulated platform: deliberately not a real Intel FMSPC, so caches never mix. */
export const SIM_FMSPC = '00A0C6000000';
/** CPUSVN of the simulated platform (the value of a real TDX Xeon's PCK leaf). */
export const SIM_CPU_SVN = hexToBytes('03030202040100050000000000000000');
/** PCESVN of the simulated platform (as on a current real TDX Xeon). */
export const SIM_PCE_SVN = 11;
/** Organization in every mock subject: says loudly what these certificates are. */
const ORGANIZATION = 'TEST ONLY: pbts dstack simulator, not Intel';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const PRIME256V1 = '1.2.840.10045.3.1.7';

/** A certificate of the mock PKI together with the key it certifies. */
export interface MockCertificate {
  der: Uint8Array;
  pem: string;
  /** P-256 secret key of the subject. */
  secretKey: Uint8Array;
  /** Subject name, reused as the issuer name of what this certificate signs. */
  name: Name;
  /** Subject key identifier, reused as the authority key identifier below it. */
  keyId: Uint8Array;
}

/** The whole mock PKI of one seed. */
export interface MockPki {
  root: MockCertificate;
  pckCa: MockCertificate;
  pckLeaf: MockCertificate;
  tcbSigner: MockCertificate;
  /** What the PCK leaf's SGX extension says. */
  platform: PckPlatform;
  /** PEM chain carried in quotes: PCK leaf, PCK Platform CA, root. */
  pckChainPem: string;
  /** Issuer chain of the PCK CRL: PCK Platform CA, root. */
  pckCrlIssuerChainPem: string;
  /** Issuer chain of the TCB info and the QE identity: signing leaf, root. */
  tcbIssuerChainPem: string;
}

/** PEM armour of DER bytes. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Raw r||s P-256 ECDSA signature over sha256(message), deterministic (RFC 6979). */
export function signP256(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return p256.sign(sha256(message), secretKey).toCompactRawBytes();
}

function derSignature(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return p256.sign(sha256(message), secretKey).toDERRawBytes();
}

function subjectName(commonName: string): Name {
  const attribute = (type: string, text: string) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: text }) })]);
  return new Name([attribute('2.5.4.3', commonName), attribute('2.5.4.10', ORGANIZATION)]);
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function serialNumber(seed: string, label: string): ArrayBuffer {
  const bytes = seededBytes(seed, `serial/${label}`, 16);
  // Positive and of full length: clear the sign bit and set the next one.
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.slice().buffer;
}

interface IssueParams {
  seed: string;
  label: string;
  commonName: string;
  /** Absent for the self-signed root. */
  issuer?: MockCertificate;
  keyUsage: number;
  /** Path length for a CA; absent for an end entity. */
  caPathLength?: number;
  more?: Extension[];
}

function issue({ seed, label, commonName, issuer, keyUsage, caPathLength, more = [] }: IssueParams): MockCertificate {
  const secretKey = seededP256Key(seed, `key/${label}`);
  const publicKey = p256.getPublicKey(secretKey, false);
  // Subject key identifier: a truncated SHA-256 of the key (RFC 7093 method 1).
  const keyId = sha256(publicKey).slice(0, 20);
  const name = subjectName(commonName);
  const signer = issuer ?? { name, keyId, secretKey };
  const basicConstraints =
    caPathLength === undefined
      ? new BasicConstraints()
      : new BasicConstraints({ cA: true, pathLenConstraint: caPathLength });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(seed, label),
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: signer.name,
    validity: new Validity({ notBefore: MOCK_PKI_NOT_BEFORE, notAfter: MOCK_PKI_NOT_AFTER }),
    subject: name,
    subjectPublicKeyInfo: new SubjectPublicKeyInfo({
      algorithm: new AlgorithmIdentifier({ algorithm: EC_PUBLIC_KEY, parameters: objectIdentifier(PRIME256V1).slice().buffer }),
      subjectPublicKey: publicKey.slice().buffer,
    }),
    extensions: new Extensions([
      extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(signer.keyId) })),
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId)),
      extension(id_ce_keyUsage, true, new KeyUsage(keyUsage)),
      extension(id_ce_basicConstraints, true, basicConstraints),
      ...more,
    ]),
  });
  const signature = derSignature(signer.secretKey, new Uint8Array(AsnConvert.serialize(tbs)));
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    signatureValue: signature.slice().buffer,
  });
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  return { der, pem: toPem(der), secretKey, name, keyId };
}

/** The mock PKI of `seed`: same seed, byte-identical certificates. */
export function createMockPki(seed: string): MockPki {
  const caUsage = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
  const signingUsage = KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;
  const root = issue({ seed, label: 'root', commonName: 'TEST ONLY SGX Root CA', keyUsage: caUsage, caPathLength: 1 });
  const pckCa = issue({
    seed,
    label: 'pck-ca',
    commonName: 'TEST ONLY SGX PCK Platform CA',
    issuer: root,
    keyUsage: caUsage,
    caPathLength: 0,
  });
  const platform: PckPlatform = {
    ppid: seededBytes(seed, 'ppid', 16),
    cpuSvn: SIM_CPU_SVN,
    pceSvn: SIM_PCE_SVN,
    pceId: new Uint8Array(2),
    fmspc: hexToBytes(SIM_FMSPC),
    platformInstanceId: seededBytes(seed, 'platform-instance-id', 16),
  };
  const pckLeaf = issue({
    seed,
    label: 'pck-leaf',
    commonName: 'TEST ONLY SGX PCK Certificate',
    issuer: pckCa,
    keyUsage: signingUsage,
    more: [new Extension({ extnID: SGX_EXTENSION_OID, critical: false, extnValue: new OctetString(sgxExtensionValue(platform)) })],
  });
  const tcbSigner = issue({
    seed,
    label: 'tcb-signer',
    commonName: 'TEST ONLY SGX TCB Signing',
    issuer: root,
    keyUsage: signingUsage,
  });
  return {
    root,
    pckCa,
    pckLeaf,
    tcbSigner,
    platform,
    pckChainPem: pckLeaf.pem + pckCa.pem + root.pem,
    pckCrlIssuerChainPem: pckCa.pem + root.pem,
    tcbIssuerChainPem: tcbSigner.pem + root.pem,
  };
}

/** DER of an empty CRL (v2, CRL number 1) signed by `issuer`. */
export function issueEmptyCrl(issuer: MockCertificate, thisUpdate: Date, nextUpdate: Date): Uint8Array {
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    issuer: issuer.name,
    thisUpdate: new Time(thisUpdate),
    nextUpdate: new Time(nextUpdate),
    crlExtensions: [
      extension(id_ce_cRLNumber, false, new CRLNumber(1)),
      extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuer.keyId) })),
    ],
  });
  const signature = derSignature(issuer.secretKey, new Uint8Array(AsnConvert.serialize(tbs)));
  const crl = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
    signature: signature.slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(crl));
}
