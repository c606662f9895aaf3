import { BACKEND_NAMES, type BackendName, type BlsBackend } from './bls.ts';
import { blstBackend } from './blst.ts';
import { noble } from './noble.ts';

const backends: Record<BackendName, BlsBackend> = { blst: blstBackend, noble };

/** True when `name` names a backend. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

/**
 * The backend called `name`, else the one `PBTS_BLS_BACKEND` names, else blst.
 * Throws on an unknown name rather than silently falling back.
 */
export function getBackend(name: string | undefined = process.env.PBTS_BLS_BACKEND): BlsBackend {
  const chosen = name === undefined || name === '' ? 'blst' : name;
  if (!isBackendName(chosen)) {
    throw new Error(`unknown BLS backend "${chosen}" (expected ${BACKEND_NAMES.join(' or ')})`);
  }
  return backends[chosen];
}
