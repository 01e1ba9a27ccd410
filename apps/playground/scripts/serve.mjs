#!/usr/bin/env node
// Serves the built app (dist/) with the COOP/COEP headers, like the e2e tests do.
import { serveDist } from '../e2e/support.mjs';

const server = await serveDist();
console.log(`playground (dist/) at ${server.url} — Ctrl-C to stop`);
