// `npm run quickstart`: install, build, then run the main job on a sensible default.
import { cliBin, installAndBuild, log, run } from './lib.mjs';

try {
  installAndBuild();
  log('pathwise backends');
  run('node', [cliBin(), 'backends']);
  log('pathwise demo (reparameterised-gradient Adam on a Gaussian, auto backend)');
  run('node', [cliBin(), 'demo']);
} catch (error) {
  log(`quickstart failed: ${error.message}`);
  process.exit(1);
}
