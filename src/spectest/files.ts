// Finding spec files: a path is a wast2json .json file, a spec folder `<name>/` holding
// `<name>.json`, or a suite folder of spec folders (test/spec).
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './options.js';

const commandFileOf = (dir: string): string => path.join(dir, `${path.basename(dir)}.json`);

const isDirectory = (p: string): boolean => fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** A folder of spec folders (as opposed to one spec folder)? */
export function isSuiteDir(dir: string): boolean {
  return isDirectory(dir) && !fs.existsSync(commandFileOf(dir));
}

function specFilesIn(p: string): string[] {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`no such file or folder: ${p}`);
  if (stat.isFile()) {
    if (!p.endsWith('.json')) throw new UsageError(`not a wast2json .json file: ${p}`);
    return [p];
  }
  if (!isSuiteDir(p)) return [commandFileOf(p)];
  const found = fs.readdirSync(p).sort()
    .map((entry) => path.join(p, entry))
    .filter((sub) => isDirectory(sub) && fs.existsSync(commandFileOf(sub)))
    .map(commandFileOf);
  if (found.length === 0) throw new UsageError(`no spec folders (<name>/<name>.json) in ${p}`);
  return found;
}

/** The absolute paths of all command files named by `paths`, in order, without duplicates. */
export function findSpecFiles(paths: string[]): string[] {
  return [...new Set(paths.flatMap((p) => specFilesIn(path.resolve(p))))];
}

export const specName = (file: string): string => path.basename(file, '.json');
