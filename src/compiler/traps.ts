// Trap codes: the status an entry returns when generated code stops on a trap, and V8's text for each.

export enum TrapCode {
  Unreachable = 1,
  DivideByZero,
  RemainderByZero,
  DivideUnrepresentable,
  StackOverflow,
}

export const TRAP_MESSAGES: Record<TrapCode, string> = {
  [TrapCode.Unreachable]: 'unreachable',
  [TrapCode.DivideByZero]: 'divide by zero',
  [TrapCode.RemainderByZero]: 'remainder by zero',
  [TrapCode.DivideUnrepresentable]: 'divide result unrepresentable',
  [TrapCode.StackOverflow]: 'Maximum call stack size exceeded',
};

export const ALL_TRAP_CODES = Object.values(TrapCode).filter((v): v is TrapCode => typeof v === 'number');
