// Real workloads for the bench's first-run part, each through its package's own unmodified glue (the
// packages are devDependencies): `prepare` loads the glue's JavaScript and reads what it needs (no wasm
// is compiled), `ready` goes from the bytes to an instance the way the glue does, `run` is the
// workload's first run. A fresh process runs each once (first-run-child.ts); what the run computed is
// reduced to a digest that every engine must agree on.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface FirstRunWorkload {
  /** The package and its language, as the report names it. */
  label: string;
  /** What the first run does. */
  description: string;
  /** The package whose absence skips the workload. */
  packageName: string;
  prepare(): Promise<unknown>;
  ready(prepared: unknown): Promise<unknown>;
  /** Gives the digest of what it computed. */
  run(ready: unknown): Promise<string>;
}

const digest = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex').slice(0, 24);

// The few parts of each glue the workloads use.
interface SqlJs {
  Database: new () => {
    run(sql: string, params?: unknown[]): void;
    exec(sql: string): unknown;
    prepare(sql: string): { run(params: unknown[]): void; free(): void };
    export(): Uint8Array;
    close(): void;
  };
}
interface Resvg {
  initWasm(bytes: Uint8Array): Promise<void>;
  Resvg: new (svg: string, options?: object) => { render(): { pixels: Uint8Array; asPng(): Uint8Array; free(): void }; free(): void };
}
interface Tiktoken {
  get_encoding(name: string): { encode(text: string, allowed?: 'all'): Uint32Array; decode(tokens: Uint32Array): Uint8Array; free(): void };
}

const SQL_STATEMENTS = [
  'select count(*), sum(born), total(score) from people',
  `select p.name, count(*) as n, group_concat(q.kind, '+') from people p join pets q on q.owner = p.id
   group by p.id having n > 1 order by n desc, p.name limit 5`,
  `select name, born, rank() over (order by born desc, name), sum(score) over (partition by born % 10 order by id)
   from people where id % 25 = 0 order by id`,
  `select printf('%.17g|%e|%10.3f|%x|%q', 1.0/3, 6.02214076e23, -2.5, 255, 'it''s'), json_object('a', 1, 'b', json_array(1.5, 'x', null)),
   upper('straße'), replace('a-b-c', '-', '::')`,
  'with recursive f(n, a, b) as (select 0, 0, 1 union all select n + 1, b, a + b from f where n < 90) select n, a from f where n in (10, 50, 90)',
];

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient>
    <filter id="blur"><feGaussianBlur stdDeviation="2.5"/></filter><clipPath id="c"><circle cx="200" cy="150" r="120"/></clipPath></defs>
  <rect width="400" height="300" fill="url(#g)"/>
  <g clip-path="url(#c)" transform="rotate(17 200 150)"><rect x="60" y="40" width="280" height="220" fill="teal" filter="url(#blur)" opacity="0.7"/></g>
  <circle cx="200" cy="150" r="100" fill="rgba(0,255,0,0.5)" stroke="black" stroke-width="5" stroke-dasharray="12 4"/>
  <path d="M10 10 Q 200 300 390 10" fill="none" stroke="#333" stroke-width="3" stroke-linecap="round"/></svg>`;

/** Text of `length` characters from a fixed generator over words of several scripts. */
function sampleText(length: number): string {
  const words = ['hello', ' world', ' wasm', 'JIT', ' Ünïcödé', '日本語', '🚀', '  ', '\n', 'x86-64', ' 42', ' naïve', 'the'];
  let out = '';
  let x = 1;
  while (out.length < length) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += words[(x >>> 16) % words.length];
  }
  return out;
}

export const FIRST_RUN_WORKLOADS: Record<string, FirstRunWorkload> = {
  'sql.js': {
    label: 'sql.js (emscripten C)',
    description: 'a schema, 500 inserts, a join, a window, printf/json and a recursive query, export',
    packageName: 'sql.js',
    prepare: async () => ({ init: require('sql.js') as (config: { wasmBinary: Uint8Array }) => Promise<SqlJs>, bytes: readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm')) }),
    ready: async (prepared) => {
      const { init, bytes } = prepared as { init: (config: { wasmBinary: Uint8Array }) => Promise<SqlJs>; bytes: Uint8Array };
      return init({ wasmBinary: bytes });
    },
    run: async (ready) => {
      const db = new (ready as SqlJs).Database();
      db.run(`create table people(id integer primary key, name text not null unique, born integer, score real);
              create table pets(owner integer references people(id), kind text, name text);
              create index pets_owner on pets(owner);`);
      const insert = db.prepare('insert into people(name, born, score) values (?, ?, ?)');
      for (let i = 0; i < 200; i++) insert.run([`name ${i}`, 1900 + ((i * 7) % 120), ((i * 37) % 1000) / 7]);
      insert.free();
      for (let i = 0; i < 300; i++) db.run('insert into pets values (?, ?, ?)', [1 + ((i * 13) % 200), ['cat', 'dog', 'owl'][i % 3], `pet${i}`]);
      const results = SQL_STATEMENTS.map((sql) => db.exec(sql));
      const file = db.export();
      db.close();
      return digest(JSON.stringify(results) + digest(file));
    },
  },
  '@resvg/resvg-wasm': {
    label: '@resvg/resvg-wasm (Rust)',
    description: 'an SVG with a gradient, a blur, a clip path and strokes rendered at 400×300 and at 1000 px wide, as PNG',
    packageName: '@resvg/resvg-wasm',
    prepare: async () => ({ resvg: require('@resvg/resvg-wasm') as Resvg, bytes: readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')) }),
    ready: async (prepared) => {
      const { resvg, bytes } = prepared as { resvg: Resvg; bytes: Uint8Array };
      await resvg.initWasm(bytes);
      return resvg;
    },
    run: async (ready) => {
      const parts = [undefined, { fitTo: { mode: 'width', value: 1000 } }].map((options) => {
        const renderer = new (ready as Resvg).Resvg(SVG, options);
        const image = renderer.render();
        const png = digest(image.asPng());
        image.free();
        renderer.free();
        return png;
      });
      return digest(parts.join());
    },
  },
  tiktoken: {
    label: 'tiktoken (Rust)',
    description: 'the cl100k_base encoding made (its ranks parsed in wasm), 20 kB of text encoded and decoded',
    packageName: 'tiktoken',
    prepare: async () => undefined,
    // The glue compiles and instantiates its module synchronously when required.
    ready: async () => require('tiktoken') as Tiktoken,
    run: async (ready) => {
      const encoding = (ready as Tiktoken).get_encoding('cl100k_base');
      const tokens = encoding.encode(sampleText(20_000), 'all');
      const back = encoding.decode(tokens);
      encoding.free();
      return digest(`${digest(new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength))} ${digest(back)}`);
    },
  },
};
