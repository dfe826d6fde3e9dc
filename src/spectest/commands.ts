// One handler per wast2json command type, following the semantics in test/spec/README.md.
import { CommandFailure, describeError, isUnsupported, Skip } from './errors.js';
import { disposeQuietly, type ScriptSession } from './session.js';
import { needsWrapper, performWrapped, resultTypesOf } from './wrapper.js';
import { checkResultBits, checkResults, formatSpecValue, formatValue } from './values.js';
import type { Outcome, SpecAction, SpecCommand, SpecValue } from './types.js';

type Handler = (session: ScriptSession, cmd: SpecCommand) => Promise<Outcome>;
type ErrorClass = abstract new (...args: never[]) => Error;

const PASSED: Outcome = { status: 'passed' };
const skipped = (reason: string): Outcome => ({ status: 'skipped', reason });
const failed = (reason: string, unsupported = false): Outcome => ({ status: 'failed', reason, unsupported });

/** `M."field"(i32:1, f32:2.5 (0x40200000))` or `get "field"`, to say which call failed. */
function describeAction(a: SpecAction | undefined): string {
  if (!a) return '';
  const m = a.module ? `${a.module}.` : '';
  return a.type === 'invoke' ? `${m}"${a.field}"(${(a.args ?? []).map(formatSpecValue).join(', ')})` : `get ${m}"${a.field}"`;
}

function actionOf(cmd: SpecCommand): SpecAction {
  if (!cmd.action) throw new Error(`${cmd.type} command without an action`);
  return cmd.action;
}

async function defineModule(session: ScriptSession, cmd: SpecCommand): Promise<Outcome> {
  session.setModule(undefined, cmd.name);
  if (!cmd.filename?.endsWith('.wasm')) return skipped('text module');
  try {
    const instance = await session.instantiate(session.moduleBytes(cmd));
    session.setModule({ instance }, cmd.name);
    return PASSED;
  } catch (e) {
    const failure = new CommandFailure(`module ${cmd.filename} (line ${cmd.line}) did not instantiate: ${describeError(e)}`, isUnsupported(e));
    session.setModule({ failure }, cmd.name);
    return failed(`${cmd.filename}: ${describeError(e)}`, failure.unsupported);
  }
}

async function registerModule(session: ScriptSession, cmd: SpecCommand): Promise<Outcome> {
  if (!cmd.as) throw new Error('register command without "as"');
  session.register(cmd.name, cmd.as);
  return PASSED;
}

/** The action's results: as JS values, or as bit patterns when the values need the wrapper (wrapper.ts). */
type Returned = { bits: false; value: unknown } | { bits: true; value: bigint[] };

async function perform(session: ScriptSession, cmd: SpecCommand): Promise<Returned> {
  const action = actionOf(cmd);
  return needsWrapper(cmd)
    ? { bits: true, value: await performWrapped(session, action, resultTypesOf(cmd)) }
    : { bits: false, value: session.perform(action) };
}

async function runAction(session: ScriptSession, cmd: SpecCommand): Promise<Outcome> {
  await perform(session, cmd);
  return PASSED;
}

const check = (returned: Returned, expected: SpecValue[]): string | null =>
  returned.bits ? checkResultBits(returned.value, expected) : checkResults(returned.value, expected);

/** null when the returned value matches `expected`, or one of the `either` alternatives. */
function checkReturned(returned: Returned, cmd: SpecCommand): string | null {
  if (!cmd.either) return check(returned, cmd.expected ?? []);
  const reasons = cmd.either.map((alternative) => check(returned, [alternative]));
  if (reasons.includes(null)) return null;
  return `none of ${cmd.either.map(formatSpecValue).join(' | ')} matched: ${reasons.join('; ')}`;
}

async function assertReturn(session: ScriptSession, cmd: SpecCommand): Promise<Outcome> {
  const reason = checkReturned(await perform(session, cmd), cmd);
  return reason ? failed(`${describeAction(cmd.action)}: ${reason}`) : PASSED;
}

/** assert_trap / assert_exhaustion: the action must throw one of `accepted` (label → class). */
function expectThrow(what: string, accepted: Record<string, ErrorClass>): Handler {
  const labels = Object.keys(accepted).join(' or ');
  return async (session, cmd) => {
    const action = actionOf(cmd);
    let actual: unknown;
    try {
      actual = (await perform(session, cmd)).value;
    } catch (e) {
      if (e instanceof Skip) throw e;
      if (Object.values(accepted).some((k) => e instanceof k)) return PASSED;
      return failed(`${describeAction(action)}: expected ${labels} ("${cmd.text}"), got ${describeError(e)}`, isUnsupported(e));
    }
    return failed(`${describeAction(action)}: expected ${what} ("${cmd.text}"), returned ${formatValue('', actual)}`);
  };
}

/** assert_invalid / assert_malformed on a binary module: compiling must throw CompileError. */
async function expectCompileError(session: ScriptSession, cmd: SpecCommand): Promise<Outcome> {
  if (cmd.module_type !== 'binary') return skipped(`${cmd.type} with a text module`);
  const bytes = session.moduleBytes(cmd);
  const compile = session.engine.compile;
  try {
    if (compile) disposeQuietly(await compile(bytes));
    else await session.instantiateAndDispose(bytes);
  } catch (e) {
    if (e instanceof WebAssembly.CompileError) return PASSED;
    return failed(`${cmd.filename}: expected WebAssembly.CompileError ("${cmd.text}"), got ${describeError(e)}`);
  }
  return failed(`${cmd.filename}: compiled, but expected WebAssembly.CompileError ("${cmd.text}")`);
}

/** assert_unlinkable / assert_uninstantiable: instantiating must throw `errorClass`. */
function expectInstantiationError(label: string, errorClass: ErrorClass): Handler {
  return async (session, cmd) => {
    if (cmd.module_type && cmd.module_type !== 'binary') return skipped(`${cmd.type} with a text module`);
    try {
      await session.instantiateAndDispose(session.moduleBytes(cmd));
    } catch (e) {
      if (e instanceof errorClass) return PASSED;
      return failed(`${cmd.filename}: expected ${label} ("${cmd.text}"), got ${describeError(e)}`, isUnsupported(e));
    }
    return failed(`${cmd.filename}: instantiated, but expected ${label} ("${cmd.text}")`);
  };
}

const HANDLERS: Record<string, Handler> = {
  module: defineModule,
  register: registerModule,
  action: runAction,
  assert_return: assertReturn,
  assert_trap: expectThrow('trap', { 'WebAssembly.RuntimeError': WebAssembly.RuntimeError }),
  assert_exhaustion: expectThrow('stack exhaustion', { RangeError, 'WebAssembly.RuntimeError': WebAssembly.RuntimeError }),
  assert_invalid: expectCompileError,
  assert_malformed: expectCompileError,
  assert_unlinkable: expectInstantiationError('WebAssembly.LinkError', WebAssembly.LinkError),
  assert_uninstantiable: expectInstantiationError('WebAssembly.RuntimeError', WebAssembly.RuntimeError),
};

export async function runCommand(session: ScriptSession, cmd: SpecCommand): Promise<Outcome> {
  const handler = HANDLERS[cmd.type];
  if (!handler) return skipped(`command type ${cmd.type}`);
  try {
    return await handler(session, cmd);
  } catch (e) {
    if (e instanceof Skip) return skipped(e.reason);
    const what = describeAction(cmd.action);
    return failed(`${what ? `${what}: ` : ''}${describeError(e)}`, isUnsupported(e));
  }
}
