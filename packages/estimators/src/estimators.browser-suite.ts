// Runs in a browser (no Node imports): the lead's browser test calls it after selecting webgl/webgpu.
import { getEstimator } from './registry.js';
import { testEstimator, type ConformanceOptions, type ConformanceReport } from './conformance.js';

/** The conformance kit for RP and LR on the active backend; returns the reports (check `passed`). */
export async function estimatorBrowserSuite(options: ConformanceOptions = {}): Promise<ConformanceReport[]> {
  const reports: ConformanceReport[] = [];
  for (const name of ['rp', 'lr']) reports.push(await testEstimator(getEstimator(name), options));
  return reports;
}
