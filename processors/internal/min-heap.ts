/**
 * A binary min-heap on a numeric priority. Window operators push (window end, window id) and pop
 * while the smallest end has closed: closing costs O(log n) per window, never a scan of the store.
 */
export class MinHeap<T> {
  private readonly priorities: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(priority: number, item: T): void {
    this.priorities.push(priority);
    this.items.push(item);
    let index = this.items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((this.priorities[parent] as number) <= priority) break;
      this.swap(index, parent);
      index = parent;
    }
  }

  peekPriority(): number | undefined {
    return this.priorities[0];
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    const lastPriority = this.priorities.pop() as number;
    const lastItem = this.items.pop() as T;
    if (this.items.length > 0) {
      this.priorities[0] = lastPriority;
      this.items[0] = lastItem;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.items.length && (this.priorities[left] as number) < (this.priorities[smallest] as number))
        smallest = left;
      if (right < this.items.length && (this.priorities[right] as number) < (this.priorities[smallest] as number))
        smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    [this.priorities[a], this.priorities[b]] = [this.priorities[b] as number, this.priorities[a] as number];
    [this.items[a], this.items[b]] = [this.items[b] as T, this.items[a] as T];
  }
}
