/** Output of stream records: one line of text each, a JSON array, or NDJSON. */

import { opcodeName } from '../index.ts';
import { deferredPayload, type StreamRecord } from '../capture/analyze.ts';
import { encodeBase64 } from '../bytes/base64.ts';
import type { Style } from './style.ts';

export type OutputFormat = 'text' | 'json' | 'ndjson';

export function parseFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'text';
  if (value === 'text' || value === 'json' || value === 'ndjson') return value;
  throw new Error(`--format must be text, json or ndjson, not '${value}'`);
}

const MAX_TEXT_SHOWN = 80;
/** Base64 characters shown on a text line: the first 48 bytes. */
const MAX_BASE64_SHOWN = 64;

/**
 * A record's base64 as a text line shows it: the first 64 characters and `…` when longer. A
 * deferred base64 is not built whole: its first 48 bytes give the same characters.
 */
function shownBase64(record: { base64: string }): string {
  const payload = deferredPayload(record);
  if (payload === undefined) return record.base64.length > MAX_BASE64_SHOWN ? `${record.base64.slice(0, MAX_BASE64_SHOWN)}…` : record.base64;
  const bytes = (MAX_BASE64_SHOWN / 4) * 3;
  return payload.length > bytes ? `${encodeBase64(payload.subarray(0, bytes))}…` : encodeBase64(payload);
}

function quote(text: string): string {
  const shown = text.length > MAX_TEXT_SHOWN ? `${text.slice(0, MAX_TEXT_SHOWN)}…` : text;
  return JSON.stringify(shown);
}

/** One human-readable line for a record (without time or direction). */
export function recordLine(record: StreamRecord, style: Style): string {
  if (record.type === 'frame') {
    const flags = [
      record['websocket.fin'] ? 'FIN' : 'no-FIN',
      record['websocket.rsv'] !== 0 ? `RSV=${record['websocket.rsv'].toString(2).padStart(3, '0')}` : '',
      record['websocket.mask'] ? `masked key=${record['websocket.masking_key']}` : 'unmasked',
    ].filter(Boolean).join(' ');
    let detail = '';
    if (record['websocket.payload.text'] !== undefined) detail = ` ${quote(record['websocket.payload.text'])}`;
    else if (record['websocket.payload.close.status_code'] !== undefined) detail = ` code=${record['websocket.payload.close.status_code']}${record['websocket.payload.close.reason'] ? ` reason=${quote(record['websocket.payload.close.reason'])}` : ''}`;
    const verdict = record.verdict === 'valid' ? style.good('valid') : style.bad(`invalid: ${record.verdict.closeCode} ${record.verdict.code}`);
    return `${style.field('frame')}   @${record.offset} ${opcodeName(record['websocket.opcode'])} ${flags} len=${record['websocket.payload_length']}${detail}  ${verdict}`;
  }
  if (record.type === 'message') {
    const compressed = record.compressed ? ' compressed' : '';
    switch (record.kind) {
      case 'text': return `${style.field('message')} text ${record.length} bytes${compressed} ${style.value(quote(record.text))}`;
      case 'close': return `${style.field('message')} close code=${record.code ?? 'none'} reason=${quote(record.reason)}`;
      case 'compressed': return `${style.field('message')} ${record.messageKind} ${record.length} bytes compressed, not inflated (parameters or window unknown) base64=${shownBase64(record)}`;
      default: return `${style.field('message')} ${record.kind} ${record.length} bytes${compressed} base64=${shownBase64(record)}`;
    }
  }
  return style.bad(`error   ${record.offset === undefined ? '' : `@${record.offset} `}${record.closeCode} ${record.code}: ${record.message}`);
}
