// Importing this module registers the tfjs cpu backend (plain JavaScript, works everywhere).
import '@tensorflow/tfjs-backend-cpu';
import { defineBackend, registerBackend } from '@pathwise/core';

export const cpuBackend = registerBackend(
  defineBackend({
    name: 'cpu',
    packageName: '@pathwise/backend-cpu',
    availability: () => ({ available: true }),
    load: async () => {},
    capabilities: () => ({ simd: false, threads: false, float: 'float32' }),
  }),
);
export default cpuBackend;
