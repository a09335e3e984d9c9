/**
 * The `native` TF.js backend: TF.js's cpu backend (same storage, same
 * Float32Array values) whose hot kernels run in the C++ addon, with their
 * outputs drawn from a {@link BufferPool}.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendValues, DataId, DataType } from '@tensorflow/tfjs-core';

import { BufferPool } from './buffer-pool.js';

/** The backend class; the kernels are registered separately. */
export class NativeBackend extends MathBackendCPU {
  /** Output arrays of the native kernels, recycled once unreferenced. */
  readonly pool = new BufferPool();

  constructor() {
    super();
    // The cpu backend suggests installing tfjs-node on first use; this
    // backend is the project's answer to that, so the hint is off.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = super.write(values, shape, dtype);
    this.pool.stored(values);
    return dataId;
  }

  override move(
    dataId: DataId,
    values: BackendValues,
    shape: number[],
    dtype: DataType,
    refCount: number,
  ): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.pool.stored(values);
  }

  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    // dataSync() and data() hand out the stored array itself.
    this.pool.expose(values);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    // True once the entry is gone; false while other references remain.
    const disposed = super.disposeData(dataId, force);
    if (disposed && values !== undefined) this.pool.released(values);
    return disposed;
  }
}

/** A float32 output array for a kernel that writes every element. */
export function takeOutput(backend: unknown, size: number): Float32Array {
  return backend instanceof NativeBackend
    ? backend.pool.take(size)
    : new Float32Array(size);
}
