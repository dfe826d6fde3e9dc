// x86-64 disassembly (Intel syntax) through capstone-js, and a column formatter for listings.
// Knows nothing of wasm: callers bring the bytes, the address and any per-offset annotations.
import { createRequire } from 'node:module';

export interface DisasmLine {
  address: bigint;
  bytes: Uint8Array;
  mnemonic: string;
  operands: string;
}

interface CapstoneInstruction {
  size: number;
  mnemonic: string;
  op_str: string;
}

interface CapstoneEngine {
  disasm(code: Uint8Array, address: bigint, maxCount?: number): CapstoneInstruction[];
  option(option: number, value: number): void;
}

interface CapstoneModule {
  Capstone: new (arch: number, mode: number) => CapstoneEngine;
  ARCH_X86: number;
  MODE_64: number;
  OPT_SYNTAX: number;
  OPT_SYNTAX_INTEL: number;
}

// capstone-js is an emscripten module whose factory is asynchronous (about 35 ms): it is loaded once,
// by `loadDisassembler`, which a program that disassembles awaits first (the CLI's `disasm` does), so
// that `disassemble` stays synchronous and nothing else pays for capstone at start-up.
let engine: CapstoneEngine | undefined;
let loading: Promise<void> | undefined;

export function loadDisassembler(): Promise<void> {
  loading ??= (async () => {
    const loadCapstone = createRequire(import.meta.url)('@alexaltea/capstone-js') as () => Promise<CapstoneModule>;
    const capstone = await loadCapstone();
    const loaded = new capstone.Capstone(capstone.ARCH_X86, capstone.MODE_64);
    loaded.option(capstone.OPT_SYNTAX, capstone.OPT_SYNTAX_INTEL);
    engine = loaded;
  })();
  return loading;
}

function loadedEngine(): CapstoneEngine {
  if (!engine) throw new Error("wasmjit: the disassembler is not loaded: `await loadDisassembler()` (exported by 'wasmjit') first");
  return engine;
}

/** Mnemonic shown for a byte capstone cannot decode, as objdump does. */
const UNDECODABLE = '(bad)';
/** Wide enough for the common mnemonics (`movabs`, `cmovne`) so operands mostly start in one column. */
const MNEMONIC_WIDTH = 6;

/** Decodes all of `code`, which is taken to live at `address`. Undecodable bytes become one `(bad)` line each. */
export function disassemble(code: Uint8Array, address: bigint): DisasmLine[] {
  const lines: DisasmLine[] = [];
  let offset = 0;
  while (offset < code.length) {
    // capstone stops at the first byte it cannot decode (and throws when that is the very first one),
    // so decode in runs and step over each undecodable byte by hand.
    const run = decodeRun(code.subarray(offset), address + BigInt(offset));
    if (run.length === 0) {
      lines.push({ address: address + BigInt(offset), bytes: code.slice(offset, offset + 1), mnemonic: UNDECODABLE, operands: '' });
      offset += 1;
      continue;
    }
    for (const insn of run) {
      lines.push({
        address: address + BigInt(offset),
        bytes: code.slice(offset, offset + insn.size),
        mnemonic: insn.mnemonic,
        operands: insn.op_str,
      });
      offset += insn.size;
    }
  }
  return lines;
}

function decodeRun(code: Uint8Array, address: bigint): CapstoneInstruction[] {
  try {
    return loadedEngine().disasm(code, address);
  } catch {
    return [];
  }
}

/**
 * Prints `address  bytes  mnemonic operands  ; annotation` with every column aligned.
 * `annotations` is keyed by byte offset from the first line's address; an annotation is printed on the
 * line starting at that offset (the first machine instruction emitted for a wasm instruction).
 */
/**
 * Data in the code as listing lines: the int3 padding before it, then one line per 16 bytes (a
 * constant pool's v128 entries), shown as four little-endian 32-bit words.
 */
export function dataLines(data: Uint8Array, address: bigint): DisasmLine[] {
  const lines: DisasmLine[] = [];
  let padding = 0;
  while (padding < data.length && padding < 15 && data[padding] === 0xcc && (data.length - padding) % 16 !== 0) padding++;
  if (padding > 0) lines.push({ address, bytes: data.slice(0, padding), mnemonic: '(padding)', operands: '' });
  for (let at = padding; at < data.length; at += 16) {
    const bytes = data.slice(at, at + 16);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const words = Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => `0x${view.getUint32(4 * i, true).toString(16).padStart(8, '0')}`);
    lines.push({ address: address + BigInt(at), bytes, mnemonic: '.v128', operands: `i32x4 ${words.join(' ')}` });
  }
  return lines;
}

export function formatListing(lines: readonly DisasmLine[], annotations: ReadonlyMap<number, string> = new Map()): string {
  if (lines.length === 0) return '';
  const base = lines[0].address;
  const rows = lines.map((line) => ({
    address: line.address.toString(16),
    bytes: Array.from(line.bytes, (b) => b.toString(16).padStart(2, '0')).join(' '),
    instruction: line.operands === '' ? line.mnemonic : `${line.mnemonic.padEnd(MNEMONIC_WIDTH)} ${line.operands}`,
    annotation: annotations.get(Number(line.address - base)),
  }));
  const addressWidth = Math.max(...rows.map((r) => r.address.length));
  const bytesWidth = Math.max(...rows.map((r) => r.bytes.length));
  const instructionWidth = Math.max(...rows.map((r) => r.instruction.length));
  return rows
    .map((r) => {
      const text = `${r.address.padStart(addressWidth, '0')}  ${r.bytes.padEnd(bytesWidth)}  ${r.instruction.padEnd(instructionWidth)}`;
      return r.annotation === undefined ? text.trimEnd() : `${text}  ; ${r.annotation}`;
    })
    .join('\n');
}
