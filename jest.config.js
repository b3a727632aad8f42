/** Test tiers as separate jest projects: unit (no I/O), infra (CDK assertions, cdk-nag), e2e (local stack). */
const tsJest = ['ts-jest', { diagnostics: false }];
// email-reply-parser ships ES modules only; jest (on Node 20) needs them compiled to CommonJS.
const esmOnly = ['email-reply-parser'];
const common = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': tsJest,
    [`node_modules/(${esmOnly.join('|')})/.+\\.js$`]: '<rootDir>/test/support/esm-to-cjs.js',
    // the bundles' ES-module stand-ins (lib/constructs/bundle-stubs), which unit tests compare with the originals
    'bundle-stubs/.+\\.mjs$': '<rootDir>/test/support/esm-to-cjs.js',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
