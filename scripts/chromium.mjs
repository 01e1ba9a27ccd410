// Headless Chromium for the browser tests, the playground e2e tests and its benchmark: Debian's
// binary (never a downloaded one). SwiftShader gives WebGL and (with --enable-unsafe-webgpu) WebGPU
// without a GPU; the network flags stop Chromium calling home on an offline machine.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
