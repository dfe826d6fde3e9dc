// The artifact loader's fuzz target: a generated module is compiled and serialized, and the artifact
// mutated as malformed input is (malformed.ts); half the time the checksum is made right again (and
// sometimes the wasm bytes' hash), so that the mutation reaches the checks behind them. Loading must
// end in an ArtifactError or a module, never in a crash or any other exception; and an artifact
// whose checksum was left alone must not load unless the mutation changed nothing. A module that
// loads after a resealed mutation is not run: its code may be changed, and an artifact's code is
// trusted as a shared library's is (nor is an unchanged one: generated code may loop for ever).
import { ArtifactError, compile, Module } from '../index.js';
import { resealArtifact } from '../runtime/artifact.js';
import { mutateBytes } from './malformed.js';
import { Random } from './random.js';
import { unsupportedSimd } from './simd-instructions.js';
import { generateTypedModule } from './typed-generator.js';
import { encodeModule } from './typed-module.js';
import { describeError } from './values.js';

export interface ArtifactCase {
  mutation: string;
  /** 'checksum', 'checksum+hash' or 'no': what was made right again after the mutation. */
  resealed: 'no' | 'checksum' | 'checksum+hash';
  /** 'rejected: <reason>', 'loaded', or what else happened. */
  outcome: string;
  problem?: string;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i]);

export async function artifactCase(seed: number, progress: (phase: string) => void): Promise<ArtifactCase> {
  const rnd = new Random(seed);
  progress('artifact compile');
  let original: Module;
  try {
    original = await compile(encodeModule(generateTypedModule(seed)));
  } catch (error) {
    const unsupported = error instanceof WebAssembly.CompileError ? unsupportedSimd(error.message) : undefined;
    if (unsupported === undefined) throw error;
    return { mutation: 'none', resealed: 'no', outcome: 'not compiled (a SIMD instruction wasmjit does not compile yet)' };
  }
  const artifact = original.serialize();
  const { mutation, bytes: mutated } = mutateBytes(rnd, artifact);
  const resealed = rnd.pick(['no', 'checksum', 'checksum+hash'] as const);
  const bytes = resealed === 'no' ? mutated : resealArtifact(mutated, { rehashWasm: resealed === 'checksum+hash' });
  const unchanged = sameBytes(bytes, artifact);
  const result = (outcome: string, problem?: string): ArtifactCase => ({ mutation, resealed, outcome, problem });
  try {
    progress(`artifact load (${mutation}, resealed: ${resealed})`);
    let loaded: Module;
    try {
      loaded = Module.deserialize(bytes);
    } catch (error) {
      if (error instanceof ArtifactError) {
        return unchanged ? result(`rejected: ${error.reason}`, `an intact artifact was refused: ${error.message}`) : result(`rejected: ${error.reason}`);
      }
      return result('threw', `${describeError(error)} instead of an ArtifactError`);
    }
    loaded.dispose();
    return result('loaded', !unchanged && resealed === 'no' ? 'a corrupt artifact loaded' : undefined);
  } finally {
    original.dispose();
  }
}
