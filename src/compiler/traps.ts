// Trap codes: the status an entry returns when generated code stops on a trap, and V8's text for each.

export enum TrapCode {
  Unreachable = 1,
  DivideByZero,
  RemainderByZero,
  DivideUnrepresentable,
  StackOverflow,
  MemoryOutOfBounds,
  TableOutOfBounds,
  IndirectCallMismatch,
  FloatUnrepresentable,
  ElementSegmentOutOfBounds,
  /** A host function threw: the runtime rethrows the exception it parked. */
  HostException,
  /** Fuel ran out (compiler/metering.ts). */
  OutOfFuel,
  /** A loop's interrupt poll saw an interrupt (an entry's sees one as StackOverflow: see metering.ts). */
  Interrupted,
}

export const TRAP_MESSAGES: Record<TrapCode, string> = {
  [TrapCode.Unreachable]: 'unreachable',
  [TrapCode.DivideByZero]: 'divide by zero',
  [TrapCode.RemainderByZero]: 'remainder by zero',
  [TrapCode.DivideUnrepresentable]: 'divide result unrepresentable',
  [TrapCode.StackOverflow]: 'Maximum call stack size exceeded',
  [TrapCode.MemoryOutOfBounds]: 'memory access out of bounds',
  [TrapCode.TableOutOfBounds]: 'table index is out of bounds',
  [TrapCode.IndirectCallMismatch]: 'null function or function signature mismatch',
  [TrapCode.FloatUnrepresentable]: 'float unrepresentable in integer range',
  [TrapCode.ElementSegmentOutOfBounds]: 'element segment out of bounds',
  [TrapCode.HostException]: 'host function threw',
  [TrapCode.OutOfFuel]: 'fuel exhausted',
  [TrapCode.Interrupted]: 'interrupted',
};

export const ALL_TRAP_CODES = Object.values(TrapCode).filter((v): v is TrapCode => typeof v === 'number');

/** What a trap site passes instead of a TrapCode when the code is already in eax (a runtime call's status). */
export const STATUS_IN_EAX = 0;
