// Where the runner finds things, relative to its own file: the package root is the nearest folder
// above it with a package.json, so this works from dist/spectest/ (and from src/spectest/).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

const PACKAGE_ROOT = findPackageRoot(fileURLToPath(import.meta.url));
/** The built package entry: the wasmjit engine under test. */
export const ENGINE_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'index.js');
/** The built per-file worker, run in a child process for each spec file. */
export const CHILD_ENTRY = path.join(PACKAGE_ROOT, 'dist', 'spectest', 'child.js');
export const DEFAULT_SPEC_DIR = path.join(PACKAGE_ROOT, 'test', 'spec');
export const EXPECTED_FILE_NAME = 'expected.json';
