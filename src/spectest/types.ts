// Shapes shared by the spec runner: the wast2json command file (wabt 1.0.32) and the results.

/** A value in a command file: `value` holds the bit pattern as a decimal string (see test/spec/README.md). */
export interface SpecValue {
  type: string;
  value?: string | string[];
  lane_type?: string;
}

export interface SpecAction {
  type: string; // "invoke" | "get"
  field: string;
  module?: string;
  args?: SpecValue[];
}

export interface SpecCommand {
  type: string;
  line: number;
  filename?: string;
  name?: string;
  as?: string;
  action?: SpecAction;
  expected?: SpecValue[];
  either?: SpecValue[];
  text?: string;
  module_type?: string;
}

export interface SpecFile {
  source_filename?: string;
  commands?: SpecCommand[];
}

/** What one command came to. `unsupported`: it failed because wasmjit rejected a feature it lacks. */
export type Outcome =
  | { status: 'passed' }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string; unsupported: boolean };

export interface Failure {
  line: number;
  type: string;
  reason: string;
  unsupported: boolean;
}

export interface FileResult {
  name: string;
  file: string;
  commands: number;
  passed: number;
  failed: number;
  skipped: number;
  /** How many of `failed` are due to an unsupported feature (CompileError "unsupported ..."). */
  unsupported: number;
  /** Problems of the file as a whole: child crashed or timed out, engine did not load, ... */
  notes: string[];
  failures: Failure[];
  /** Skip reason → how many commands were skipped for it. */
  skips: Record<string, number>;
}

export interface Totals {
  files: number;
  commands: number;
  passed: number;
  failed: number;
  skipped: number;
  unsupported: number;
}

export interface SuiteResult {
  engine: EngineName;
  files: FileResult[];
  totals: Totals;
}

/** `wasmjit-artifact`: wasmjit, every module going through `serialize` and `Module.deserialize` before it is used. */
/** `wasmjit-lazy`: wasmjit, every module compiled with `{ lazy: true }`. */
export const ENGINE_NAMES = ['wasmjit', 'v8', 'wasmjit-artifact', 'wasmjit-lazy'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export const isEngineName = (text: string | undefined): text is EngineName => (ENGINE_NAMES as readonly (string | undefined)[]).includes(text);
