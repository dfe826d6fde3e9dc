// undici (Node's HTTP/1.1 client, the one behind Node's fetch): it parses responses with llhttp compiled
// to wasm, and first tries llhttp's SIMD build (20 SIMD instructions of 10 kinds: i8x16 compares,
// shifts and a bitmask to scan header bytes), falling back to the scalar build when the engine refuses it.
// Responses from a local server: plain, chunked, many and long headers, a large body, odd status lines,
// raw bytes delivered in small pieces, and malformed ones (the parser's error codes and messages).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { Agent, request } from 'undici';
import { attempt, pseudoRandomBytes, show } from './kit.mjs';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

const bigBody = Buffer.from(pseudoRandomBytes(4 << 20, { seed: 7 }));

const routes = {
  '/plain': (res) => res.end('hello from the server\n'),
  '/chunked': (res) => {
    res.setHeader('Transfer-Encoding', 'chunked');
    const bytes = pseudoRandomBytes(200_000, { seed: 3, alphabet: 26 });
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const size = 1 + ((i * 7919) % 4000);
      res.write(Buffer.from(bytes.subarray(at, at + size)));
      at += size;
    }
    res.end();
  },
  '/headers': (res) => {
    for (let i = 0; i < 150; i++) res.setHeader(`X-Header-${i}`, `value ${i} ${'abcdefghij'.repeat(i % 8)}`);
    res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; HttpOnly', 'c=3']);
    res.end('headers');
  },
  '/big': (res) => {
    res.setHeader('Content-Length', bigBody.length);
    res.end(bigBody);
  },
  '/no-content': (res) => {
    res.statusCode = 204;
    res.end();
  },
  '/teapot': (res) => {
    res.statusCode = 418;
    res.statusMessage = "I'm a teapot, short and stout";
    res.end('tea');
  },
};

const server = createServer((req, res) => {
  res.sendDate = false;
  const route = routes[req.url];
  if (route) route(res);
  else {
    res.statusCode = 404;
    res.end(`no ${req.url}`);
  }
});
const port = await listen(server);

// One connection, so that every response goes through one parser in turn (and keep-alive reuses it).
const agent = new Agent({ connections: 1, pipelining: 1 });

async function fetchOne(origin, path) {
  const { statusCode, headers, body } = await request(`${origin}${path}`, { dispatcher: agent });
  const data = Buffer.from(await body.arrayBuffer());
  return { statusCode, headers, length: data.length, sha256: createHash('sha256').update(data).digest('hex').slice(0, 24) };
}

for (const path of [...Object.keys(routes), '/missing', '/plain', '/chunked']) {
  await attempt(`GET ${path}`, () => fetchOne(`http://127.0.0.1:${port}`, path));
}

// Raw responses, written a few bytes at a time: the parser resumes in the middle of every token.
const rawResponses = {
  'odd header values': 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX-Long: first part\r\nX-Empty:\r\nX-Spaces:    padded   \r\n\r\nvalues',
  'chunk extensions': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6;a=b;c\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n',
  'bad header byte': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Bad\u0001Name: x\r\n\r\nhello',
  'bad status': 'HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n',
  'bad chunk size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  'duplicate length': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
};
let rawName = '';
const raw = createTcpServer((socket) => {
  socket.on('error', () => {});
  socket.once('data', () => {
    const bytes = Buffer.from(rawResponses[rawName], 'latin1');
    let at = 0;
    const next = () => {
      if (at >= bytes.length) return socket.end();
      socket.write(bytes.subarray(at, at + 3));
      at += 3;
      setTimeout(next, 0);
    };
    next();
  });
});
const rawPort = await listen(raw);
for (const name of Object.keys(rawResponses)) {
  rawName = name;
  const fresh = new Agent({ connections: 1, pipelining: 0 });
  await attempt(`raw ${name}`, async () => {
    try {
      const { statusCode, headers, body, trailers } = await request(`http://127.0.0.1:${rawPort}/`, { dispatcher: fresh });
      return { statusCode, headers, text: await body.text(), trailers };
    } catch (err) {
      throw new Error(`${err.constructor.name} ${err.code ?? '(no code)'}: ${err.message}`);
    }
  });
  await fresh.close();
}

await agent.close();
server.close();
raw.close();
show('done', true);
