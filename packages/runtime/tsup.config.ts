import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base';

// worker.ts is the worker-thread entry (several seeds, sweeps); the pool starts dist/worker.{js,cjs}.
// shims: the CJS build gets import.meta.url (the pool finds the worker beside itself).
export default defineConfig(libraryBuild(['src/index.ts', 'src/worker.ts'], { shims: true }));
