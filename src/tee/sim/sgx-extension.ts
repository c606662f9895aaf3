/**
 * The Intel SGX PCK certificate extension (OID 1.2.840.113741.1.13.1), laid out exactly as in
 * Intel's PCK certificates issued by the PCK Platform CA, so dcap-qvl reads FMSPC, CPUSVN and
 * PCESVN from the simulator's PCK leaf the way it reads them from a real one.
 * @module
 */
import { boolean, enumerated, integer, objectIdentifier, octetString, sequence } from './der.ts';

/** OID of the SGX extension in a PCK certificate. */
export const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1';

/** The platform facts a PCK certificate vouches for. */
export interface PckPlatform {
  /** Platform provisioning ID, 16 bytes. */
  ppid: Uint8Array;
  /** CPUSVN, 16 bytes: also the TCB components 1-16 of the extension. */
  cpuSvn: Uint8Array;
  /** PCE security version. */
  pceSvn: number;
  /** PCE ID, 2 bytes. */
  pceId: Uint8Array;
  /** Family-model-stepping-platform-custom SKU, 6 bytes: keys the TCB info. */
  fmspc: Uint8Array;
  /** Platform instance ID, 16 bytes (present on platform-CA certificates). */
  platformInstanceId: Uint8Array;
}

const oid = (suffix: string) => objectIdentifier(`${SGX_EXTENSION_OID}.${suffix}`);

/** DER value (the outer SEQUENCE) of the SGX extension for `platform`. */
export function sgxExtensionValue(platform: PckPlatform): Uint8Array {
  if (platform.cpuSvn.length !== 16) throw new RangeError('CPUSVN must be 16 bytes');
  const components = Array.from(platform.cpuSvn, (svn, i) => sequence(oid(`2.${i + 1}`), integer(svn)));
  return sequence(
    sequence(oid('1'), octetString(platform.ppid)),
    sequence(
      oid('2'),
      sequence(
        ...components,
        sequence(oid('2.17'), integer(platform.pceSvn)),
        sequence(oid('2.18'), octetString(platform.cpuSvn)),
      ),
    ),
    sequence(oid('3'), octetString(platform.pceId)),
    sequence(oid('4'), octetString(platform.fmspc)),
    // SGX type 1 = Scalable, what TDX-capable Xeons report.
    sequence(oid('5'), enumerated(1)),
    sequence(oid('6'), octetString(platform.platformInstanceId)),
    // Configuration: dynamic platform, cached keys, SMT enabled, as on Intel's platform-CA leaves.
    sequence(
      oid('7'),
      sequence(
        sequence(oid('7.1'), boolean(true)),
        sequence(oid('7.2'), boolean(true)),
        sequence(oid('7.3'), boolean(true)),
      ),
    ),
  );
}
