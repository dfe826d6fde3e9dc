// The wat worker: converts text to binary off the main thread, so that a wabt parse that never ends
// (it has been seen on deeply nested, unterminated nonsense) can be stopped.
import { parentPort } from 'node:worker_threads';
import { convertWat } from './convert.js';

export interface WatRequest {
  id: number;
  text: string;
  filename: string;
  debugNames: boolean;
}

export type WatReply = { id: number; bytes: Uint8Array } | { id: number; error: string };

parentPort!.on('message', async ({ id, text, filename, debugNames }: WatRequest) => {
  try {
    const bytes = await convertWat(text, filename, debugNames);
    parentPort!.postMessage({ id, bytes } satisfies WatReply, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) } satisfies WatReply);
  }
});
