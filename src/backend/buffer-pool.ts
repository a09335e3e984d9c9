/**
 * Recycled output arrays for the native kernels.
 *
 * A fresh Float32Array of a megabyte costs its page faults and zeroing on
 * first write: about a tenth of the time of a 256 x 784 x 1024 product on
 * one thread. The pool hands a kernel an array left by a disposed tensor of
 * the same size instead.
 *
 * An array is reused only when nothing can still see it:
 *  - every tensor stored on it (the cpu backend's Slice stores views into
 *    its input's buffer) has been disposed, which the backend reports by
 *    counting {@link stored} and {@link released} calls per buffer;
 *  - it was never handed to user code by `dataSync()` or `data()`: such an
 *    array is {@link expose}d and left to the garbage collector.
 * Arrays from the pool are not zeroed: only kernels that write every
 * element take one.
 */

/** Arrays below this many elements are cheap to allocate and not pooled. */
const MIN_POOLED = 4096;

/** Upper bound on the bytes held for reuse; beyond it released arrays are dropped. */
const DEFAULT_CAPACITY_BYTES = 256 * 1024 * 1024;

interface Tracked {
  /** The whole array taken from the pool. */
  array: Float32Array;
  /** Live tensors stored on its buffer. */
  refs: number;
}

export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();
  private readonly tracked = new WeakMap<ArrayBufferLike, Tracked>();
  private heldBytes = 0;

  constructor(private readonly capacityBytes = DEFAULT_CAPACITY_BYTES) {}

  /** A Float32Array of `size` elements with arbitrary contents. */
  take(size: number): Float32Array {
    if (size < MIN_POOLED) return new Float32Array(size);
    let array = this.free.get(size)?.pop();
    if (array === undefined) array = new Float32Array(size);
    else this.heldBytes -= array.byteLength;
    this.tracked.set(array.buffer, { array, refs: 0 });
    return array;
  }

  /** A tensor's data was stored on `values` (a pooled array or a view of one). */
  stored(values: unknown): void {
    const entry = this.entryOf(values);
    if (entry !== undefined) entry.refs++;
  }

  /** A tensor stored on `values` was disposed; the last one frees the array. */
  released(values: unknown): void {
    const entry = this.entryOf(values);
    if (entry === undefined) return;
    entry.refs--;
    if (entry.refs > 0) return;
    this.tracked.delete(entry.array.buffer);
    const bytes = entry.array.byteLength;
    if (this.heldBytes + bytes > this.capacityBytes) return;
    const size = entry.array.length;
    const list = this.free.get(size);
    if (list === undefined) this.free.set(size, [entry.array]);
    else list.push(entry.array);
    this.heldBytes += bytes;
  }

  /** `values` reached user code: its buffer is never reused. */
  expose(values: unknown): void {
    if (ArrayBuffer.isView(values)) this.tracked.delete(values.buffer);
  }

  /** Bytes currently held for reuse. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  private entryOf(values: unknown): Tracked | undefined {
    return ArrayBuffer.isView(values) ? this.tracked.get(values.buffer) : undefined;
  }
}
