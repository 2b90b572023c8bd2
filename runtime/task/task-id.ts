/**
 * A task's identity: the sub-topology it runs and the input partition it reads (Kafka Streams'
 * TaskId). Interned — one instance per value — so it can key a Map directly; printed as
 * `<subtopology>_<partition>`, the form logs and metrics show.
 */
export class TaskId {
  private static readonly interned = new Map<number, Map<number, TaskId>>();

  static of(subtopology: number, partition: number): TaskId {
    let bySubtopology = TaskId.interned.get(subtopology);
    if (!bySubtopology) TaskId.interned.set(subtopology, (bySubtopology = new Map()));
    let id = bySubtopology.get(partition);
    if (!id) bySubtopology.set(partition, (id = new TaskId(subtopology, partition)));
    return id;
  }

  private constructor(
    readonly subtopology: number,
    readonly partition: number,
  ) {}

  toString(): string {
    return `${this.subtopology}_${this.partition}`;
  }

  toJSON(): string {
    return this.toString();
  }
}
