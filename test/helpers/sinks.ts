/** For sink tests whose records are all valid: a refusal is a test failure, with the sink's reason. */
export function refuseNothing(_record: unknown, error: Error): void {
  throw new Error(`the sink refused a valid record: ${error.message}`);
}
