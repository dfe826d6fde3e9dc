// `node --import ./record-loads.mjs`: records every module the process loads, for test/startup.test.ts.
// ES modules through a resolve hook (it runs on the loader's thread and posts each URL back);
// CommonJS ones (which Node 20's hooks do not see) from require's cache. `globalThis.loadedModules()`
// gives both, as file paths or `node:` names.
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
register('./record-loads-hook.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
port1.unref();

const esm = new Set();
const requireCache = createRequire(import.meta.url).cache;

globalThis.loadedModules = () => {
  for (let message = receiveMessageOnPort(port1); message; message = receiveMessageOnPort(port1)) esm.add(message.message);
  const files = [...esm].map((url) => (url.startsWith('file:') ? fileURLToPath(url) : url));
  return [...new Set([...files, ...Object.keys(requireCache)])].sort();
};
