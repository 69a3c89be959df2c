/**
 * The explain model (src/capture/explain.ts) as a page: a hex view of the bytes beside each
 * frame's bits, fields, payload and verdict, linked both ways: hovering or focusing a field
 * highlights its bytes and bits, hovering or focusing a byte highlights the fields it belongs to.
 * The field texts are the CLI's (`describeField`), so the page and `wsframe explain` agree.
 */

import { describeField, explainFrames, type ExplainedFrame, type ExplainOptions } from '../src/capture/explain.ts';
import { h, hex2, toHex } from './dom.ts';

/** Most frames shown, most bytes in the hex view and most payload bytes dumped per frame. */
const MAX_FRAMES = 200;
const MAX_HEX_BYTES = 4096;
const MAX_FOCUSABLE_BYTES = 1024;
const MAX_DUMP = 256;

export interface ExplainViewOptions extends ExplainOptions {
  /** Show only the frames starting in `[from, to)` and those bytes in the hex view. */
  from?: number;
  to?: number;
  /** Prefix of the ids, so two views on one page do not share them. */
  idPrefix?: string;
}

/** Explains `bytes` into an element; also returns the model's frames and whether all were valid. */
export function explainView(bytes: Uint8Array, options: ExplainViewOptions = {}): { element: HTMLElement; frames: ExplainedFrame[]; valid: boolean } {
  const from = options.from ?? 0;
  const to = options.to ?? bytes.length;
  const frames: ExplainedFrame[] = [];
  const generator = explainFrames(bytes, options);
  let next = generator.next();
  let more = 0;
  for (; next.done !== true; next = generator.next()) {
    if (next.value.offset < from || next.value.offset >= to) continue;
    if (frames.length < MAX_FRAMES) frames.push(next.value);
    else more++;
  }
  const valid = next.value;
  const container = h('div', { class: 'explain' });
  container.append(hexView(bytes, frames, from, Math.min(to, from + MAX_HEX_BYTES)));
  const list = h('div', { class: 'frames' });
  for (const frame of frames) list.append(frameView(bytes, frame));
  if (more > 0) list.append(h('p', { class: 'help' }, `… ${more} more frames not shown`));
  container.append(list);
  linkHighlighting(container);
  return { element: container, frames, valid };
}

/** Which part of a frame each byte is: header, masking key or payload. */
function regions(frames: ExplainedFrame[]): Map<number, string> {
  const region = new Map<number, string>();
  for (const frame of frames) {
    const headerEnd = frame.header === undefined ? Math.max(...frame.fields.map((f) => f.end)) : frame.offset + frame.header.headerLength;
    for (let i = frame.offset; i < headerEnd; i++) region.set(i, 'r-header');
    const key = frame.fields.find((f) => f.key === 'maskingKey');
    if (key !== undefined) for (let i = key.start; i < key.end; i++) region.set(i, 'r-key');
    if (frame.payload !== undefined) for (let i = frame.payload.start; i < Math.min(frame.payload.end, frame.payload.start + MAX_HEX_BYTES); i++) region.set(i, 'r-payload');
  }
  return region;
}

function hexView(bytes: Uint8Array, frames: ExplainedFrame[], from: number, to: number): HTMLElement {
  const region = regions(frames);
  const view = h('div', { class: 'hex', role: 'group', 'aria-label': `Bytes ${from} to ${to - 1}; focus a byte to see its fields` });
  const perRow = 8;
  for (let row = from; row < to; row += perRow) {
    const line = h('div', { class: 'hexrow' }, h('span', { class: 'hexoff', 'aria-hidden': 'true' }, row.toString(16).padStart(4, '0')));
    for (let i = row; i < Math.min(row + perRow, to); i++) {
      line.append(h('span', {
        class: `byte ${region.get(i) ?? ''}`, 'data-i': i, tabindex: i - from < MAX_FOCUSABLE_BYTES ? 0 : undefined,
        'aria-label': `byte ${i}: 0x${hex2(bytes[i])}`,
      }, hex2(bytes[i])));
    }
    view.append(line);
  }
  if (to < bytes.length) view.append(h('p', { class: 'help' }, `… ${bytes.length - to} more bytes`));
  view.append(h('p', { class: 'legend' }, h('span', { class: 'r-header' }, 'header'), ' ', h('span', { class: 'r-key' }, 'masking key'), ' ',
    h('span', { class: 'r-payload' }, 'payload')));
  return view;
}

const BIT_KEYS = [['fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'opcode', 'opcode', 'opcode'], ['mask', ...Array(7).fill('payloadLength')]];

function frameView(bytes: Uint8Array, frame: ExplainedFrame): HTMLElement {
  const ref = (key: string) => `f${frame.index}:${key}`;
  const title = `Frame ${frame.index} at byte ${frame.offset}${frame.summary === undefined ? '' : `: ${frame.summary}`}`;
  const article = h('article', { class: 'frame', 'aria-label': title }, h('h3', {}, title));
  // The first two bytes bit by bit, each bit tagged with its field.
  const bitRows = h('div', { class: 'bits', 'aria-hidden': 'true' });
  for (let b = 0; b < 2 && frame.offset + b < bytes.length; b++) {
    const byte = bytes[frame.offset + b];
    const row = h('div', { class: 'bitrow' }, h('span', { class: 'bitlabel' }, `byte ${b} 0x${hex2(byte)}`));
    for (let bit = 0; bit < 8; bit++) {
      const key = BIT_KEYS[b][bit];
      row.append(h('span', { class: `bit k-${key}`, 'data-ref': ref(key), 'data-start': frame.offset + b, 'data-end': frame.offset + b + 1 }, String((byte >> (7 - bit)) & 1)));
    }
    bitRows.append(row);
  }
  article.append(bitRows);
  const fields = h('ul', { class: 'fields' });
  for (const field of frame.fields) {
    const where = field.bits === undefined
      ? `bytes ${field.start}-${field.end - 1}`
      : `byte ${field.start - frame.offset}, bit${field.bits.count > 1 ? `s ${field.bits.from}-${field.bits.from + field.bits.count - 1}` : ` ${field.bits.from}`}`;
    const valueBytes = field.bits === undefined ? ` ${toHex(bytes.subarray(field.start, field.end))}` : '';
    fields.append(h('li', {}, h('button', {
      type: 'button', class: `field k-${field.key}`, 'data-ref': ref(field.key), 'data-key': field.key, 'data-start': field.start, 'data-end': field.end,
    }, h('span', { class: 'fname' }, field.name), h('span', { class: 'fdetail' }, describeField(field)),
    h('span', { class: 'where' }, `${where}${valueBytes}`))));
  }
  article.append(fields);
  const { header, payload } = frame;
  if (payload !== undefined && header !== undefined) {
    const parts = h('div', { class: 'payload' });
    if (header.masked) parts.append(h('p', { class: 'plabel' }, 'payload as sent (masked)'), dump(payload.sent));
    const reading = payload.reading;
    const label = `${header.masked ? 'payload unmasked' : 'payload'}${payload.compressed ? ' (compressed: inflated after the message\'s last frame)' : ''}`;
    const shown = reading.kind === 'text'
      ? h('p', { class: 'text' }, JSON.stringify(reading.text), reading.pending > 0 ? ` (+${reading.pending} bytes of a character continued in the next fragment)` : undefined)
      : reading.kind === 'close'
        ? h('p', { class: 'text' }, `status code ${reading.code}: ${reading.meaning}`, h('br'), `reason ${JSON.stringify(reading.reason)}`)
        : dump(payload.unmasked);
    parts.append(h('button', {
      type: 'button', class: 'field k-payload', 'data-ref': ref('payload'), 'data-key': 'payload', 'data-start': payload.start, 'data-end': payload.end,
    }, h('span', { class: 'fname' }, label), h('span', { class: 'where' }, `bytes ${payload.start}-${payload.end - 1}`)), shown);
    article.append(parts);
  } else if (header !== undefined && header.opcode === 0x8) {
    article.append(h('p', { class: 'payload' }, 'payload empty: no status code (an API reports 1005)'));
  }
  if (frame.inflated !== undefined && frame.verdict.status !== 'incomplete') {
    article.append(h('div', { class: 'payload' }, h('p', { class: 'plabel' }, `payload inflated (${frame.inflated.extension}): ${frame.inflated.bytes.length} bytes`),
      frame.inflated.text !== undefined ? h('p', { class: 'text' }, JSON.stringify(frame.inflated.text)) : dump(frame.inflated.bytes)));
  }
  article.append(verdictView(frame));
  return article;
}

/** The verdict, worded as `wsframe explain` words it. */
export function verdictView(frame: ExplainedFrame): HTMLElement {
  const verdict = frame.verdict;
  if (verdict.status === 'valid') return h('p', { class: 'verdict valid' }, 'verdict: valid');
  if (verdict.status === 'incomplete') return h('p', { class: 'verdict incomplete' }, `verdict: incomplete: ${verdict.message}`);
  return h('p', { class: 'verdict invalid' }, `verdict: invalid: ${verdict.message}`, h('br'),
    h('span', { class: 'closecode' }, `close code ${verdict.closeCode}, ${verdict.code}, ${verdict.rfc}`));
}

function dump(bytes: Uint8Array): HTMLElement {
  const shown = bytes.subarray(0, MAX_DUMP);
  const ascii = Array.from(shown, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return h('p', { class: 'dump' }, toHex(shown), h('span', { class: 'ascii' }, ` |${ascii}|`), bytes.length > MAX_DUMP ? ` … ${bytes.length - MAX_DUMP} more bytes` : undefined);
}

/** Hover or focus on a field, a bit or a byte lights up everything that is the same bytes. */
function linkHighlighting(container: HTMLElement): void {
  const lit: Element[] = [];
  const clear = () => {
    for (const element of lit) element.classList.remove('hl');
    lit.length = 0;
  };
  const light = (element: Element) => {
    element.classList.add('hl');
    lit.push(element);
  };
  const show = (target: EventTarget | null) => {
    clear();
    if (!(target instanceof Element)) return;
    const byte = target.closest('.byte');
    if (byte !== null) {
      const i = Number(byte.getAttribute('data-i'));
      light(byte);
      for (const element of container.querySelectorAll('[data-start]')) {
        if (Number(element.getAttribute('data-start')) <= i && i < Number(element.getAttribute('data-end'))) light(element);
      }
      return;
    }
    const field = target.closest('[data-ref]');
    if (field === null) return;
    const start = Number(field.getAttribute('data-start'));
    const end = Number(field.getAttribute('data-end'));
    for (const element of container.querySelectorAll(`[data-ref="${field.getAttribute('data-ref')}"]`)) light(element);
    for (const element of container.querySelectorAll('.byte')) {
      const i = Number(element.getAttribute('data-i'));
      if (i >= start && i < end) light(element);
    }
  };
  container.addEventListener('pointerover', (event) => show(event.target));
  container.addEventListener('focusin', (event) => show(event.target));
  container.addEventListener('pointerleave', clear);
  container.addEventListener('focusout', clear);
}
