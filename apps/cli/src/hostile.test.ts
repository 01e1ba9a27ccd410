// Hostile input, end to end: every bad flag value fails before any work, with exit code 1 (the
// CLI's code for a PathwiseError; 2 is commander's own usage errors), one line on stderr naming the
// flag, no stack trace, and nothing written (each case runs in an empty directory, which stays so).
// Runs the built `pathwise` binary (npm test builds first), several cases at a time.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathwise } from './test-support/cli.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Case {
  /** The command line. */
  args: string[];
  /** What the message must contain: the flag, as the error names it. */
  names: string;
  /** More the message must match (the value as written, the bound). */
  says?: RegExp;
  /** Files the command reads (written into the case's directory first). */
  files?: Record<string, string>;
}

const closedForm = (overrides: Record<string, string>) => {
  const flags = { '--mu': '[0,0]', '--sigma': '[1,1]', '--grad': '[0,1]', '--hessian': '[[1,0],[0,1]]', ...overrides };
  return ['vi', 'closed-form', ...Object.entries(flags).flat()];
};
const sweep = (...args: string[]) => ['sweep', '--algos', 'gippo', '--envs', 'dejong64', '--out', 'sweep', ...args];
const chaos = (...args: string[]) => ['pipps', 'chaos', '--system', 'rnn', '--out', 'chaos', ...args];
const envStep = (...args: string[]) => ['envs', 'step', '--env', 'dejong64', ...(args.includes('--actions') ? [] : ['--actions', '[[0.5]]']), ...args];

const CASES: Record<string, Case> = {
  // seed list
  'train --seeds 1,,2 (an empty element was seed 0)': { args: ['train', '--seeds', '1,,2', '--epochs', '1'], names: "'--seeds'", says: /got "1,,2".*no empty elements/ },
  "train --seeds '' (was seed 0)": { args: ['train', '--seeds', ''], names: "'--seeds'" },
  'train --seeds 1,x': { args: ['train', '--seeds', '1,x'], names: "'--seeds'", says: /'x' is not a seed/ },
  'train --seeds 2^32 (out of range)': { args: ['train', '--seeds', '4294967296'], names: "'--seeds'" },
  'train --seeds -1': { args: ['train', '--seeds', '-1'], names: "'--seeds'" },
  "sweep --seeds '' (was seed 0)": { args: sweep('--seeds', ''), names: "'--seeds'" },
  'sweep --seeds 1,,2': { args: sweep('--seeds', '1,,2'), names: "'--seeds'" },
  'pipps train --seeds 1,': { args: ['pipps', 'train', '--out', 'pipps', '--seeds', '1,'], names: "'--seeds'" },
  // commands with no flags of their own: the global ones
  'algos --backend nope (was ignored)': { args: ['--backend', 'nope', 'algos'], names: "Unknown backend 'nope'", says: /cpu.*wasm/ },
  'estimators --plugin ./nope.mjs': { args: ['--plugin', './nope.mjs', 'estimators'], names: "Cannot load plugin './nope.mjs'" },
  'backends --seed x': { args: ['--seed', 'x', 'backends'], names: "'--seed'" },
  'envs --plugin missing-package': { args: ['--plugin', 'missing-package', 'envs'], names: "Cannot load plugin 'missing-package'" },
  'bench core --backend webgpux': { args: ['--backend', 'webgpux', 'bench', 'core'], names: "Unknown backend 'webgpux'" },
  // seed (global and envs step's own)
  'train --seed 1.5 (ran seed 1, recorded 1.5)': { args: ['--seed', '1.5', 'train'], names: "'--seed'", says: /got "1.5".*\[0, 2\^32\)/ },
  'train --seed 1e30': { args: ['--seed', '1e30', 'train'], names: "'--seed'" },
  'demo --seed -1': { args: ['--seed', '-1', 'demo'], names: "'--seed'" },
  "demo --seed ''": { args: ['--seed', '', 'demo'], names: "'--seed'" },
  'vi mohamed --seed 4294967296': { args: ['--seed', '4294967296', 'vi', 'mohamed'], names: "'--seed'" },
  'envs step --seed 1.5': { args: envStep('--seed', '1.5'), names: "'--seed'" },
  // integer / count
  'sweep --workers 0 (ran nothing, exit 0)': { args: sweep('--workers', '0'), names: "'--workers'", says: /\[1, 64\]/ },
  'sweep --workers -2': { args: sweep('--workers', '-2'), names: "'--workers'" },
  'sweep --workers abc': { args: sweep('--workers', 'abc'), names: "'--workers'" },
  'sweep --workers 65 (over the bound)': { args: sweep('--workers', '65'), names: "'--workers'", says: /at most 64.*24 GiB/ },
  'sweep --epochs 0': { args: sweep('--epochs', '0'), names: "'--epochs'" },
  'train --epochs 1.5': { args: ['train', '--epochs', '1.5'], names: "'--epochs'" },
  'train --epochs 1e9': { args: ['train', '--epochs', '1e9'], names: "'--epochs'" },
  'pipps train --trials 0': { args: ['pipps', 'train', '--out', 'pipps', '--trials', '0'], names: "'--trials'" },
  'bench train --epochs -1 (printed a NaN table)': { args: ['bench', 'train', '--epochs', '-1'], names: "'--epochs'" },
  'bench train --epochs abc': { args: ['bench', 'train', '--epochs', 'abc'], names: "'--epochs'" },
  'bench envs --steps 0': { args: ['bench', 'envs', '--steps', '0'], names: "'--steps'" },
  'demo --samples -5 (crashed inside wasm)': { args: ['demo', '--samples', '-5'], names: "'--samples'" },
  'demo --samples 100000000 (over the bound)': { args: ['demo', '--samples', '100000000'], names: "'--samples'", says: /at most 10000000/ },
  'demo --steps 0': { args: ['demo', '--steps', '0'], names: "'--steps'" },
  'envs step --steps 1e9 (V8 out of memory)': { args: envStep('--steps', '1e9'), names: "'--steps'", says: /at most 10000: .*24 GiB/ },
  'envs step --steps 20000 (over the bound)': { args: envStep('--steps', '20000'), names: "'--steps'" },
  'vi mohamed --points 1e9 (V8 out of memory)': { args: ['vi', 'mohamed', '--points', '1e9'], names: "'--points'" },
  'vi mohamed --points 1000000000': { args: ['vi', 'mohamed', '--points', '1000000000'], names: "'--points'", says: /at most 100000/ },
  'vi mohamed --samples -1': { args: ['vi', 'mohamed', '--samples', '-1'], names: "'--samples'" },
  'vi compare --samples 0': { args: ['vi', 'compare', '--samples', '0'], names: "'--samples'" },
  'vi compare --steps abc': { args: ['vi', 'compare', '--steps', 'abc'], names: "'--steps'" },
  'vi closed-form --samples 0': { args: closedForm({ '--samples': '0' }), names: "'--samples'" },
  'pipps chaos --particles 1': { args: chaos('--particles', '1'), names: "'--particles'", says: /\[2, 10000\]/ },
  'pipps chaos --repeats abc': { args: chaos('--repeats', 'abc'), names: "'--repeats'" },
  // count list
  'pipps chaos --horizons 5,,10': { args: chaos('--horizons', '5,,10'), names: "'--horizons'" },
  'pipps chaos --horizons 0': { args: chaos('--horizons', '0'), names: "'--horizons'" },
  'pipps chaos --horizons 5,1001': { args: chaos('--horizons', '5,1001'), names: "'--horizons'", says: /at most 1000/ },
  'bench envs --batches 64,,256': { args: ['bench', 'envs', '--batches', '64,,256'], names: "'--batches'" },
  // finite number
  'pipps chaos --scale Infinity (printed an all-NaN table)': { args: chaos('--scale', 'Infinity'), names: "'--scale'", says: /got "Infinity", expected a finite number > 0/ },
  'pipps chaos --scale 0': { args: chaos('--scale', '0'), names: "'--scale'" },
  'pipps chaos --scale NaN': { args: chaos('--scale', 'NaN'), names: "'--scale'" },
  'pipps train --particles abc': { args: ['pipps', 'train', '--out', 'pipps', '--particles', 'abc'], names: "'--particles'" },
  'pipps train --horizon Infinity': { args: ['pipps', 'train', '--out', 'pipps', '--horizon', 'Infinity'], names: "'--horizon'" },
  'vi closed-form --c0 NaN': { args: closedForm({ '--c0': 'NaN' }), names: "'--c0'" },
  'vi closed-form --baseline Infinity': { args: closedForm({ '--baseline': 'Infinity' }), names: "'--baseline'" },
  // name list
  'sweep --algos gippo,,shac': { args: ['sweep', '--algos', 'gippo,,shac', '--envs', 'dejong64', '--out', 'sweep'], names: "'--algos'" },
  "sweep --envs ''": { args: ['sweep', '--algos', 'gippo', '--envs', '', '--out', 'sweep'], names: "'--envs'" },
  'bench train --algos gippo,': { args: ['bench', 'train', '--algos', 'gippo,'], names: "'--algos'" },
  'bench envs --envs ,': { args: ['bench', 'envs', '--envs', ','], names: "'--envs'" },
  'bench envs --kernels ops,fast': { args: ['bench', 'envs', '--kernels', 'ops,fast'], names: "'--kernels'", says: /auto, fused, ops/ },
  'pipps chaos --methods rp,,lr': { args: chaos('--methods', 'rp,,lr'), names: "'--methods'" },
  'vi compare --estimators rp,,sf': { args: ['vi', 'compare', '--estimators', 'rp,,sf'], names: "'--estimators'" },
  // JSON number array / matrix
  'vi closed-form --mu [0,null] (null was 0)': { args: closedForm({ '--mu': '[0,null]' }), names: "'--mu[1]'", says: /got null, expected a finite number/ },
  'vi closed-form --grad [0,"1"] (a string)': { args: closedForm({ '--grad': '[0,"1"]' }), names: "'--grad[1]'", says: /got "1"/ },
  'vi closed-form --sigma {}': { args: closedForm({ '--sigma': '{}' }), names: "'--sigma'" },
  'vi closed-form --hessian [[1,0],[0,null]]': { args: closedForm({ '--hessian': '[[1,0],[0,null]]' }), names: "'--hessian[1][1]'" },
  'vi closed-form --hessian with 1e999': { args: closedForm({ '--hessian': '[[1,0],[0,1e999]]' }), names: "'--hessian[1][1]'", says: /got Infinity/ },
  'vi closed-form --mu not JSON': { args: closedForm({ '--mu': '[0,' }), names: "'--mu'", says: /valid JSON/ },
  'envs step --actions [[null]]': { args: envStep('--actions', '[[null]]'), names: "'--actions[0][0]'" },
  'envs step --actions [[[0.1]],[["x"]]]': { args: envStep('--actions', '[[[0.1]],[["x"]]]'), names: "'--actions[1][0][0]'" },
  // JSON inputs: non-finite numbers named as written, not "got null"
  'train --config with 1e999': { args: ['train', '--config', 'config.json', '--out', 'run'], files: { 'config.json': '{"epochs": 1e999}' }, names: "'epochs'", says: /got Infinity/ },
  'train --config (YAML) with .nan': { args: ['train', '--config', 'config.yaml', '--out', 'run'], files: { 'config.yaml': 'epochs: .nan\n' }, names: "'epochs'", says: /got NaN/ },
  'sweep --grid with seeds [1e30] (ran, then failed in the worker)': {
    args: ['sweep', '--grid', 'grid.json', '--out', 'sweep'],
    files: { 'grid.json': '{"algos": ["gippo"], "envs": ["dejong64"], "seeds": [1e30], "epochs": 1}' },
    names: "'seeds (in grid.json)'",
    says: /got \[1e\+30\], expected distinct integers in \[0, 2\^32\)/,
  },
  // the sweep queue: URLs, counts, flags that need --queue, an unreachable Redis (nothing written before it answers)
  'sweep --queue http://h:6379': { args: sweep('--queue', 'http://h:6379'), names: "'--queue'", says: /redis:\/\/HOST:PORT\[\/DB\]/ },
  'sweep --queue redis://h:70000': { args: sweep('--queue', 'redis://h:70000'), names: "'--queue'" },
  'worker --queue redis://h:6379/x': { args: ['worker', '--queue', 'redis://h:6379/x'], names: "'--queue'", says: /DB a decimal integer/ },
  'worker --concurrency 0': { args: ['worker', '--queue', 'redis://127.0.0.1:1', '--concurrency', '0'], names: "'--concurrency'", says: /\[1, 64\]/ },
  'worker --stall-timeout 1e3': { args: ['worker', '--queue', 'redis://127.0.0.1:1', '--stall-timeout', '1e3'], names: "'--stall-timeout'", says: /\[1, 3600\]/ },
  'sweep --detach without --queue': { args: sweep('--detach'), names: "'--detach'", says: /--queue/ },
  'sweep --queue with --workers': { args: sweep('--queue', 'redis://127.0.0.1:1', '--workers', '2'), names: "'--workers'" },
  'sweep --queue to a Redis nobody runs': { args: sweep('--queue', 'redis://127.0.0.1:1'), names: 'Cannot reach Redis at redis://127.0.0.1:1' },
  'worker --queue to a Redis nobody runs': { args: ['worker', '--queue', 'redis://127.0.0.1:1'], names: 'Cannot reach Redis at redis://127.0.0.1:1' },
  // non-finite results from finite input: NonFiniteError naming what went non-finite, nothing written
  'vi closed-form --sigma [1e200,1] (overflowed to a NaN table)': { args: closedForm({ '--sigma': '[1e200,1]' }), names: 'vi closed-form: rp mu has 1 non-finite value(s)' },
  'pipps chaos --scale 1e300 (every variance non-finite)': {
    args: ['pipps', 'chaos', '--system', 'cartpole', '--scale', '1e300', '--horizons', '5', '--particles', '2', '--repeats', '2', '--out', 'chaos'],
    names: 'pipps chaos cartpole (scale 1e+300): the gradient variance of every horizon and method has 3 non-finite value(s)',
  },
};

describe('hostile input: exit 1, one line naming the flag, no stack trace, nothing written', () => {
  it.concurrent.each(Object.entries(CASES))('%s', async (_name, c) => {
    const cwd = mkdtempSync(join(tmpdir(), 'pathwise-hostile-'));
    dirs.push(cwd);
    for (const [file, text] of Object.entries(c.files ?? {})) writeFileSync(join(cwd, file), text);
    const { code, stdout, stderr } = await pathwise(cwd, c.args);
    const lines = stderr.split('\n').filter((line) => line.length > 0);
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^pathwise: /);
    expect(lines[0]).toContain(c.names);
    if (c.says) expect(lines[0]).toMatch(c.says);
    expect(stderr).not.toMatch(/^ {4}at /m);
    expect(stdout).toBe('');
    expect(code).toBe(1);
    expect(readdirSync(cwd).sort()).toEqual(Object.keys(c.files ?? {}).sort());
  });

  it('has a case per bad input of the issue and per parser kind', () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(40);
  });
});
