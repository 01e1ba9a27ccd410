import type { Browser, Page } from 'playwright-core';

export const APP_DIR: string;
export const DIST_DIR: string;
export const CHROMIUM_ARGS: string[];
export interface Scene {
  panel: 'function' | 'estimators' | 'vi' | 'cartpole';
  query: string;
}
export const SCENES: Scene[];
export function serveDist(root?: string): Promise<{ url: string; close(): Promise<void> }>;
export function launchChromium(): Promise<Browser>;
export function openApp(browser: Browser, baseUrl: string, query?: string): Promise<{ page: Page; errors: string[] }>;
export function waitForRun(page: Page, timeout?: number): Promise<void>;
export function captureScenes(browser: Browser, baseUrl: string, dir: string, scenes?: Scene[]): Promise<string[]>;
