// @vscode/tree-sitter-wasm (tree-sitter as VS Code ships it, emscripten): the runtime is a main module
// loaded with WebAssembly.instantiate, and each grammar is a side module dynamically linked into it
// (emscripten's dylink: it imports the main module's memory and table, `__memory_base`,
// `__table_base` and its GOT entries as mutable globals). Parses, queries and incremental re-parses.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { show } from './kit.mjs';

const require = createRequire(import.meta.url);
const TreeSitter = require('@vscode/tree-sitter-wasm');
const folder = dirname(require.resolve('@vscode/tree-sitter-wasm'));
await TreeSitter.Parser.init({ locateFile: (file) => join(folder, file) });
const load = (name) => TreeSitter.Language.load(readFileSync(join(folder, `tree-sitter-${name}.wasm`)));
const parser = new TreeSitter.Parser();

const sources = {
  javascript: 'function add(a, b) { return a + b * 2; }\nconst x = add(1, 2); // café 日本\nclass A extends B { #p = 1; static { x++ } }\nlet broken = (1 + ;',
  python: 'def f(x):\n    return [i ** 2 for i in range(x) if i % 2]\n\nclass C:\n    async def g(self): await f(3)\n',
  css: '.a > b:hover { color: #f00; margin: 0 auto !important } @media (max-width: 10px) { .c { display: none } }',
  rust: 'fn main() { let v: Vec<u8> = (0..10).map(|x| x * 2).collect(); println!("{:?}", v); }',
};
const languages = {};
for (const [name, source] of Object.entries(sources)) {
  languages[name] = await load(name);
  parser.setLanguage(languages[name]);
  const tree = parser.parse(source);
  show(`${name} tree`, tree.rootNode.toString());
  show(`${name} errors`, { hasError: tree.rootNode.hasError, nodes: tree.rootNode.descendantCount, abi: languages[name].abiVersion ?? languages[name].version });
  tree.delete();
}

const js = languages.javascript;
parser.setLanguage(js);
const query = new TreeSitter.Query(js, '(function_declaration name: (identifier) @name) (call_expression function: (identifier) @callee) (string) @string');
const source = sources.javascript;
const tree = parser.parse(source);
show('captures', query.captures(tree.rootNode).map((c) => [c.name, c.node.text, c.node.startPosition.row, c.node.startPosition.column]));

// An edit and an incremental re-parse: the function `add` renamed to `plus` (its call site not).
const edited = source.replace('add', 'plus');
const at = source.indexOf('add');
tree.edit({ startIndex: at, oldEndIndex: at + 3, newEndIndex: at + 4, startPosition: { row: 0, column: at }, oldEndPosition: { row: 0, column: at + 3 }, newEndPosition: { row: 0, column: at + 4 } });
const reparsed = parser.parse(edited, tree);
show('reparsed', { name: reparsed.rootNode.firstChild.childForFieldName('name').text, same: reparsed.rootNode.toString() === tree.rootNode.toString() });
show('changed ranges', tree.getChangedRanges(reparsed).map((r) => [r.startIndex, r.endIndex]));

// About a megabyte of source: the tree outgrows the initial memory (from 32 MiB to 46).
let large = '';
for (let i = 0; i < 12_000; i++) large += `export function f${i}(a, b = ${i}) { return a?.[b] ?? \`t\${a + ${i % 7}}\`; }\n`;
const big = parser.parse(large);
const cursor = big.walk();
let visited = 0;
let depth = 0;
let maxDepth = 0;
for (;;) {
  visited++;
  if (cursor.gotoFirstChild()) { depth++; maxDepth = Math.max(maxDepth, depth); continue; }
  while (!cursor.gotoNextSibling()) {
    if (!cursor.gotoParent()) break;
    depth--;
  }
  if (depth === 0 && !cursor.gotoNextSibling()) break;
}
show('large', { length: large.length, children: big.rootNode.childCount, visited, maxDepth, last: big.rootNode.lastChild.text.slice(0, 40), captures: query.captures(big.rootNode).length });
