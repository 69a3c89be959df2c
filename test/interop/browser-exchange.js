/**
 * The exchange a WebSocket API client (Chromium's page, Node's built-in WebSocket) runs against
 * the example echo server: the boundary sizes as binary and as text of multi-byte UTF-8, then a
 * close with a code and a reason. A WebSocket API client cannot send pings or fragments.
 * Mirrors exchangeMessages() in examples/echo-client.ts without its fragmented messages: the
 * boundary sizes, then the messages that matter once compressed (RFC 7692).
 * Plain JavaScript: it is evaluated in a page as well as imported by Node.
 *
 * @param {string} url
 * @param {{ code: number, reason: string }} close
 */
export async function browserExchange(url, close) {
  const sizes = [0, 125, 126, 65535, 65536, 1024 * 1024];
  const patternBytes = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
  const patternText = (n) => 'a\u00e9\u20ac\u{1F600}'.repeat(Math.floor(n / 10)) + 'a'.repeat(n % 10);
  // randomBytes(), randomText() and jsonText() of examples/echo-client.ts.
  const randomBytes = (n, seed) => {
    const bytes = new Uint8Array(n);
    let state = seed;
    for (let i = 0; i < n; i++) {
      state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
      bytes[i] = state >>> 16;
    }
    return bytes;
  };
  const alphabet = Array.from('abcdefghijklmnopqrstuv \u00e9\u00df\u03ba\u03cc\u03c3\u03bc\u03b5\u20ac\u{1F600}');
  const randomText = (n, seed) => Array.from(randomBytes(n, seed), (b) => alphabet[b % alphabet.length]).join('');
  const jsonText = (seq) => JSON.stringify({
    seq,
    greeting: 'Hello, \u03ba\u03cc\u03c3\u03bc\u03b5 \u{1F600}',
    items: Array.from({ length: 8 }, (_, i) => ({ id: seq * 100 + i, name: `item ${i} \u03ba\u03cc\u03c3\u03bc\u03b5`, price: (i * 1.25).toFixed(2) })),
  });
  const block = randomBytes(40000, 1);
  const repeated = randomBytes(2000, 3);
  const compressible = [
    new Uint8Array([...block, ...block]), randomText(8000, 2).repeat(3), repeated, repeated, ...[1, 2, 3, 4, 5].map(jsonText),
  ];
  const hex = async (data) => {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const kind = typeof data === 'string' ? 'text' : 'binary';
    return `${kind} ${bytes.length} ${Array.from(hash.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  };
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const inbox = [];
  let wake = () => {};
  ws.onmessage = (event) => {
    inbox.push(event.data);
    wake();
  };
  const closed = new Promise((resolve) => {
    ws.onclose = (event) => resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
  });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('WebSocket error before open'));
  });
  const next = () => new Promise((resolve) => {
    if (inbox.length > 0) resolve(inbox.shift());
    else wake = () => resolve(inbox.shift());
  });
  const echoes = [];
  for (const data of [...sizes.map(patternBytes), ...sizes.map(patternText), ...compressible]) {
    ws.send(data);
    const echo = await next();
    const same = typeof data === 'string'
      ? echo === data
      : echo instanceof ArrayBuffer && echo.byteLength === data.length && new Uint8Array(echo).every((b, i) => b === data[i]);
    echoes.push({ ok: same, digest: await hex(typeof echo === 'string' ? echo : new Uint8Array(echo)) });
  }
  ws.close(close.code, close.reason);
  return { echoes, close: await closed };
}
