import { defineProject } from 'vitest/config';

// Resolve "@wengert/source" so tests (and workspace packages they import) run from src/ without a build.
// Node-environment tests resolve through `ssr.resolve`, so the condition must be set there too; setting
// conditions replaces Vite's defaults, hence the defaults are repeated after it.
const conditions = ['@wengert/source', 'module', 'node', 'development|production'];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: 'core',
    include: ['test/**/*.test.ts'],
    // Property tests run bounded but CPU-heavy: on a busy 2-core machine some take well over 5 s.
    testTimeout: 60_000,
  },
});
