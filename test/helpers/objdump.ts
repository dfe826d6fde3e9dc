// GNU binutils as an independent reference for x86-64 encodings: `objdump` decodes our bytes and
// `as` encodes the text we expect. Each runs once per call on a temporary file, so callers batch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One instruction as objdump decodes it; `text` is mnemonic and operands with whitespace runs collapsed. */
export interface DecodedInstruction {
  offset: number;
  length: number;
  text: string;
}

function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `GNU binutils is required for the assembler encoding tests but \`${tool}\` was not found on PATH; ` +
        'install it (e.g. `apt-get install binutils`).',
    );
  }
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

function withTempDir<T>(body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'wasmjit-binutils-'));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const normalize = (text: string): string => text.replace(/\s+/g, ' ').trim();

// `   1f:\t48 01 d8     \tadd    rax,rbx`
const OBJDUMP_LINE = /^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*)$/;

/** Decodes `code` (loaded at address 0) as x86-64 in Intel syntax with a single objdump run. */
export function objdump(code: Uint8Array): DecodedInstruction[] {
  return withTempDir((dir) => {
    const file = join(dir, 'code.bin');
    writeFileSync(file, code);
    // -z: print runs of zero bytes as instructions instead of `...`; a wide --insn-width keeps every
    // instruction on one line.
    const listing = run('objdump', ['-z', '-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', '--insn-width=16', file]);
    const decoded: DecodedInstruction[] = [];
    for (const line of listing.split('\n')) {
      const match = OBJDUMP_LINE.exec(line);
      if (!match) continue;
      decoded.push({
        offset: parseInt(match[1]!, 16),
        length: match[2]!.trim().split(' ').length,
        text: normalize(match[3]!),
      });
    }
    return decoded;
  });
}

/**
 * Assembles `lines` (Intel syntax, one instruction or data directive each) with a single GNU `as`
 * run and returns the bytes each line produced, read from the assembler listing.
 */
export function gasAssemble(lines: readonly string[]): Uint8Array[] {
  return withTempDir((dir) => {
    const source = join(dir, 'code.s');
    const listingFile = join(dir, 'code.lst');
    // `.psize 0` turns off listing pagination, so every listing line belongs to a source line.
    writeFileSync(source, ['.psize 0', ...lines].join('\n') + '\n');
    run('as', ['--64', '-msyntax=intel', '-mnaked-reg', `-al=${listingFile}`, '--listing-lhs-width=4', '-o', join(dir, 'code.o'), source]);
    const bytesByLine: number[][] = lines.map(() => []);
    // A source line's first listing line is `lineno address hex... \t source`; continuation lines
    // (for long data) are `lineno hex...` without the tab.
    for (const row of readFileSync(listingFile, 'utf8').split('\n')) {
      const tab = row.indexOf('\t');
      const fields = (tab >= 0 ? row.slice(0, tab) : row).trim().split(/\s+/);
      const lineNumber = Number(fields[0]);
      if (!Number.isInteger(lineNumber) || lineNumber < 2) continue;
      const hex = fields.slice(tab >= 0 ? 2 : 1).join('');
      const target = bytesByLine[lineNumber - 2]!;
      for (let i = 0; i < hex.length; i += 2) target.push(parseInt(hex.slice(i, i + 2), 16));
    }
    return bytesByLine.map((bytes) => Uint8Array.from(bytes));
  });
}

/**
 * The indices of `lines` that GNU `as` rejects after `directives` (e.g. `.arch generic64`, `.arch
 * .ssse3`: then an instruction of a later extension is an error on its line).
 */
export function gasRejects(directives: readonly string[], lines: readonly string[]): Set<number> {
  return withTempDir((dir) => {
    const source = join(dir, 'code.s');
    writeFileSync(source, [...directives, ...lines].join('\n') + '\n');
    const result = spawnSync('as', ['--64', '-msyntax=intel', '-mnaked-reg', '-o', join(dir, 'code.o'), source], { encoding: 'utf8' });
    if (result.error) throw result.error;
    const rejected = new Set<number>();
    for (const match of result.stderr.matchAll(/^[^:\n]*:(\d+): Error: /gm)) rejected.add(Number(match[1]) - directives.length - 1);
    if (result.status !== 0 && rejected.size === 0) throw new Error(`as failed:\n${result.stderr}`);
    return rejected;
  });
}
