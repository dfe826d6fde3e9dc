// @dimforge/rapier2d-simd-compat (the Rapier physics engine in Rust, wasm-bindgen, built with wasm
// SIMD: 9,349 v128 instructions of 55 kinds, mostly f32x4 arithmetic, shuffles and v128 loads and
// stores; the module is embedded in the JS as base64 and instantiated by `init()`). A scene of stacked
// boxes, balls and capsules falling onto a ground polyline, a chain of revolute joints and a spring,
// stepped for a few hundred steps: every body's position and angle are printed exactly (f32 bits), so
// any lane of any f32x4 operation computed differently shows. Collision events, ray casts, shape
// casts and a snapshot restored and stepped further go through the other query paths.
import RAPIER from '@dimforge/rapier2d-simd-compat';
import { digest, show } from './kit.mjs';

await RAPIER.init();
show('version', RAPIER.version());

/** The f32 bits of the numbers, so that -0, NaN payloads and the last bit all count. */
function f32Bits(...numbers) {
  return digest(new Float32Array(numbers));
}

// Handles are an arena index and a generation packed into the bits of an f64.
const handleWords = new Uint32Array(2);
const handleNumber = new Float64Array(handleWords.buffer);
function handle(h) {
  handleNumber[0] = h;
  return `${handleWords[0]}.${handleWords[1]}`;
}

function bodyState(body) {
  const { x, y } = body.translation();
  const v = body.linvel();
  return [x, y, body.rotation(), v.x, v.y, body.angvel()];
}

function worldDigest(world) {
  const numbers = [];
  world.bodies.forEach((body) => numbers.push(...bodyState(body)));
  return f32Bits(...numbers);
}

function buildWorld() {
  const world = new RAPIER.World({ x: 0, y: -9.81 });
  // A bumpy ground: a polyline of 64 segments.
  const ground = world.createRigidBody(RAPIER.RigidBodyDesc.fixed());
  const vertices = new Float32Array(130);
  for (let i = 0; i <= 64; i++) {
    vertices[2 * i] = -40 + i * 1.25;
    vertices[2 * i + 1] = Math.sin(i * 0.7) * 0.4 + (i % 7 === 0 ? 0.8 : 0);
  }
  world.createCollider(RAPIER.ColliderDesc.polyline(vertices), ground);
  world.createCollider(RAPIER.ColliderDesc.cuboid(1, 10).setTranslation(-41, 10), ground);
  world.createCollider(RAPIER.ColliderDesc.cuboid(1, 10).setTranslation(41, 10), ground);

  // Stacks of mixed shapes: 12 columns of 14.
  for (let column = 0; column < 12; column++) {
    for (let row = 0; row < 14; row++) {
      const i = column * 14 + row;
      const body = world.createRigidBody(
        RAPIER.RigidBodyDesc.dynamic()
          .setTranslation(-30 + column * 5 + (row % 2) * 0.3, 2 + row * 1.1)
          .setRotation((i % 5) * 0.1)
          .setCcdEnabled(i % 17 === 0),
      );
      const shape =
        i % 3 === 0
          ? RAPIER.ColliderDesc.cuboid(0.45, 0.4)
          : i % 3 === 1
            ? RAPIER.ColliderDesc.ball(0.42)
            : RAPIER.ColliderDesc.capsule(0.25, 0.2);
      world.createCollider(
        shape.setFriction(0.3 + (i % 4) * 0.15).setRestitution((i % 5) * 0.1).setDensity(1 + (i % 3)).setActiveEvents(RAPIER.ActiveEvents.COLLISION_EVENTS),
        body,
      );
    }
  }

  // A hanging chain of 20 links on revolute joints, and a box on a spring.
  const anchor = world.createRigidBody(RAPIER.RigidBodyDesc.fixed().setTranslation(0, 30));
  let previous = anchor;
  for (let link = 0; link < 20; link++) {
    const body = world.createRigidBody(RAPIER.RigidBodyDesc.dynamic().setTranslation(0.6 * (link + 1), 30));
    world.createCollider(RAPIER.ColliderDesc.cuboid(0.3, 0.08).setDensity(2), body);
    world.createImpulseJoint(RAPIER.JointData.revolute({ x: link === 0 ? 0 : 0.3, y: 0 }, { x: -0.3, y: 0 }), previous, body, true);
    previous = body;
  }
  const spring = world.createRigidBody(RAPIER.RigidBodyDesc.dynamic().setTranslation(20, 25));
  world.createCollider(RAPIER.ColliderDesc.cuboid(0.5, 0.5), spring);
  world.createImpulseJoint(RAPIER.JointData.spring(3, 40, 0.5, { x: 0, y: 0 }, { x: 0, y: 0 }), anchor, spring, true);
  return world;
}

const world = buildWorld();
const events = new RAPIER.EventQueue(true);
let started = 0;
let stopped = 0;
let pairs = '';
for (let step = 1; step <= 400; step++) {
  world.step(events);
  events.drainCollisionEvents((h1, h2, begun) => {
    if (begun) started++;
    else stopped++;
    pairs = digest(`${pairs} ${handle(h1)} ${handle(h2)} ${begun}`);
  });
  if (step % 50 === 0) show(`step ${step}`, { bodies: worldDigest(world), started, stopped, pairs });
}

// Every body's state after the run, in full: the first divergence is easy to find.
const states = [];
world.bodies.forEach((body) => states.push([handle(body.handle), ...bodyState(body), body.isSleeping()]));
show('final states', states);

// Queries: rays from above, a shape cast across the scene, points against the colliders.
for (let i = 0; i < 8; i++) {
  const ray = new RAPIER.Ray({ x: -35 + i * 9.3, y: 40 }, { x: 0.05 * (i - 4), y: -1 });
  const hit = world.castRayAndGetNormal(ray, 100, true);
  show(`ray ${i}`, hit && { collider: handle(hit.collider.handle), toi: f32Bits(hit.timeOfImpact), normal: f32Bits(hit.normal.x, hit.normal.y) });
}
const cast = world.castShape({ x: -38, y: 6 }, 0, { x: 1, y: -0.05 }, new RAPIER.Ball(0.5), 0, 100, true);
show('shape cast', cast && { collider: handle(cast.collider.handle), toi: f32Bits(cast.time_of_impact), witness: f32Bits(cast.witness1.x, cast.witness1.y) });
const inside = [];
for (let x = -30; x <= 30; x += 6) world.intersectionsWithPoint({ x, y: 1 }, (collider) => inside.push([x, handle(collider.handle)]) || true);
show('points', inside);

// A snapshot, restored into a second world and both stepped on: they must stay identical.
const snapshot = world.takeSnapshot();
show('snapshot', { bytes: snapshot.length, digest: digest(snapshot) });
const restored = RAPIER.World.restoreSnapshot(snapshot);
for (let step = 0; step < 100; step++) {
  world.step();
  restored.step();
}
show('after snapshot', { world: worldDigest(world), restored: worldDigest(restored) });
restored.free();
world.free();
