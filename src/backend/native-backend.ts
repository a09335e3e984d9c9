/**
 * The `native` TF.js backend: TF.js's cpu backend (same storage, same
 * Float32Array values) whose hot kernels run in the C++ addon.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

/** The backend class; the kernels are registered separately. */
export class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // The cpu backend suggests installing tfjs-node on first use; this
    // backend is the project's answer to that, so the hint is off.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}
