// The real-code part's hash-wasm programs: each of the 22 modules hash-wasm ships (C compiled to wasm),
// driven through hash-wasm's own API on fixed inputs, as an application would call it. `prepare` runs
// once per child (hash-wasm compiles and instantiates its module there); each call of the returned
// function is one measured run and answers the digest, which every engine must agree on.

/** hash-wasm's exports that the programs use (the package is a devDependency, imported in the child). */
interface Hasher {
  init(): Hasher;
  update(data: Uint8Array): Hasher;
  digest(outputType: 'hex'): string;
}
type HashWasm = Record<string, (...args: never[]) => Promise<unknown>>;

export interface HashWasmProgram {
  /** The module's name inside hash-wasm's bundle (hash-wasm.ts reads the same names). */
  module: string;
  /** What one run does, for the report. */
  work: string;
  prepare(hashWasm: HashWasm): Promise<() => Promise<string>>;
}

const MIB = 1 << 20;

/** 1 MiB of fixed pseudo-random bytes (a multiplicative hash of the index). */
function input(): Uint8Array {
  const bytes = new Uint8Array(MIB);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.imul(i, 2654435761) >>> 24;
  return bytes;
}

/** A streaming hash: `mib` updates of the 1 MiB input, then the hex digest. */
function streaming(module: string, factory: string, mib: number, ...args: number[]): HashWasmProgram {
  return {
    module,
    work: `${factory}(${args.join(', ')}) over ${mib} MiB`,
    async prepare(hashWasm) {
      const create = hashWasm[factory] as unknown as (...a: number[]) => Promise<Hasher>;
      const hasher = await create(...args);
      const data = input();
      return async () => {
        hasher.init();
        for (let i = 0; i < mib; i++) hasher.update(data);
        return hasher.digest('hex');
      };
    },
  };
}

const SALT = new Uint8Array(16).map((_, i) => i * 37 + 11);

/** A password hash, one call of hash-wasm's function with `options` per run. */
function passwordHash(module: string, fn: string, options: Record<string, number>): HashWasmProgram {
  const described = Object.entries(options).map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    module,
    work: `${fn}: ${described}`,
    async prepare(hashWasm) {
      const hash = hashWasm[fn] as unknown as (o: object) => Promise<string>;
      return () => hash({ password: 'correct horse battery staple', salt: SALT, outputType: 'hex', ...options });
    },
  };
}

// Sizes chosen so that a run takes roughly 100 ms under V8's TurboFan on a 2-core EPYC.
export const HASH_WASM_PROGRAMS: HashWasmProgram[] = [
  streaming('adler32', 'createAdler32', 270),
  passwordHash('argon2', 'argon2id', { parallelism: 1, iterations: 2, memorySize: 16384, hashLength: 32 }),
  streaming('blake2b', 'createBLAKE2b', 40, 512),
  streaming('blake2s', 'createBLAKE2s', 24, 256),
  streaming('blake3', 'createBLAKE3', 64, 256),
  streaming('crc32', 'createCRC32', 144),
  streaming('crc64', 'createCRC64', 80),
  streaming('md4', 'createMD4', 96),
  streaming('md5', 'createMD5', 48),
  streaming('sha1', 'createSHA1', 60),
  streaming('sha3', 'createSHA3', 12, 512),
  streaming('sha256', 'createSHA256', 24),
  streaming('sha512', 'createSHA512', 13, 512),
  streaming('xxhash32', 'createXXHash32', 320),
  streaming('xxhash64', 'createXXHash64', 600),
  streaming('xxhash3', 'createXXHash3', 480),
  streaming('xxhash128', 'createXXHash128', 400),
  streaming('ripemd160', 'createRIPEMD160', 28),
  passwordHash('scrypt', 'scrypt', { costFactor: 32768, blockSize: 8, parallelism: 1, hashLength: 32 }),
  passwordHash('bcrypt', 'bcrypt', { costFactor: 10 }),
  streaming('whirlpool', 'createWhirlpool', 6),
  streaming('sm3', 'createSM3', 12),
];
