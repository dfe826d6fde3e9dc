// How `wasmjit run` tells a WASI command from a module whose exports it calls, and the command-line
// spellings of its environment and preopens (wasmtime's: `--env NAME=VALUE`, `--dir HOST[::GUEST]`).
import { statSync } from 'node:fs';
import type { ModuleIR } from '../decode/index.js';
import type { WASIOptions } from './index.js';

const WASI_MODULES: Record<string, NonNullable<WASIOptions['version']>> = {
  wasi_snapshot_preview1: 'preview1',
  wasi_unstable: 'unstable',
};

/** The WASI version a module's imports ask for, if they ask for one. */
export function wasiVersionOf(ir: ModuleIR): WASIOptions['version'] | undefined {
  return ir.imports.map((i) => WASI_MODULES[i.module]).find((version) => version !== undefined);
}

/** The imports that WASI does not provide, as `module.name`. */
export function nonWasiImports(ir: ModuleIR): string[] {
  return ir.imports.filter((i) => !Object.hasOwn(WASI_MODULES, i.module)).map((i) => `${i.module}.${i.name}`);
}

/** A command: imports WASI and exports a function `_start`, which `run` calls with the words after the file as its argv. */
export function isWasiCommand(ir: ModuleIR): boolean {
  return wasiVersionOf(ir) !== undefined && ir.exports.some((e) => e.name === '_start' && e.kind === 'func');
}

/** `--env NAME=VALUE`, or `--env NAME` for the host's value of NAME (left out when the host has none). */
export function parseEnv(settings: string[], hostEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const setting of settings) {
    const equals = setting.indexOf('=');
    const name = equals < 0 ? setting : setting.slice(0, equals);
    if (name === '') throw new Error(`--env '${setting}' has no variable name (--env NAME=VALUE)`);
    const value = equals < 0 ? hostEnv[name] : setting.slice(equals + 1);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** `--dir HOST[::GUEST]` → guest path → host directory; without GUEST the program sees the directory as HOST names it. */
export function parseDirs(dirs: string[]): Record<string, string> {
  const preopens: Record<string, string> = {};
  for (const dir of dirs) {
    const separator = dir.indexOf('::');
    const host = separator < 0 ? dir : dir.slice(0, separator);
    const guest = separator < 0 ? dir : dir.slice(separator + 2);
    if (host === '' || guest === '') throw new Error(`--dir '${dir}' needs a host directory and a guest path (--dir HOST[::GUEST])`);
    if (!isDirectory(host)) throw new Error(`--dir '${dir}': '${host}' is not a directory`);
    preopens[guest] = host;
  }
  return preopens;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
