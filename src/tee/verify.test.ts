import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { dcapReason } from './verify.ts';

describe('dcap-qvl error reasons', () => {
  test("default: each of dcap-qvl 0.3.9's failures maps to its own reason", () => {
    const cases: Array<[string, string]> = [
      ['Failed to decode quote', 'quote_format'],
      ['TDX TEE quote must have version 4 or 5', 'quote_format'],
      ['TCBInfo expired', 'collateral_expired'],
      ['TCBInfo issue date is in the future', 'collateral_expired'],
      ['QE Identity expired', 'collateral_expired'],
      ['Signature is invalid for tcb_info', 'collateral_signature'],
      ['Signature is invalid for qe_identity', 'collateral_signature'],
      ['Fmspc mismatch', 'collateral_invalid'],
      ['Failed to decode TcbInfo', 'collateral_invalid'],
      ['Failed to verify certificate chain - intermediate signature invalid', 'chain_untrusted'],
      ['Failed to verify certificate chain - leaf signature invalid', 'chain_untrusted'],
      ['CaUsedAsEndEntity', 'chain_untrusted'],
      ['Certificate is expired or not yet valid', 'certificate_expired'],
      ['Certificate is revoked', 'certificate_revoked'],
      ['Signature is invalid for qe_report in quote', 'qe_report_invalid'],
      ['QE report hash mismatch', 'qe_report_invalid'],
      ['QE MRSIGNER mismatch: expected A, got B', 'qe_identity_mismatch'],
      ['QE ISVSVN 1 is below minimum required 2 from QE Identity', 'qe_identity_mismatch'],
      ['ISV enclave report signature is invalid', 'quote_signature'],
      ['No matching TCB level found', 'tcb_level_not_found'],
      ['TCB status is invalid: Revoked', 'tcb_status'],
      ['Debug mode is enabled', 'td_attributes'],
      ['SEPT_VE_DISABLE is not enabled', 'td_attributes'],
      ['something new', 'verifier_error'],
    ];
    for (const [message, reason] of cases) expect(dcapReason(message), message).toBe(reason);
  });
});

describe('production TEE modules', () => {
  test('behavior: none imports the TEST ONLY simulator', () => {
    const dir = import.meta.dirname;
    const modules = readdirSync(dir).filter((name) => /\.(ts|mjs)$/.test(name) && !name.endsWith('.test.ts'));
    expect(modules).toContain('verify.ts');
    for (const name of modules) {
      expect(readFileSync(path.join(dir, name), 'utf8'), name).not.toMatch(/from '\.\/sim\//);
    }
  });
});
