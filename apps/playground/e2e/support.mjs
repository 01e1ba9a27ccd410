// Shared by the e2e tests and the scripts (bench, screenshots): a tiny static server for dist/
// with the COOP/COEP headers, headless Debian Chromium, and the scenes the screenshots show.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST_DIR = join(APP_DIR, 'dist');

export { CHROMIUM_ARGS } from '../../../scripts/chromium.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../../scripts/chromium.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serves `root` on 127.0.0.1 (a free port) with cross-origin isolation headers. */
export async function serveDist(root = DIST_DIR) {
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`${root}/index.html is missing: build the app first (pnpm --filter playground build).`);
  }
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (!file.startsWith(root)) {
      response.writeHead(403, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404, headers).end('not found');
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((done) => server.close(done)) };
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** Opens the app with `query` (URL settings) and waits for its worker and first backend. */
export async function openApp(browser, baseUrl, query = '') {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(`${baseUrl}${query ? `?${query}` : ''}`);
  await page.waitForFunction(() => window.__playground !== undefined, undefined, { timeout: 60_000 });
  await page.evaluate(() => window.__playground.ready);
  return { page, errors };
}

/** Waits until the run started by `run=1` (or the Start button) has finished; throws on an error state. */
export async function waitForRun(page, timeout = 300_000) {
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(document.querySelector('#status')?.dataset.state ?? ''), undefined, { timeout, polling: 250 });
  const state = await page.$eval('#status', (el) => el.dataset.state);
  if (state !== 'done') throw new Error(`run ended in state ${state}: ${await page.$eval('#status', (el) => el.textContent)}`);
}

/** The four panels as screenshot scenes: URL settings that make a quick, representative run. */
export const SCENES = [
  {
    panel: 'function',
    query: 'tab=function&backend=wasm&function.env=dejong&function.algos=gippo,ppo,rp,lrp&function.seed=1&function.epochs=25&function.actors=64&function.hidden=32&function.criticIterations=4',
  },
  {
    panel: 'estimators',
    query:
      'tab=estimators&backend=wasm&estimators.objective=square&estimators.mu=0.5&estimators.sigma=0.8&estimators.estimators=lr,lr-loo,lr-optimal,rp,lr%2Brp,tp&estimators.samples=8&estimators.repeats=300&estimators.seed=1&estimators.coordinate=0',
  },
  {
    panel: 'vi',
    query: 'tab=vi&backend=wasm&vi.model=quadratic&vi.draws=20000&vi.seed=1',
  },
  {
    panel: 'cartpole',
    query: 'tab=cartpole&backend=wasm&cartpole.algo=gippo&cartpole.seed=1&cartpole.epochs=10&cartpole.actors=8&cartpole.hidden=16&cartpole.criticIterations=2&cartpole.animateEvery=2',
  },
];

/** Runs each scene and saves `<dir>/<panel>.png`; returns the file paths. */
export async function captureScenes(browser, baseUrl, dir, scenes = SCENES) {
  await mkdir(dir, { recursive: true });
  const files = [];
  for (const scene of scenes) {
    const { page } = await openApp(browser, baseUrl, `${scene.query}&run=1`);
    await waitForRun(page);
    // Let the last frame render (charts redraw on animation frames; the cart-pole keeps animating).
    await page.waitForTimeout(500);
    const file = join(dir, `${scene.panel}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
    await page.close();
  }
  return files;
}
