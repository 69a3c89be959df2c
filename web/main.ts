/**
 * The learner's page: Explain, Build, Mask, Handshake and Capture panels over wsframe's own
 * public API and its portable capture and explain modules. No framework, no dependency; built
 * into one self-contained HTML file by web/build.mjs.
 */

import {
  HandshakeError, PerMessageDeflate, WEBSOCKET_GUID, applyMask, computeAcceptKey, decodeBase64, encodeBase64,
  opcodeName, parseClientHandshake, sha1, validateServerHandshake, type ClientHandshake, type MessageExtension,
} from '../src/index.ts';
import { parseHex, parseTextInput } from '../src/capture/bytes.ts';
import { RFC_EXAMPLES } from '../src/capture/examples.ts';
import { negotiatedExtensions, type ConnectionRecord, type PcapRecord } from '../src/capture/websocket.ts';
import type { FrameRecord } from '../src/capture/analyze.ts';
import { keptKey, readCaptureFile, type CaptureResult } from './capture.ts';
import { byId, encodeText, h, hex2, showError, toHex } from './dom.ts';
import { explainView } from './explain-view.ts';

// ---- tabs (WAI-ARIA tabs pattern: arrows, Home, End move between tabs) ----

const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')];

function selectTab(tab: HTMLButtonElement, focus = true): void {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute('aria-selected', String(selected));
    other.tabIndex = selected ? 0 : -1;
    byId(other.getAttribute('aria-controls')!).hidden = !selected;
  }
  if (focus) tab.focus();
  try {
    history.replaceState(null, '', `#${tab.id.slice('tab-'.length)}`);
  } catch {
    // Some hosts (sandboxed frames) refuse: the tab still works, only the address keeps no hash.
  }
}

for (const [i, tab] of tabs.entries()) {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (event) => {
    const to = event.key === 'ArrowRight' ? (i + 1) % tabs.length : event.key === 'ArrowLeft' ? (i - 1 + tabs.length) % tabs.length
      : event.key === 'Home' ? 0 : event.key === 'End' ? tabs.length - 1 : undefined;
    if (to === undefined) return;
    event.preventDefault();
    selectTab(tabs[to]);
  });
}

// ---- Explain ----

const explainInput = byId<HTMLTextAreaElement>('explain-input');
const explainExample = byId<HTMLSelectElement>('explain-example');
const explainRole = byId<HTMLSelectElement>('explain-role');
const explainDeflate = byId<HTMLInputElement>('explain-deflate');

explainExample.append(h('option', { value: '' }, 'your own bytes'));
for (const [i, example] of RFC_EXAMPLES.entries()) explainExample.append(h('option', { value: i }, `${example.title}: ${example.hex}`));

type Role = 'server' | 'client' | undefined;
const roleOf = (select: HTMLSelectElement): Role => (select.value === '' ? undefined : select.value as 'server' | 'client');

/** permessage-deflate for reading frames in `role`'s place (either direction: as a client reads). */
function deflateFor(role: Role): MessageExtension[] {
  return [new PerMessageDeflate({ role: role === 'server' ? 'server' : 'client' })];
}

function renderExplain(): void {
  const output = byId('explain-output');
  output.replaceChildren();
  const text = explainInput.value.trim();
  if (text === '') {
    showError(byId('explain-error'), undefined);
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = parseTextInput(text, undefined);
  } catch (error) {
    showError(byId('explain-error'), (error as Error).message);
    return;
  }
  showError(byId('explain-error'), undefined);
  const role = roleOf(explainRole);
  output.append(explainView(bytes, { role, extensions: explainDeflate.checked ? deflateFor(role) : [] }).element);
}

explainExample.addEventListener('change', () => {
  if (explainExample.value === '') return;
  explainInput.value = RFC_EXAMPLES[Number(explainExample.value)].hex;
  renderExplain();
});
const compact = (hex: string) => hex.replace(/\s/g, '').toLowerCase();
explainInput.addEventListener('input', () => {
  // The menu follows the box: pasting an example's bytes selects it.
  const index = RFC_EXAMPLES.findIndex((example) => compact(example.hex) === compact(explainInput.value));
  explainExample.value = index < 0 ? '' : String(index);
  renderExplain();
});
explainRole.addEventListener('change', renderExplain);
explainDeflate.addEventListener('change', renderExplain);

// ---- Build ----

const buildOpcode = byId<HTMLSelectElement>('build-opcode');
for (let opcode = 0; opcode < 16; opcode++) {
  const known = opcode <= 2 || (opcode >= 8 && opcode <= 10);
  buildOpcode.append(h('option', { value: opcode }, `0x${opcode.toString(16)} ${known ? opcodeName(opcode) : '(reserved)'}`));
}
buildOpcode.value = '1';

const checked = (id: string) => byId<HTMLInputElement>(id).checked;

/** The payload of a text-or-hex field; a UsageError's message for bad hex. */
function payloadOf(textarea: HTMLTextAreaElement, hex: boolean): Uint8Array {
  return hex ? parseHex(textarea.value) : encodeText(textarea.value);
}

function maskingKeyOf(input: HTMLInputElement): Uint8Array {
  const key = parseHex(input.value);
  if (key.length !== 4) throw new RangeError(`A masking key is 4 bytes (8 hex digits), not ${key.length}`);
  return key;
}

/**
 * The frame the Build fields describe, byte for byte as asked (also what a strict peer rejects:
 * that is the point), with the shortest length encoding RFC 6455 §5.2 allows.
 */
function buildFrame(): Uint8Array {
  const payload = payloadOf(byId('build-payload'), checked('build-payload-hex'));
  const masked = checked('build-mask');
  const key = masked ? maskingKeyOf(byId('build-key')) : undefined;
  const length = payload.length;
  const extended = length <= 125 ? 0 : length <= 0xffff ? 2 : 8;
  const bytes = new Uint8Array(2 + extended + (key === undefined ? 0 : 4) + length);
  bytes[0] = (checked('build-fin') ? 0x80 : 0) | (checked('build-rsv1') ? 0x40 : 0) | (checked('build-rsv2') ? 0x20 : 0)
    | (checked('build-rsv3') ? 0x10 : 0) | Number(buildOpcode.value);
  bytes[1] = (masked ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  let at = 2;
  for (let i = extended - 1; i >= 0; i--) bytes[at++] = Math.floor(length / 2 ** (8 * i)) & 0xff;
  if (key !== undefined) {
    bytes.set(key, at);
    at += 4;
  }
  bytes.set(payload, at);
  if (key !== undefined) applyMask(bytes.subarray(at), key);
  return bytes;
}

function renderBuild(): void {
  const output = byId('build-output');
  const shown = byId('build-bytes');
  output.replaceChildren();
  let bytes: Uint8Array;
  try {
    bytes = buildFrame();
  } catch (error) {
    showError(byId('build-error'), (error as Error).message);
    shown.textContent = '';
    return;
  }
  showError(byId('build-error'), undefined);
  shown.textContent = toHex(bytes);
  const role = byId<HTMLSelectElement>('build-role').value as 'server' | 'client';
  output.append(explainView(bytes, { role, extensions: checked('build-deflate') ? deflateFor(role) : [] }).element);
}

for (const id of ['build-fin', 'build-rsv1', 'build-rsv2', 'build-rsv3', 'build-opcode', 'build-mask', 'build-key', 'build-payload',
  'build-payload-text', 'build-payload-hex', 'build-role', 'build-deflate']) {
  byId(id).addEventListener(id === 'build-key' || id === 'build-payload' ? 'input' : 'change', renderBuild);
}
byId('build-random-key').addEventListener('click', () => {
  byId<HTMLInputElement>('build-key').value = toHex(crypto.getRandomValues(new Uint8Array(4)), '');
  byId<HTMLInputElement>('build-mask').checked = true;
  renderBuild();
});
byId('build-to-explain').addEventListener('click', () => {
  explainInput.value = byId('build-bytes').textContent ?? '';
  explainExample.value = '';
  explainRole.value = byId<HTMLSelectElement>('build-role').value;
  explainDeflate.checked = checked('build-deflate');
  renderExplain();
  selectTab(byId<HTMLButtonElement>('tab-explain'));
});

// ---- Mask ----

const bitsOf = (byte: number) => byte.toString(2).padStart(8, '0');

function renderMask(): void {
  const body = byId('mask-table').querySelector('tbody')!;
  body.replaceChildren();
  byId('mask-result').textContent = '';
  let payload: Uint8Array;
  let key: Uint8Array;
  try {
    payload = payloadOf(byId('mask-payload'), checked('mask-hex'));
    key = maskingKeyOf(byId('mask-key'));
  } catch (error) {
    showError(byId('mask-error'), (error as Error).message);
    return;
  }
  showError(byId('mask-error'), undefined);
  const result = payload.slice();
  applyMask(result, key);
  byId('mask-result').textContent = toHex(result);
  const cell = (byte: number) => h('td', {}, h('code', {}, hex2(byte)), ' ', h('code', { class: 'bitstr' }, bitsOf(byte)));
  for (let i = 0; i < Math.min(payload.length, 1024); i++) {
    body.append(h('tr', {}, h('th', { scope: 'row' }, String(i)), cell(payload[i]), h('td', {}, h('code', {}, hex2(key[i & 3])), ` (key[${i & 3}]) `,
      h('code', { class: 'bitstr' }, bitsOf(key[i & 3]))), cell(result[i])));
  }
  if (payload.length > 1024) body.append(h('tr', {}, h('td', { colspan: 4 }, `… ${payload.length - 1024} more bytes`)));
}
for (const id of ['mask-payload', 'mask-key']) byId(id).addEventListener('input', renderMask);
for (const id of ['mask-text', 'mask-hex']) byId(id).addEventListener('change', renderMask);

// ---- Handshake ----

const RFC_REQUEST = [
  'GET /chat HTTP/1.1', 'Host: server.example.com', 'Upgrade: websocket', 'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Origin: http://example.com', 'Sec-WebSocket-Protocol: chat, superchat',
  'Sec-WebSocket-Version: 13',
].join('\n');
const RFC_RESPONSE = [
  'HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade',
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'Sec-WebSocket-Protocol: chat',
].join('\n');

/** A head typed in a text box: CRLF line ends and the empty line that ends it (RFC 7230 §3). */
const asHead = (text: string): string => `${text.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '')}\r\n\r\n`;

function renderSteps(): void {
  const key = byId<HTMLInputElement>('hs-key').value.trim();
  const steps = byId('hs-steps');
  const joined = key + WEBSOCKET_GUID;
  const digest = sha1(encodeText(joined));
  const decoded = decodeBase64(key);
  const step = (title: string, value: string, note?: string) =>
    h('li', {}, h('span', { class: 'steptitle' }, title), h('code', { class: 'stepvalue' }, value), note === undefined ? undefined : h('span', { class: 'help' }, note));
  steps.replaceChildren(
    step('The client\'s Sec-WebSocket-Key', key, decoded?.length === 16 ? 'base64 of 16 random bytes, as RFC 6455 §4.1 asks' : 'not base64 of 16 bytes: a strict server rejects it (400)'),
    step('+ the GUID of RFC 6455 §1.3', joined),
    step(`SHA-1 of those ${encodeText(joined).length} bytes (20 bytes, hex)`, toHex(digest)),
    step('base64: the Sec-WebSocket-Accept the server sends', encodeBase64(digest), encodeBase64(digest) === computeAcceptKey(key) ? 'equals computeAcceptKey(key)' : 'differs from computeAcceptKey(key)!'),
  );
}

function problem(error: unknown): HTMLElement {
  if (error instanceof HandshakeError) {
    return h('div', { class: 'verdict invalid' }, h('p', {}, error.message), h('p', { class: 'closecode' }, `HTTP ${error.status}, ${error.code}`));
  }
  return h('p', { class: 'verdict invalid' }, (error as Error).message);
}

function renderHandshake(): void {
  renderSteps();
  const requestResult = byId('hs-request-result');
  const responseResult = byId('hs-response-result');
  let request: ClientHandshake | undefined;
  try {
    request = parseClientHandshake(asHead(byId<HTMLTextAreaElement>('hs-request').value));
    const rows: [string, string][] = [
      ['resource', request.resource], ['host', request.host], ['key', request.key], ['version', String(request.version)],
      ['protocols', request.protocols.join(', ') || '(none)'], ['extensions', request.extensions.map((e) => e.name).join(', ') || '(none)'],
      ['origin', request.origin ?? '(none)'],
    ];
    requestResult.replaceChildren(h('p', { class: 'verdict valid' }, 'A valid opening handshake (parseClientHandshake)'),
      h('dl', {}, ...rows.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value)])));
  } catch (error) {
    requestResult.replaceChildren(h('p', {}, 'parseClientHandshake rejects it:'), problem(error));
  }
  const key = request?.key ?? byId<HTMLInputElement>('hs-key').value.trim();
  try {
    const response = validateServerHandshake(asHead(byId<HTMLTextAreaElement>('hs-response').value), { key, protocols: request?.protocols });
    responseResult.replaceChildren(h('p', { class: 'verdict valid' }, `A valid answer to key ${key} (validateServerHandshake)`),
      h('dl', {}, h('dt', {}, 'protocol'), h('dd', {}, response.protocol ?? '(none)'),
        h('dt', {}, 'extensions'), h('dd', {}, response.extensions.map((e) => e.name).join(', ') || '(none)')));
  } catch (error) {
    responseResult.replaceChildren(h('p', {}, `validateServerHandshake rejects it (key ${key}):`), problem(error));
  }
}
byId<HTMLTextAreaElement>('hs-request').value = RFC_REQUEST;
byId<HTMLTextAreaElement>('hs-response').value = RFC_RESPONSE;
for (const id of ['hs-key', 'hs-request', 'hs-response']) byId(id).addEventListener('input', renderHandshake);

// ---- Capture ----

let capture: CaptureResult | undefined;

async function openCapture(file: File): Promise<void> {
  const progress = byId<HTMLProgressElement>('capture-progress');
  const status = byId('capture-status');
  const output = byId('capture-output');
  output.replaceChildren();
  showError(byId('capture-error'), undefined);
  progress.hidden = false;
  progress.value = 0;
  status.textContent = `Reading ${file.name}…`;
  let result: CaptureResult | undefined;
  try {
    result = await readCaptureFile(file, (done, total) => {
      progress.value = total === 0 ? 1 : done / total;
    }, (partial) => {
      result = partial;
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    showError(byId('capture-error'), `${(error as Error).message}${code === undefined ? '' : ` (${code})`}`);
  }
  progress.hidden = true;
  if (result === undefined) return;
  capture = result;
  const connections = result.records.filter((r): r is ConnectionRecord => r.type === 'connection');
  status.textContent = `${file.name}: ${result.format ?? 'capture'}, ${result.packets} packets, ${connections.length} WebSocket connection${connections.length === 1 ? '' : 's'}` +
    (result.dropped > 0 ? ` (the first ${result.records.length} records shown; ${result.dropped} more: use wsframe pcap)` : '');
  renderConnections(connections);
}

function renderConnections(connections: ConnectionRecord[]): void {
  const output = byId('capture-output');
  const list = h('ul', { class: 'connections', 'aria-label': 'WebSocket connections' });
  for (const connection of connections) {
    const ok = connection.status === 101 && connection.handshakeError === undefined;
    list.append(h('li', {}, h('button', { type: 'button', class: 'connection', 'data-stream': connection.stream, 'aria-pressed': 'false' },
      h('strong', {}, `#${connection.stream} `), `${connection.client} → ${connection.server} GET ${connection.resource}`,
      h('span', { class: ok ? 'good' : 'bad' }, ` ${connection.status}${connection.handshakeError === undefined ? '' : ` ${connection.handshakeError.code}`}`),
      connection.extensions === null ? undefined : h('span', { class: 'help' }, ` ${connection.extensions}`))));
  }
  const notes = capture!.notes;
  output.replaceChildren(list);
  if (notes.length > 0) {
    output.append(h('details', {}, h('summary', {}, `${notes.length} TCP stream${notes.length === 1 ? '' : 's'} not decoded as WebSocket`),
      h('ul', {}, ...notes.map((note) => h('li', {}, `#${note.stream} ${note.client} → ${note.server}: ${note.message}`)))));
  }
  output.append(h('div', { id: 'capture-connection' }));
  list.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button.connection');
    if (button === null) return;
    for (const other of list.querySelectorAll('button.connection')) other.setAttribute('aria-pressed', String(other === button));
    renderConnection(connections.find((c) => c.stream === Number(button.dataset.stream))!);
  });
  if (connections.length > 0) (list.querySelector('button.connection') as HTMLButtonElement).click();
}

/** Rows of each table: a page of 10^5 rows would take seconds to lay out. */
const MAX_ROWS = 1000;

/** Characters of a message shown in its row; a longer one opens in a disclosure. */
const PREVIEW_LENGTH = 120;

function payloadPreview(record: Extract<PcapRecord, { type: 'message' }>): Node | string {
  let text: string;
  if (record.kind === 'text') text = JSON.stringify(record.text);
  else if (record.kind === 'close') text = `${record.code ?? '(no code)'} ${JSON.stringify(record.reason)}`;
  else text = toHex(decodeBase64(record.base64) ?? new Uint8Array(0));
  if (text.length <= PREVIEW_LENGTH) return text;
  return h('details', {}, h('summary', {}, `${text.slice(0, PREVIEW_LENGTH)} …`), h('div', { class: 'full' }, text));
}

function renderConnection(connection: ConnectionRecord): void {
  const records = capture!.records.filter((r) => r.type !== 'connection' && r.stream === connection.stream) as Exclude<PcapRecord, ConnectionRecord>[];
  const start = connection.time;
  const when = (time: number) => `+${(time - start).toFixed(3)} s`;
  const messages = h('table', { class: 'messages' }, h('caption', {}, `Messages of connection #${connection.stream}`),
    h('thead', {}, h('tr', {}, ...['time', 'from', 'kind', 'length', 'payload', 'verdict'].map((c) => h('th', { scope: 'col' }, c)))));
  const messageBody = h('tbody');
  const frames = h('table', { class: 'frameslist' }, h('caption', {}, `Frames of connection #${connection.stream} (choose one for its fields and bytes)`),
    h('thead', {}, h('tr', {}, ...['from', 'offset', 'opcode', 'FIN', 'RSV', 'MASK', 'length', 'verdict', ''].map((c) => h('th', { scope: 'col' }, c)))));
  const frameBody = h('tbody');
  let messageRows = 0;
  let frameRows = 0;
  for (const record of records) {
    const isFrame = record.type === 'frame';
    if (isFrame ? frameRows++ >= MAX_ROWS : messageRows++ >= MAX_ROWS) continue;
    if (record.type === 'message') {
      messageBody.append(h('tr', { class: 'message' }, h('td', {}, when(record.time)), h('td', {}, record.from), h('td', { class: 'kind' }, record.kind),
        h('td', {}, `${record.length}${record.compressed ? ' (inflated)' : ''}`), h('td', { class: 'preview' }, payloadPreview(record)), h('td', { class: 'good' }, 'valid')));
    } else if (record.type === 'error') {
      messageBody.append(h('tr', { class: 'message error' }, h('td', {}, when(record.time)), h('td', {}, record.from), h('td', { class: 'kind' }, 'error'),
        h('td', {}, ''), h('td', { class: 'preview' }, record.message), h('td', { class: 'bad' }, `close code ${record.closeCode}, ${record.code}`)));
    } else if (record.type === 'gap') {
      messageBody.append(h('tr', { class: 'message error' }, h('td', {}, when(record.time)), h('td', {}, record.from), h('td', { class: 'kind' }, 'gap'),
        h('td', {}, String(record.bytes)), h('td', {}, `${record.bytes} bytes missing from the capture at byte ${record.offset}`), h('td', { class: 'bad' }, 'stops')));
    } else if (record.type !== 'frame') {
      messageBody.append(h('tr', { class: 'message' }, h('td', {}, when(record.time)), h('td', {}, record.from), h('td', { class: 'kind' }, record.type),
        h('td', {}, ''), h('td', { class: 'preview' }, 'message' in record ? String(record.message) : ''), h('td', {}, '')));
    } else {
      const frame = record as FrameRecord & { from: 'client' | 'server'; time: number };
      const verdict = frame.verdict === 'valid' ? 'valid' : `${frame.verdict.code} (${frame.verdict.closeCode})`;
      frameBody.append(h('tr', {}, h('td', {}, frame.from), h('td', {}, String(frame.offset)),
        h('td', {}, `${frame['websocket.opcode']} ${opcodeName(frame['websocket.opcode'])}`), h('td', {}, frame['websocket.fin'] ? '1' : '0'),
        h('td', {}, String(frame['websocket.rsv'])), h('td', {}, frame['websocket.mask'] ? '1' : '0'), h('td', {}, String(frame['websocket.payload_length'])),
        h('td', { class: frame.verdict === 'valid' ? 'good' : 'bad' }, verdict),
        h('td', {}, h('button', { type: 'button', class: 'framebutton', 'data-from': frame.from, 'data-offset': frame.offset,
          'data-end': frame.payload_offset + frame['websocket.payload_length'], 'aria-label': `Details of the ${frame.from} frame at byte ${frame.offset}` }, 'Details'))));
    }
  }
  const more = (rows: number, what: string) =>
    rows > MAX_ROWS ? h('p', { class: 'help' }, `${rows} ${what}: the first ${MAX_ROWS} are shown (wsframe pcap lists them all)`) : undefined;
  messages.append(messageBody);
  frames.append(frameBody);
  const detail = h('div', { class: 'framedetail', 'aria-live': 'polite' });
  frameBody.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button.framebutton');
    if (button === null) return;
    const from = button.dataset.from as 'client' | 'server';
    const kept = capture!.kept.get(keptKey(connection.stream, from));
    if (kept === undefined || kept.overflow) {
      detail.replaceChildren(h('p', { class: 'help' }, 'This direction is too big to keep in the page: use wsframe explain on its bytes.'));
      return;
    }
    // The whole direction up to this frame is explained, so fragments and deflate context are right.
    const extensions = connection.extensions === null ? [] : negotiatedExtensions(connection.extensions, from);
    const view = explainView(kept.bytes(), {
      role: from === 'client' ? 'server' : 'client', extensions, from: Number(button.dataset.offset), to: Number(button.dataset.end),
    });
    detail.replaceChildren(h('h3', {}, `The ${from} frame at byte ${button.dataset.offset}`), view.element);
  });
  byId('capture-connection').replaceChildren(h('div', { class: 'scroll' }, messages), more(messageRows, 'messages') ?? '',
    h('div', { class: 'scroll' }, frames), more(frameRows, 'frames') ?? '', detail);
}

const fileInput = byId<HTMLInputElement>('capture-file');
fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file !== undefined) void openCapture(file);
});
const drop = byId('capture-drop');
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file !== undefined) void openCapture(file);
});

// ---- start ----

explainExample.value = '1';
explainInput.value = RFC_EXAMPLES[1].hex;
renderExplain();
renderBuild();
renderMask();
renderHandshake();
const initial = tabs.find((tab) => tab.id === `tab-${location.hash.slice(1)}`);
if (initial !== undefined) selectTab(initial, false);
