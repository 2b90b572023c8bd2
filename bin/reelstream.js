#!/usr/bin/env node
// Entry point of the `reelstream` command. The sources are TypeScript; tsx compiles them on load
// so that `npx reelstream` works straight from a clone, with no separate build step.
require('tsx/cjs/api').register();
require('../cli/main.ts')
  .main(process.argv)
  .catch((error) => {
    // main() prints its own errors; this is the last resort for anything it did not catch.
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
