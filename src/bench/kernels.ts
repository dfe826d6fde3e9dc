// The benchmark kernels: one .wat file each in bench/, exporting `run(n)` that returns a checksum.
// `n` is chosen so that one call takes roughly 100–200 ms under V8's TurboFan on a 2-core EPYC.

export type KernelKind = 'integer' | 'float';

export interface Kernel {
  name: string;
  kind: KernelKind;
  /** The argument of `run`. */
  n: number;
  /** What it computes, for --help. */
  summary: string;
}

export const KERNEL_ENTRY = 'run';

export const KERNELS: Kernel[] = [
  { name: 'fib', kind: 'integer', n: 37, summary: 'recursive Fibonacci: calls and returns' },
  { name: 'tak', kind: 'integer', n: 600, summary: 'Takeuchi function: nested three-argument calls' },
  { name: 'sieve', kind: 'integer', n: 20, summary: 'sieve of Eratosthenes over 4 MiB of bytes' },
  { name: 'matmul-i32', kind: 'integer', n: 640, summary: 'i32 matrix multiply, 640×640' },
  { name: 'crc32', kind: 'integer', n: 60, summary: 'table-driven CRC-32 over 1 MiB, 60 passes' },
  { name: 'xxhash64', kind: 'integer', n: 800, summary: 'XXH64 over 1 MiB: i64 multiplies and rotates' },
  { name: 'collatz', kind: 'integer', n: 1_000_000, summary: 'longest Collatz chain below 10⁶ (i64)' },
  { name: 'sort', kind: 'integer', n: 1_000_000, summary: 'quicksort of 10⁶ random i32s' },
  { name: 'interp', kind: 'integer', n: 8_000_000, summary: 'br_table bytecode interpreter loop' },
  { name: 'nbody', kind: 'float', n: 3_000_000, summary: 'n-body simulation, 5 bodies' },
  { name: 'mandelbrot', kind: 'float', n: 1700, summary: 'Mandelbrot escape times, 1700×1700' },
  { name: 'matmul-f64', kind: 'float', n: 660, summary: 'f64 matrix multiply, 660×660' },
  { name: 'spectral-norm', kind: 'float', n: 1000, summary: 'spectral norm of a 1000×1000 matrix' },
];
