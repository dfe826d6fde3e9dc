// yoga-layout (Meta's flexbox engine in C++, emscripten with embind): an ES module whose wasm is
// embedded as base64 and instantiated with WebAssembly.instantiate during a top-level await. Layout
// of a few thousand nodes exercises float code and embind's calls in both directions.
import Yoga, { Align, Direction, Display, Edge, FlexDirection, Gutter, Justify, PositionType, Wrap } from 'yoga-layout';
import { attempt, show } from './kit.mjs';

function tree(direction) {
  const root = Yoga.Node.create();
  root.setWidth(500);
  root.setHeight(300);
  root.setFlexDirection(FlexDirection.Row);
  root.setFlexWrap(Wrap.Wrap);
  root.setJustifyContent(Justify.SpaceBetween);
  root.setAlignItems(Align.Center);
  root.setPadding(Edge.All, 10);
  root.setGap(Gutter.Column, 3.5);
  for (let i = 0; i < 1500; i++) {
    const child = Yoga.Node.create();
    child.setWidth(20 + (i % 37));
    child.setHeight(`${5 + (i % 13)}%`);
    child.setMargin(Edge.Left, i % 5);
    child.setFlexGrow((i % 3) / 2);
    child.setFlexShrink(1 / 3);
    if (i % 100 === 7) child.setPositionType(PositionType.Absolute);
    if (i % 211 === 0) child.setDisplay(Display.None);
    if (i % 50 === 0) child.setAspectRatio(4 / 3);
    root.insertChild(child, i);
  }
  root.calculateLayout(undefined, undefined, direction);
  return root;
}

for (const [name, direction] of [['ltr', Direction.LTR], ['rtl', Direction.RTL]]) {
  const root = tree(direction);
  let checksum = 0;
  const samples = [];
  for (let i = 0; i < root.getChildCount(); i++) {
    const layout = root.getChild(i).getComputedLayout();
    checksum = (checksum * 31 + layout.left * 7 + layout.top * 13 + layout.width * 17 + layout.height) % 1e9;
    if (i % 300 === 7) samples.push(layout);
  }
  show(`${name} root`, root.getComputedLayout());
  show(`${name} checksum`, checksum);
  show(`${name} samples`, samples);
  root.freeRecursive();
}

// A measure function: yoga calls back into JS for leaf sizes while it lays out.
const root = Yoga.Node.create();
root.setWidth(200);
const leaf = Yoga.Node.create();
leaf.setMeasureFunc((width, widthMode, height, heightMode) => ({ width: Math.min(width, 150.25), height: 17 + widthMode + heightMode }));
root.insertChild(leaf, 0);
root.calculateLayout(undefined, undefined, Direction.LTR);
show('measured', leaf.getComputedLayout());
await attempt('child with measure func', () => leaf.insertChild(Yoga.Node.create(), 0));
root.freeRecursive();
