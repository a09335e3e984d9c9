/**
 * Errors that a user can cause and fix: bad flags, corrupt files, broken
 * checkpoints. The CLI prints their message on one line and exits with
 * `exitCode` (2 unless said otherwise); any other error is a bug and keeps its
 * stack.
 */
export class UserError extends Error {
  /** Stable, machine-readable code, e.g. `IDX_BAD_MAGIC`. */
  readonly code: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** True when `error` is a {@link UserError}. */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
