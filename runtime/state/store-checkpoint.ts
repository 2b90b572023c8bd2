import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * The checkpoint of a persistent store: the changelog offset up to which the store on disk holds
 * everything (Kafka Streams' `.checkpoint` file). Under exactly-once a running store may hold writes
 * of a transaction that has not committed, so the checkpoint is written only on a clean stop, after
 * the last commit, and deleted as soon as a task opens the store again. A store without one (after a
 * crash, or never stopped cleanly) is emptied and restored from the start of its changelog.
 */
const checkpointSchema = z.strictObject({
  changelog: z.string(),
  partition: z.int().min(0),
  offset: z.int().min(0),
});

export type StoreCheckpoint = z.infer<typeof checkpointSchema>;

const fileOf = (storeDir: string) => join(storeDir, '.checkpoint');

/** Reads and removes the checkpoint; undefined when there is none (or it is unreadable). */
export function takeCheckpoint(storeDir: string): StoreCheckpoint | undefined {
  const file = fileOf(storeDir);
  if (!existsSync(file)) return undefined;
  try {
    return checkpointSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined; // a torn or foreign file: restore everything, as without one
  } finally {
    rmSync(file, { force: true });
  }
}

export function writeCheckpoint(storeDir: string, checkpoint: StoreCheckpoint): void {
  mkdirSync(dirname(fileOf(storeDir)), { recursive: true });
  const file = fileOf(storeDir);
  // Written whole or not at all: a crash while writing leaves no half checkpoint behind.
  writeFileSync(`${file}.tmp`, JSON.stringify(checkpoint));
  renameSync(`${file}.tmp`, file);
}
