/**
 * Loader for the native CPU backend (the C++ addon in `native/`).
 *
 * Returns whether the backend could be registered and, if not, why, so the
 * caller can fall back to another backend and say so.
 */
export type NativeLoadResult = { ok: true } | { ok: false; reason: string };

/** Registers the `native` TF.js backend if the addon is built. */
export async function loadNativeBackend(): Promise<NativeLoadResult> {
  return { ok: false, reason: 'the native addon is not part of this build yet' };
}
