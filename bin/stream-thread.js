// Entry point of one stream thread of `reelstream run --threads N` (a child process of it): tsx
// compiles the TypeScript on load.
require('tsx/cjs/api').register();
require('../cli/run/stream-thread-process.ts');
