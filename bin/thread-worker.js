// Entry point of a stream thread of `reelstream run --threads N`: tsx compiles the TypeScript worker.
require('tsx/cjs/api').register();
require('../cli/run/thread-worker.ts');
