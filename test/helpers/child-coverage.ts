/**
 * The environment a test gives a `reelstream` child process so that `npm test` measures the code it
 * runs: with REELSTREAM_CHILD_COVERAGE set (the npm script sets it), Node writes the child's V8
 * coverage into that directory when it exits, and test/coverage/report.ts merges it with jest's.
 * A child that is SIGKILLed writes nothing; one stopped with SIGTERM exits normally and does.
 */
export function childCoverageEnv(): Record<string, string> {
  const directory = process.env.REELSTREAM_CHILD_COVERAGE;
  return directory ? { NODE_V8_COVERAGE: directory } : {};
}
