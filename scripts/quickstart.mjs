// `npm run quickstart`: install, build, then the main job: a short GI-PPO run on De Jong 64-D.
import { join } from 'node:path';
import { cliBin, installAndBuild, log, root, run } from './lib.mjs';

const out = join(root, 'runs', 'quickstart');
try {
  installAndBuild();
  log('pathwise backends');
  run('node', [cliBin(), 'backends']);
  log('pathwise train --algo gippo --env dejong64 --epochs 300 (backend: auto, picked by measurement)');
  run('node', [cliBin(), 'train', '--algo', 'gippo', '--env', 'dejong64', '--epochs', '300', '--out', out, '--force']);
} catch (error) {
  log(`quickstart failed: ${error.message}`);
  process.exit(1);
}
