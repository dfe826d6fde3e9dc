// The parser ships no types; src/decode is its only user and reads the AST defensively.
declare module '@webassemblyjs/wasm-parser' {
  export function decode(bytes: Uint8Array, options?: { ignoreCustomNameSection?: boolean; ignoreCodeSection?: boolean }): any;
}
