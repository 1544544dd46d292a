/**
 * A bounded queue between producers (one log pump per running container) and
 * one consumer (the runner daemon's uploader, or `hangar exec`'s printer).
 *
 * At the limit, `push` still takes the item (so a producer never holds more
 * than one line) and returns a promise that resolves once the consumer has
 * made room. A pump awaits it before reading more from Docker, so a slow
 * consumer stops the Docker stream and memory stays bounded by the limits
 * plus one line per producer.
 *
 * If the consumer stops iterating early, later items are dropped so producers
 * never wait forever; so are items pushed after `close`.
 */
export interface LogQueueLimits<T> {
  /** Most items held before producers wait. */
  maxItems: number;
  /** Most bytes (as measured by `size`) held before producers wait. */
  maxBytes: number;
  size: (item: T) => number;
}

export class LogQueue<T> implements AsyncIterable<T> {
  private buf: (T | undefined)[] = [];
  private head = 0;
  private bytes = 0;
  private isClosed = false;
  private abandoned = false;
  private consumerWake: (() => void) | undefined;
  private producerWakes: (() => void)[] = [];
  private room: Promise<void> | undefined;
  private pushedCount = 0;

  constructor(private readonly limits: LogQueueLimits<T>) {}

  get length(): number {
    return this.buf.length - this.head;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Items pushed since the queue was made. A consumer that counts what it has
   * taken knows it has seen everything pushed before a given moment once its
   * count reaches the value read at that moment.
   */
  get pushed(): number {
    return this.pushedCount;
  }

  /** Adds an item. Returns a promise to await when the queue is full, else undefined. */
  push(item: T): Promise<void> | undefined {
    if (this.abandoned || this.isClosed) return undefined;
    this.pushedCount++;
    this.buf.push(item);
    this.bytes += this.limits.size(item);
    this.wakeConsumer();
    if (!this.full()) return undefined;
    if (!this.room) {
      this.room = new Promise<void>((resolve) => this.producerWakes.push(resolve));
    }
    return this.room;
  }

  /** No more items will come; the consumer ends after draining what is left. */
  close(): void {
    this.isClosed = true;
    this.wakeConsumer();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async () => {
        for (;;) {
          if (this.length > 0) return { value: this.take(), done: false };
          if (this.isClosed || this.abandoned) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            this.consumerWake = resolve;
          });
        }
      },
      return: async () => {
        this.abandon();
        return { value: undefined, done: true };
      },
    };
  }

  /** Everything available at once, up to `max` items per batch: cheaper than one await per line. */
  batches(max = 1000): AsyncIterable<T[]> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<T[]>> => {
          for (;;) {
            if (this.length > 0) {
              const out: T[] = [];
              while (out.length < max && this.length > 0) out.push(this.take());
              return { value: out, done: false };
            }
            if (this.isClosed || this.abandoned) return { value: undefined, done: true };
            await new Promise<void>((resolve) => {
              this.consumerWake = resolve;
            });
          }
        },
        return: async (): Promise<IteratorResult<T[]>> => {
          this.abandon();
          return { value: undefined, done: true };
        },
      }),
    };
  }

  private full(): boolean {
    return this.length >= this.limits.maxItems || this.bytes >= this.limits.maxBytes;
  }

  private take(): T {
    const item = this.buf[this.head] as T;
    this.buf[this.head] = undefined;
    this.head++;
    this.bytes -= this.limits.size(item);
    if (this.head === this.buf.length) {
      this.buf = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
    if (this.room && !this.full()) this.wakeProducers();
    return item;
  }

  private abandon(): void {
    this.abandoned = true;
    this.buf = [];
    this.head = 0;
    this.bytes = 0;
    this.wakeProducers();
  }

  private wakeConsumer(): void {
    const wake = this.consumerWake;
    this.consumerWake = undefined;
    wake?.();
  }

  private wakeProducers(): void {
    const wakes = this.producerWakes;
    this.producerWakes = [];
    this.room = undefined;
    for (const w of wakes) w();
  }
}
