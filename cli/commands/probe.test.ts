import { buildProgram } from '../main';

/** Parses `reelstream probe …` without running it; returns what commander wrote to stderr, or undefined. */
async function refusal(...args: string[]): Promise<string | undefined> {
  const program = buildProgram();
  let written = '';
  for (const command of [program, ...program.commands])
    command.configureOutput({ writeErr: (text) => (written += text), writeOut: () => undefined });
  const probe = program.commands.find((command) => command.name() === 'probe');
  probe?.action(() => undefined); // parse only: no broker, no Redis
  try {
    await program.parseAsync(['node', 'reelstream', 'probe', ...args]);
    return undefined;
  } catch {
    return written;
  }
}

describe('reelstream probe', () => {
  it('refuses an interval, duration or report period that is not a positive integer, naming it', async () => {
    expect(await refusal('--interval', '0')).toContain('--interval must be a positive integer, not "0"');
    expect(await refusal('--duration', '1.5')).toContain('--duration must be a positive integer, not "1.5"');
    expect(await refusal('--report-every', 'often')).toContain(
      '--report-every must be a positive integer, not "often"',
    );
  });

  it('refuses a view it cannot watch, naming the ones it can', async () => {
    expect(await refusal('--view', 'content-tier')).toContain(
      '--view must be "content" or "content-premium", not "content-tier"',
    );
  });

  it('takes well-formed options', async () => {
    expect(await refusal('--topic', 'plays.premium', '--interval', '50', '--duration', '5')).toBeUndefined();
    expect(await refusal('--view', 'content-premium')).toBeUndefined();
  });
});
