// What every pathwise process registers before a command runs: the backends, and the algorithm
// packages that ship with the CLI. Worker threads (several seeds, sweeps) import this module first,
// so it must stay free of imports from the rest of the CLI.
import '@pathwise/backend-cpu';
import '@pathwise/backend-wasm';
import '@pathwise/backend-webgl';
import '@pathwise/backend-webgpu';

/**
 * A built-in algorithm package that fails to load does not take down the commands that do not
 * need it (`backends`, `envs`, another algorithm): it is reported on stderr, and its names are
 * then missing from the registry, so asking for them fails listing what is registered.
 */
async function optional(name: string, load: () => Promise<unknown>): Promise<void> {
  try {
    await load();
  } catch (error) {
    process.stderr.write(`pathwise: warning: the built-in package ${name} failed to load, its algorithms are unavailable: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

await optional('@pathwise/gippo', () => import('@pathwise/gippo'));
await optional('@pathwise/pipps', () => import('@pathwise/pipps/register'));
