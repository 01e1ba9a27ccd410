// Import rules for `pnpm check:cycles` (a step of `npm test`): dependency-cruiser over the
// TypeScript sources of packages/*/src and apps/*/src. `@pathwise/*` imports resolve to the
// package's src (tsconfig.depcruise.json), so a cycle between two packages is a cycle here too.

/** Test files and the helpers only tests import: they may pull in backends. */
const TESTS = '(\\.test\\.ts|\\.browser-suite\\.ts|/test-helpers\\.ts|/test-support\\.ts|/test-support/.*)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules (or packages, through their index) that import each other, directly or through others.',
      from: { path: '^(packages|apps)/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'no-library-to-app',
      severity: 'error',
      comment: 'A library package (packages/*) must not import an app (apps/*).',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-backend-from-packages',
      severity: 'error',
      comment: 'Packages take a backend at run time (core registers them by name); only tests import @pathwise/backend-* directly.',
      from: { path: '^packages/([^/]+)/src/', pathNot: TESTS },
      to: { path: '^packages/backend-[^/]+/', pathNot: '^packages/$1/' },
    },
  ],
  options: {
    includeOnly: { path: '^(packages|apps)/[^/]+/src/' },
    exclude: { path: '(^|/)(node_modules|dist|coverage|\\.turbo)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
