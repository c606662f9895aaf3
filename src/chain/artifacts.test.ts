import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONTRACTS, artifactSourceHash, compileArtifacts, computeSourceHash } from '../../contracts/build.ts';
import * as reputation from '../../contracts/artifacts/Reputation.ts';

const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../contracts/artifacts');

describe('contract artifacts', () => {
  test('default', async () => {
    const compiled = await compileArtifacts();
    for (const contract of CONTRACTS) {
      expect(artifactSourceHash(contract), `${contract} artifact is stale: run npm run build:contracts`).toBe(computeSourceHash());
      expect(readFileSync(path.join(ARTIFACTS_DIR, `${contract}.ts`), 'utf8'), `${contract} artifact differs from a fresh build`).toBe(
        compiled[contract],
      );
    }
  });

  test('behavior: artifacts carry a const ABI, creation bytecode and the source hash', () => {
    expect(reputation.sourceHash).toBe(computeSourceHash());
    expect(reputation.bytecode).toMatch(/^0x(?:[0-9a-f]{2})+$/);
    expect(reputation.abi.filter((item) => item.type === 'error').map((item) => item.name).sort()).toEqual([
      'BadPublicKey',
      'BadSequence',
      'KeyExists',
      'NoReferrer',
      'NotInReferrer',
      'NotOwner',
      'UnknownUser',
      'UserExists',
    ]);
  });
});
