import { managedPid } from '../../infra/local/processes';
import { localServices } from '../../infra/local/services';
import { upService } from '../../infra/local/stack';
import { testConfig } from './stack';

/** A service of the stack `reelstream stack up` started, with its pid: for the fault tests. */
export function stackService(name: string) {
  const service = localServices(testConfig()).find((candidate) => candidate.name === name);
  const pid = service && managedPid(service.pidFile);
  if (!service || pid === undefined)
    throw new Error(
      `the fault suite stops the ${name} that reelstream stack up started; this one is not managed by it`,
    );
  return { service, pid };
}

/**
 * SIGSTOPs a service of the stack and proves the fault happened: the stopped service answers
 * nothing (its probe fails or does not answer within 2 s). `resume()` sends SIGCONT; tests call it
 * in `finally` too, so a failed assertion does not leave the service frozen.
 */
export async function freeze(name: string): Promise<{ resume(): void }> {
  const { service, pid } = stackService(name);
  process.kill(pid, 'SIGSTOP');
  let resumed = false;
  const resume = () => {
    if (resumed) return;
    resumed = true;
    process.kill(pid, 'SIGCONT');
  };
  const answer = await Promise.race([
    service.probe().then(
      () => 'answered',
      () => 'failed',
    ),
    new Promise((resolve) => setTimeout(resolve, 2_000, 'no answer')),
  ]);
  if (answer === 'answered') {
    resume();
    throw new Error(`${name} answered its probe after SIGSTOP: the fault did not happen`);
  }
  return { resume };
}

/**
 * Kills a service of the stack with SIGKILL; `restore()` brings it back through the code
 * `reelstream stack up` runs. Tests call it in `finally` too: a failed assertion during an outage
 * must not leave the service down for the tests after it.
 */
export function outage(name: string) {
  const { service, pid } = stackService(name);
  process.kill(pid, 'SIGKILL');
  let restored = false;
  return {
    service,
    async restore(): Promise<void> {
      if (restored) return;
      restored = true;
      await upService(service);
    },
  };
}
