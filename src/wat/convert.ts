// wabt: WebAssembly text → binary, with errors that carry file:line:col. Runs in the wat worker.
import wabtInit from 'wabt';

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabtPromise: Promise<Wabt> | undefined;

const FEATURES = {
  multi_value: true,
  sign_extension: true,
  mutable_globals: true,
  sat_float_to_int: true,
  bulk_memory: true,
  reference_types: true,
  // wasmjit refuses SIMD with a CompileError naming the instruction; wabt must not refuse it first.
  simd: true,
};

/**
 * Parses and validates `.wat` text; throws an Error whose message starts with `file:line:col`.
 * `debugNames`: write a name section with the text's `$names`.
 */
export async function convertWat(text: string, filename: string, debugNames = false): Promise<Uint8Array> {
  wabtPromise ??= wabtInit();
  const wabt = await wabtPromise;
  let module: ReturnType<Wabt['parseWat']> | undefined;
  try {
    // wabt's JS wrapper writes the name's terminating zero one byte past its buffer, so a stray
    // byte may follow the name in messages; a terminator of our own keeps the name intact.
    module = wabt.parseWat(`${filename}\0`, text, FEATURES);
    module.resolveNames();
    module.validate();
    const { buffer } = module.toBinary({ log: false, write_debug_names: debugNames });
    return new Uint8Array(buffer);
  } catch (err) {
    throw new Error(formatWabtError(filename, err));
  } finally {
    module?.destroy();
  }
}

// wabt reports "parseWat failed:\nfile:1:2: error: ..." (or "validate failed:"); keep the located lines.
function formatWabtError(filename: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const located = message
    .split('\n')
    .map((line) => /^(.*?):(\d+):(\d+): (.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === filename)
    .map(([, , line, col, text]) => `${filename}:${line}:${col}: ${text}`);
  return located.length > 0 ? located.join('\n') : `${filename}:1:1: ${message.trim()}`;
}
