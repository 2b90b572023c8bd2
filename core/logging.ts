import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * One structured logger for the whole process; components take a child with their namespace
 * (`createLogger('stack')`). Level from REELSTREAM_LOG_LEVEL (default info). Logs go to stderr so
 * that command output on stdout stays machine-readable: JSON lines, or readable lines on a terminal.
 */
function destination(): DestinationStream {
  if (process.stderr.isTTY && process.env.REELSTREAM_LOG_FORMAT !== 'json') {
    return pretty({ destination: 2, sync: true, ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss.l' });
  }
  return pino.destination(2);
}

const rootLogger: Logger = pino(
  { name: 'reelstream', level: process.env.REELSTREAM_LOG_LEVEL ?? 'info' },
  destination(),
);

export type { Logger };

export function createLogger(component: string): Logger {
  return rootLogger.child({ component });
}
