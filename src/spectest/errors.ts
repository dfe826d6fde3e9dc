// Error helpers of the spec runner: skip signals, failure causes and one-line error descriptions.

/** Thrown while running a command that this runner cannot check (v128 values, unknown types). */
export class Skip {
  constructor(readonly reason: string) {}
}

/**
 * A command failed; `unsupported` says the cause was a feature the engine rejected, either
 * directly or because the module the command needs failed that way.
 */
export class CommandFailure extends Error {
  constructor(message: string, readonly unsupported: boolean) {
    super(message);
  }
}

const WASM_ERRORS = ['CompileError', 'LinkError', 'RuntimeError'] as const;

/** wasmjit reports a feature it lacks as `WebAssembly.CompileError("unsupported ...")`. */
export function isUnsupported(e: unknown): boolean {
  if (e instanceof CommandFailure) return e.unsupported;
  return e instanceof WebAssembly.CompileError && /unsupported/i.test(e.message);
}

/** "Ctor: first line of the message", noting errors that only pretend to be WebAssembly errors. */
export function describeError(e: unknown): string {
  if (e instanceof Skip) return `skip: ${e.reason}`;
  if (e instanceof CommandFailure) return e.message;
  const err = e as { constructor?: { name?: string }; name?: unknown; message?: unknown } | null | undefined;
  const ctor = err?.constructor?.name ?? typeof e;
  const message = err?.message !== undefined ? String(err.message) : String(e);
  const fake = WASM_ERRORS.find((k) => (ctor === k || err?.name === k) && !(e instanceof WebAssembly[k]));
  const note = fake ? ` [not an instance of WebAssembly.${fake}]` : '';
  return `${ctor}${note}: ${message.split('\n')[0].slice(0, 300)}`;
}
