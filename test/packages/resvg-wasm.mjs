// @resvg/resvg-wasm (Rust's resvg SVG renderer, wasm-bindgen's web target): handed a fetch Response,
// the glue instantiates with WebAssembly.instantiateStreaming. Rendering at 1000 px wide is float-heavy
// (gradients, blur, anti-aliasing) and makes a picture of several MB in the wasm memory.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { attempt, digest, show } from './kit.mjs';

const wasm = readFileSync(createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm'));
await initWasm(new Response(wasm, { headers: { 'content-type': 'application/wasm' } }));

const scenes = {
  shapes: `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient></defs>
    <rect width="400" height="300" fill="url(#g)"/>
    <circle cx="200" cy="150" r="100" fill="rgba(0,255,0,0.5)" stroke="black" stroke-width="5" stroke-dasharray="12 4"/>
    <path d="M10 10 Q 200 300 390 10" fill="none" stroke="#333" stroke-width="3" stroke-linecap="round"/></svg>`,
  effects: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">
    <defs><filter id="blur"><feGaussianBlur stdDeviation="2.5"/></filter>
      <radialGradient id="r" cx="0.3" cy="0.3" r="0.8"><stop offset="0" stop-color="white"/><stop offset="1" stop-color="#804" stop-opacity="0.4"/></radialGradient>
      <clipPath id="c"><circle cx="50" cy="50" r="40"/></clipPath></defs>
    <g clip-path="url(#c)" transform="rotate(17 50 50) skewX(5)">
      <rect x="5" y="5" width="90" height="90" fill="url(#r)" filter="url(#blur)"/>
      <polygon points="50,10 90,90 10,90" fill="none" stroke="teal" stroke-width="2.5" opacity="0.7" stroke-linejoin="round"/></g></svg>`,
};
for (const [name, svg] of Object.entries(scenes)) {
  for (const fitTo of [{ mode: 'original' }, { mode: 'width', value: 1000 }, { mode: 'zoom', value: 0.37 }]) {
    const resvg = new Resvg(svg, { fitTo, background: 'rgba(255, 255, 240, .9)' });
    const image = resvg.render();
    const png = image.asPng();
    show(`${name} ${fitTo.mode}`, { width: image.width, height: image.height, pixels: digest(image.pixels), png: png.length, pngDigest: digest(png), bbox: resvg.getBBox() && [resvg.getBBox().x, resvg.getBBox().y, resvg.getBBox().width, resvg.getBBox().height] });
    image.free();
    resvg.free();
  }
}
const normalized = new Resvg(scenes.effects);
show('normalized svg', digest(normalized.toString()));
show('inner bbox', normalized.innerBBox() && [normalized.innerBBox().x, normalized.innerBBox().width]);
normalized.free();
show('images to resolve', new Resvg('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image href="https://example.invalid/a.png" width="10" height="10"/></svg>').imagesToResolve());
await attempt('not svg', () => new Resvg('<html></html>'));
await attempt('broken xml', () => new Resvg('<svg xmlns="http://www.w3.org/2000/svg"><rect'));
await attempt('zero size', () => new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>').render().width);
