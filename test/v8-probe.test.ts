// Choosing among the known forms of a V8 text (src/runtime/v8-probe.ts): the form whose rendering is
// what V8 said, and the newest for anything else, so that a V8 newer than the table never breaks.
import { describe, expect, it } from 'vitest';
import { askV8, formV8Uses, lazily, v8Message } from '../src/runtime/v8-probe.js';

const FORMS = [(n: number) => `old ${n}`, (n: number) => `middle ${n}`, (n: number) => `new ${n}`] as const;
const render = (form: (n: number) => string) => `Api(): ${form(7)}`;

describe('formV8Uses', () => {
  it('picks the form whose rendering is exactly what V8 said', () => {
    expect(formV8Uses(FORMS, 'Api(): old 7', render)).toBe(FORMS[0]);
    expect(formV8Uses(FORMS, 'Api(): middle 7', render)).toBe(FORMS[1]);
  });

  it('gives the newest form for a text it does not know, or no text at all', () => {
    expect(formV8Uses(FORMS, 'Api(): something else 7', render)).toBe(FORMS[2]);
    expect(formV8Uses(FORMS, 'Api(): old 8', render)).toBe(FORMS[2]);
    expect(formV8Uses(FORMS, undefined, render)).toBe(FORMS[2]);
  });
});

describe('asking V8', () => {
  it('returns a result, or the message of what V8 throws', () => {
    expect(askV8((wasm) => new wasm.Global({ value: 'i32' }, 5).value)).toEqual({ value: 5 });
    expect(v8Message((wasm) => new wasm.Memory({ initial: -1 }))).toBe("WebAssembly.Memory(): Property 'initial' must be non-negative");
    expect(v8Message(() => 1)).toBeUndefined();
  });

  it('asks once', () => {
    let asked = 0;
    const answer = lazily(() => ++asked);
    expect([answer(), answer()]).toEqual([1, 1]);
  });
});
