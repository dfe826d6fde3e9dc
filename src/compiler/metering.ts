// Fuel and interruption checks, for code compiled with `features.fuel` / `features.interruptible`.
//
// Fuel is counted in wasm instructions, charged per region, not per instruction: a function's body
// is cut into regions at its loops. A loop's region is its instructions from after `loop` to its
// `end` (inclusive), minus those of the loops nested in it; the function's region is everything
// else. A call charges its function's region once, at entry; each arrival at a loop's start
// (falling in, or a branch back) charges that loop's region. The charge is the region's whole
// instruction count, whichever branches the code then takes, so the count depends on the wasm
// bytes and the control flow only: the same on every run, machine and compile mode (eager, lazy,
// parallel, artifact). A charge that takes the fuel below zero traps (OutOfFuel) before the region
// runs; the fuel then stays below zero until it is refilled.
//
// Interruption: function entries need no code of their own. Setting the context's stack limit to
// all ones fails every prologue's stack check, and the runtime tells the overflow "trap" of an
// interrupt from a real one by the context's interrupt flag. A loop's start compares rsp with the
// same limit: one compare and a branch not taken per iteration.
import { Alu, Cond, Reg, mem } from '../x64/index.js';
import type { Assembler, Label } from '../x64/index.js';
import { Ctx, CTX_REG } from './abi.js';

/** The placeholder charge, patched at the region's end: large enough for the 4-byte immediate form. */
const UNKNOWN_COST = 0x1000_0000;
const NOT_EMITTED = -1;

/** The regions of the function being compiled: where each one's charge is, and its instructions so far. */
export class FuelMeter {
  private chargeAt: number[] = [];
  private costs: number[] = [];

  /**
   * Opens the function's region (its charge after the prologue) or a loop's (at the loop's start);
   * without `outOfFuel` the region is in unreachable code, and only counted.
   */
  open(asm: Assembler, outOfFuel: Label | undefined): void {
    this.costs.push(0);
    if (!outOfFuel) {
      this.chargeAt.push(NOT_EMITTED);
      return;
    }
    this.chargeAt.push(asm.aluRI32(Alu.Sub, 64, mem(CTX_REG, Ctx.fuel), UNKNOWN_COST));
    asm.jcc(Cond.S, outOfFuel);
  }

  /** Counts one instruction in the innermost region. */
  count(): void {
    this.costs[this.costs.length - 1]!++;
  }

  /** Closes the innermost region: its charge becomes its instruction count. */
  close(asm: Assembler): void {
    const at = this.chargeAt.pop()!;
    const cost = this.costs.pop()!;
    if (at !== NOT_EMITTED) asm.patchInt32(at, cost);
  }

  reset(): void {
    this.chargeAt.length = 0;
    this.costs.length = 0;
  }
}

/** At a loop's start: traps (Interrupted) once the context's stack limit has been raised above rsp. */
export function emitInterruptPoll(asm: Assembler, interrupted: Label): void {
  asm.aluRM(Alu.Cmp, 64, Reg.rsp, mem(CTX_REG, Ctx.stackLimit));
  asm.jcc(Cond.B, interrupted);
}
