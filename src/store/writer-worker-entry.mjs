// Node 20 does not pass the parent's TypeScript loader to worker threads; register tsx here.
import { register } from 'tsx/esm/api';

register();
await import('./writer-worker.ts');
