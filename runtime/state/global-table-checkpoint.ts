import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TopicPartitionMap } from '../kafka/topic-partition-map';

/**
 * The checkpoint of an instance's persistent global tables: for every partition of their topics,
 * the offset up to which the tables on disk hold everything. Written on a clean stop, after the
 * follow loop ended and the stores were flushed; taken (read and removed) when the tables open again,
 * so a crash — whose stores may hold more or less than any position — leaves none, and the tables
 * are then emptied and read from the start of their topics.
 */
const checkpointSchema = z.strictObject({
  positions: z.array(z.strictObject({ topic: z.string(), partition: z.int().min(0), offset: z.int().min(0) })),
});

const fileOf = (dir: string) => join(dir, '.checkpoint');

/** Reads and removes the checkpoint; undefined when there is none or it is unreadable. */
export function takeGlobalCheckpoint(dir: string): TopicPartitionMap<number> | undefined {
  const file = fileOf(dir);
  if (!existsSync(file)) return undefined;
  try {
    const { positions } = checkpointSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    const map = new TopicPartitionMap<number>();
    for (const { topic, partition, offset } of positions) map.set({ topic, partition }, offset);
    return map;
  } catch {
    return undefined; // a torn or foreign file: read everything, as without one
  } finally {
    rmSync(file, { force: true });
  }
}

export function writeGlobalCheckpoint(dir: string, positions: TopicPartitionMap<number>): void {
  mkdirSync(dir, { recursive: true });
  const file = fileOf(dir);
  const content = { positions: [...positions].map(([{ topic, partition }, offset]) => ({ topic, partition, offset })) };
  // Written whole or not at all: a crash while writing leaves no half checkpoint behind.
  writeFileSync(`${file}.tmp`, JSON.stringify(content));
  renameSync(`${file}.tmp`, file);
}
