#!/usr/bin/env node
// Saves a screenshot of each panel of the built app to docs/playground/*.png (the README images).
import { join } from 'node:path';
import { APP_DIR, captureScenes, launchChromium, serveDist } from '../e2e/support.mjs';

const out = process.argv[2] ?? join(APP_DIR, '..', '..', 'docs', 'playground');
const server = await serveDist();
const browser = await launchChromium();
try {
  for (const file of await captureScenes(browser, server.url, out)) console.log(`saved ${file}`);
} finally {
  await browser.close();
  await server.close();
}
