import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run on the TypeScript sources of the workspace packages, not on their build.
export default defineConfig({
  resolve: {
    alias: {
      '@netbearer/machines': src('./machines/src/index.ts'),
      // Not public: core's internals, for the test suites only (see core/src/internal.ts).
      '@netbearer/core/internal': src('./core/src/internal.ts'),
      '@netbearer/core': src('./core/src/index.ts'),
      '@netbearer/adapter-simulated': src('./adapters/simulated/src/index.ts'),
      '@netbearer/adapter-generic': src('./adapters/generic/src/index.ts'),
      '@netbearer/adapter-networkmanager': src('./adapters/networkmanager/src/index.ts'),
      '@netbearer/adapter-netsh': src('./adapters/netsh/src/index.ts'),
      '@netbearer/adapter-airport': src('./adapters/airport/src/index.ts'),
      '@netbearer/access': src('./access/src/index.ts'),
      '@netbearer/inspector': src('./inspector/src/index.ts'),
      netbearer: src('./netbearer/src/index.ts'),
    },
  },
  test: {
    include: ['**/src/**/*.test.ts'],
    globalSetup: ['test/src/support/holds-directory.global.ts'],
    // Suites that start real NetworkManagers and namespaces need room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    exclude: ['**/node_modules/**', '**/dist/**'],
    reporters: ['default'],
  },
});
