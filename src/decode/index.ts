// decode: wasm bytes → ModuleIR. Our own reader of the binary format: it keeps the exact bits of
// float constants, reads every WebAssembly 2.0 encoding (0xfc- and 0xfd-prefixed instructions, typed
// select, all element and data segment forms) and reports malformations with their byte offset.
// (@webassemblyjs/wasm-parser decoded modules up to the integer core; it could read none of those
// forms, lost NaN payloads and ran at about 2 MB/s. It remains the independent oracle in
// test/decode.test.ts.)
export { decodeBinary as decodeModule, NO_BODY } from './module.js';
export type { DecodeOptions } from './module.js';
export { readNames } from './names.js';
export type { Names } from './names.js';
export type * from './ir.js';
export { blockTypeOf, instructionAt, instructionsOf, valTypeOfCode } from './body.js';
export { dataSegmentBytes, INSTR_WORDS } from './ir.js';
export { Opcode, OPCODE_LIMIT, opcodeId, opcodeInfo, PREFIXED_BASE, SIMD_BASE } from './opcodes.js';
export type { Immediate, OpcodeInfo } from './opcodes.js';
export { CodeOffsets } from './code-offsets.js';
