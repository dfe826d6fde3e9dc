// A private copy of the built package for one benchmark run. A run takes minutes, and in a shared
// work tree anyone's `npm test` or `npm run build` may rewrite dist/ meanwhile; children started
// from the copy all measure the compiler that was built when the run began, never a mix.
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildSnapshot {
  /** dist/bench/child.js inside the copy. */
  childEntry: string;
  /** dist/bench/startup-child.js inside the copy. */
  startupEntry: string;
  /** dist/bench/first-run-child.js inside the copy. */
  firstRunEntry: string;
  /** dist/bench/real-child.js inside the copy. */
  realEntry: string;
  remove(): void;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function snapshotBuild(): BuildSnapshot {
  const root = mkdtempSync(path.join(os.tmpdir(), 'wasmjit-bench-'));
  try {
    // the JavaScript only; package.json makes it an ES module package, node_modules resolves koffi and wabt
    cpSync(path.join(PACKAGE_ROOT, 'dist'), path.join(root, 'dist'), {
      recursive: true,
      filter: (source) => !source.endsWith('.map') && !source.endsWith('.d.ts'),
    });
    cpSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(root, 'package.json'));
    symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return {
    childEntry: path.join(root, 'dist', 'bench', 'child.js'),
    startupEntry: path.join(root, 'dist', 'bench', 'startup-child.js'),
    firstRunEntry: path.join(root, 'dist', 'bench', 'first-run-child.js'),
    realEntry: path.join(root, 'dist', 'bench', 'real-child.js'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
