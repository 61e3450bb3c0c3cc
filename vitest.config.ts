import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Spawned apps and a real Prometheus need more than the default 5 s on a shared 2-core box.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
