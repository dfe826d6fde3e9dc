// The benchmark kernels: one .wat file each in bench/, exporting `run(n)` that returns a checksum.
// `n` is chosen so that one call takes roughly 100–200 ms under V8's TurboFan on a 2-core EPYC; for
// the SIMD kernels, so that the SIMD module's call takes 50 ms or more under V8's Liftoff.

export type KernelKind = 'integer' | 'float' | 'simd';

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
  { name: 'dot-f32', kind: 'simd', n: 2500, summary: 'f32 dot product of 32768 floats, f32x4' },
  { name: 'mat4-f32', kind: 'simd', n: 1500, summary: '4×4 f32 matrix products over 2048 matrices' },
  { name: 'memchr', kind: 'simd', n: 1200, summary: 'every occurrence of a byte in 256 KiB: i8x16.eq, bitmask' },
  { name: 'blend-u8', kind: 'simd', n: 1500, summary: 'RGBA alpha blend, saturating: extend, mul, narrow_u, add_sat_u' },
  { name: 'reduce-i32', kind: 'simd', n: 500, summary: 'sum, min and max of 65536 i32s: i32x4 add, min_s, max_s' },
  { name: 'axpy-f64', kind: 'simd', n: 4500, summary: 'y ← a·x + y over 16384 f64s, f64x2' },
  { name: 'hex-encode', kind: 'simd', n: 2000, summary: '64 KiB to hex digits: i8x16.swizzle lookups, shuffles' },
];

export interface KernelFiles {
  /** The module measured, relative to bench/. */
  kernel: string;
  /**
   * A SIMD kernel's scalar twin: the same work without v128, returning the same checksum, so that
   * each engine's SIMD code is measured against its own scalar code.
   */
  scalarTwin?: string;
}

/** bench/<name>.wat; a SIMD kernel's are bench/simd/<name>.wat and bench/simd/<name>.scalar.wat. */
export function kernelFiles(kernel: Kernel): KernelFiles {
  if (kernel.kind !== 'simd') return { kernel: `${kernel.name}.wat` };
  return { kernel: `simd/${kernel.name}.wat`, scalarTwin: `simd/${kernel.name}.scalar.wat` };
}

/** `--filter`: substrings of kernel names, or a kind (`simd` selects the SIMD kernels). */
export function kernelMatches(kernel: Kernel, filter: string): boolean {
  return kernel.name.includes(filter) || kernel.kind === filter;
}
