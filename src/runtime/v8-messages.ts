// The JS API error texts that differ between the V8 versions Node ships: every known form of each,
// oldest first, and a probe that asks the running V8 which one it uses (v8-probe.ts). A V8 that says
// something else (a version newer than this table) gets the newest form. Texts that every known V8
// shares stay at their call sites. Where V8 starts a text with the API that was called
// ("WebAssembly.instantiate(): ", "WebAssembly.Instance(): "), that API is a parameter.
//
// V8 11.3 (Node 20), 12.4 (Node 22), 13.6 (Node 24):
//   import context     Import #0 module="m" function="f" error: …  |  Import #0 module="m" function="f": …  |  Import #0 "m" "f": …
//   memory import size memory import 0 is smaller than initial 2, got 1  |  <import context>: memory import has 1 pages which is
//                      smaller than the declared initial of 2 (12.4 on; likewise "has no maximum limit", "has a larger maximum size")
//   table import       table import 0 has no maximum length, expected 2  |  …; required: 2 (13.6)
//   data segment       data segment is out of bounds  |  data segment 0 is out of bounds (offset 65533, length 4, memory size 65536) (12.4 on)
//   Table.get/set      invalid index 8 into function table  |  invalid index 8 into funcref table of size 8  |  invalid address 8 in funcref table of size 8
//   Global.value       set WebAssembly.Global.value: …  |  set WebAssembly.Global.value): … (13.6)
import type { RefType } from '../decode/index.js';
import { formV8Uses, importSection, lazily, probeModule, v8Message } from './v8-probe.js';

/** The calls that instantiate a module, as V8 names them at the start of their errors. */
export type InstantiateApi = 'WebAssembly.instantiate()' | 'WebAssembly.Instance()';

/** "Import #0 …" without the text: names the import by module and, unless the module is what failed, by name. */
type ImportContext = (index: number, module: string, name?: string) => string;

const IMPORT_CONTEXTS: readonly [ImportContext, ...ImportContext[]] = [
  (i, module, name) => `Import #${i} module="${module}"${name === undefined ? '' : ` function="${name}"`} error`,
  (i, module, name) => `Import #${i} module="${module}"${name === undefined ? '' : ` function="${name}"`}`,
  (i, module, name) => `Import #${i} "${module}"${name === undefined ? '' : ` "${name}"`}`,
];

/** (import "m" "f" (func)) given a number. */
const importContext = lazily(() =>
  formV8Uses(
    IMPORT_CONTEXTS,
    v8Message((wasm) => new wasm.Instance(probeModule(wasm, [0x01, 0x04, 0x01, 0x60, 0x00, 0x00], importSection([0x00, 0x00])), { m: { f: 0 } })),
    (form) => `WebAssembly.Instance(): ${form(0, 'm', 'f')}: function import requires a callable`,
  ),
);

/** An error of import `index` (`name` omitted when its module is what is wrong). */
export function importError(api: InstantiateApi, index: number, imp: { module: string; name?: string }, text: string): string {
  return `${api}: ${importContext()(index, imp.module, imp.name)}: ${text}`;
}

/** The texts of an imported memory's or table's size checks. */
export interface ImportLimitTexts {
  tooSmall(current: number, initial: number): string;
  noMaximum(declared: number): string;
  largerMaximum(maximum: number, declared: number): string;
}

/** Memory import texts, given the import's index and its context ("Import #0 …"). */
type MemoryLimitForm = (index: number, context: string) => ImportLimitTexts;

// V8 quotes 2^32 - 1 as the expected maximum, whatever the module declared.
const MEMORY_LIMIT_FORMS: readonly [MemoryLimitForm, ...MemoryLimitForm[]] = [
  (index) => ({
    tooSmall: (current, initial) => `memory import ${index} is smaller than initial ${initial}, got ${current}`,
    noMaximum: () => `memory import ${index} has no maximum limit, expected at most 4294967295`,
    largerMaximum: (maximum, declared) => `memory import ${index} has a larger maximum size ${maximum} than the module's declared maximum ${declared}`,
  }),
  (_, context) => ({
    tooSmall: (current, initial) => `${context}: memory import has ${current} pages which is smaller than the declared initial of ${initial}`,
    noMaximum: () => `${context}: memory import has no maximum limit, expected at most 4294967295`,
    largerMaximum: (maximum, declared) => `${context}: memory import has a larger maximum size ${maximum} than the module's declared maximum ${declared}`,
  }),
];

/** (import "m" "f" (memory 1)) given a memory of 0 pages. */
const memoryLimitForm = lazily(() =>
  formV8Uses(
    MEMORY_LIMIT_FORMS,
    v8Message((wasm) => new wasm.Instance(probeModule(wasm, importSection([0x02, 0x00, 0x01])), { m: { f: new wasm.Memory({ initial: 0 }) } })),
    (form) => `WebAssembly.Instance(): ${form(0, importContext()(0, 'm', 'f')).tooSmall(0, 1)}`,
  ),
);

export function memoryImportLimits(api: InstantiateApi, index: number, imp: { module: string; name: string }): ImportLimitTexts {
  const texts = memoryLimitForm()(index, importContext()(index, imp.module, imp.name));
  return {
    tooSmall: (current, initial) => `${api}: ${texts.tooSmall(current, initial)}`,
    noMaximum: (declared) => `${api}: ${texts.noMaximum(declared)}`,
    largerMaximum: (maximum, declared) => `${api}: ${texts.largerMaximum(maximum, declared)}`,
  };
}

type TableWithoutMaximum = (index: number, declared: number) => string;

const TABLE_WITHOUT_MAXIMUM_FORMS: readonly [TableWithoutMaximum, ...TableWithoutMaximum[]] = [
  (index, declared) => `table import ${index} has no maximum length, expected ${declared}`,
  (index, declared) => `table import ${index} has no maximum length; required: ${declared}`,
];

/** (import "m" "f" (table 0 1 funcref)) given a table without a maximum. */
const tableWithoutMaximum = lazily(() =>
  formV8Uses(
    TABLE_WITHOUT_MAXIMUM_FORMS,
    v8Message((wasm) =>
      new wasm.Instance(probeModule(wasm, importSection([0x01, 0x70, 0x01, 0x00, 0x01])), { m: { f: new wasm.Table({ element: 'anyfunc', initial: 0 }) } }),
    ),
    (form) => `WebAssembly.Instance(): ${form(0, 1)}`,
  ),
);

/** Table import texts; V8 prints a too large maximum in hexadecimal, without a prefix. */
export function tableImportLimits(api: InstantiateApi, index: number): ImportLimitTexts {
  return {
    tooSmall: (current, initial) => `${api}: table import ${index} is smaller than initial ${initial}, got ${current}`,
    noMaximum: (declared) => `${api}: ${tableWithoutMaximum()(index, declared)}`,
    largerMaximum: (maximum, declared) => `${api}: table import ${index} has a larger maximum size ${maximum.toString(16)} than the module's declared maximum ${declared}`,
  };
}

type DataSegmentOutOfBounds = (segment: number, offset: number, length: number, memorySize: number) => string;

const DATA_SEGMENT_FORMS: readonly [DataSegmentOutOfBounds, ...DataSegmentOutOfBounds[]] = [
  () => 'data segment is out of bounds',
  (segment, offset, length, memorySize) => `data segment ${segment} is out of bounds (offset ${offset}, length ${length}, memory size ${memorySize})`,
];

/** (memory 0) (data (i32.const 0) "\00") */
const dataSegmentForm = lazily(() =>
  formV8Uses(
    DATA_SEGMENT_FORMS,
    v8Message((wasm) => new wasm.Instance(probeModule(wasm, [0x05, 0x03, 0x01, 0x00, 0x00], [0x0b, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00]))),
    (form) => `WebAssembly.Instance(): ${form(0, 0, 1, 0)}`,
  ),
);

/** An active data segment that does not fit: `offset` as the unsigned 32-bit address, sizes in bytes. */
export function dataSegmentOutOfBounds(api: InstantiateApi, segment: number, offset: number, length: number, memorySize: number): string {
  return `${api}: ${dataSegmentForm()(segment, offset, length, memorySize)}`;
}

type TableIndexOutOfBounds = (index: number, element: RefType, size: number) => string;

// V8 11.3 calls every table a "function table", externref ones included.
const TABLE_INDEX_FORMS: readonly [TableIndexOutOfBounds, ...TableIndexOutOfBounds[]] = [
  (index) => `invalid index ${index} into function table`,
  (index, element, size) => `invalid index ${index} into ${element} table of size ${size}`,
  (index, element, size) => `invalid address ${index} in ${element} table of size ${size}`,
];

const tableIndexForm = lazily(() =>
  formV8Uses(
    TABLE_INDEX_FORMS,
    v8Message((wasm) => new wasm.Table({ element: 'anyfunc', initial: 0 }).get(0)),
    (form) => `WebAssembly.Table.get(): ${form(0, 'funcref', 0)}`,
  ),
);

/** Table.get/set past the end. */
export function tableIndexOutOfBounds(method: 'get' | 'set', index: number, element: RefType, size: number): string {
  return `WebAssembly.Table.${method}(): ${tableIndexForm()(index, element, size)}`;
}

/** How V8 names the Global value getter in its errors: as the setter, with `get`. */
export const globalValueGetter = (): string => globalValueSetter().replace(/^set /, 'get ');

/** How V8 names the Global value setter in its errors (13.6 adds a stray parenthesis). */
export const globalValueSetter = lazily(() =>
  formV8Uses(
    ['set WebAssembly.Global.value', 'set WebAssembly.Global.value)'],
    v8Message((wasm) => {
      new wasm.Global({ value: 'i32' }).value = 0;
    }),
    (name) => `${name}: Can't set the value of an immutable global.`,
  ),
);
