/**
 * Comparing wsframe's frames with tshark's (test/fixtures/tshark-websocket.mjs output): the
 * normalised frame shape, and our frame records in it.
 */
import type { FrameRecord } from '../src/capture/analyze.ts';

/** One frame as test/fixtures/tshark-websocket.mjs writes it. */
export interface TsharkFrame {
  from: 'client' | 'server';
  fin: boolean;
  rsv: number;
  opcode: number;
  mask: boolean;
  maskingKey: string | null;
  length: number;
  text?: string;
  payload?: string;
  closeCode?: number;
  reason?: string;
}

/**
 * Our frame in tshark's normalised shape, with the payload shown as tshark shows it: tshark gives
 * a fragmented text message's whole text on its last fragment, so `fragments` (one array per
 * direction, passed to every call in frame order) holds the message's payload so far.
 */
export function asTshark(frame: FrameRecord & { from: string }, like: TsharkFrame, fragments: string[]): TsharkFrame {
  const ours: TsharkFrame = {
    from: frame.from as 'client' | 'server',
    fin: frame['websocket.fin'],
    rsv: frame['websocket.rsv'],
    opcode: frame['websocket.opcode'],
    mask: frame['websocket.mask'],
    maskingKey: frame['websocket.masking_key'] ?? null,
    length: frame['websocket.payload_length'],
  };
  if (frame['websocket.opcode'] !== 0) fragments.length = 0;
  fragments.push(frame['websocket.payload']);
  if (like.text !== undefined) ours.text = new TextDecoder().decode(Uint8Array.from(fragments.join('').match(/../g) ?? [], (h) => parseInt(h, 16)));
  if (like.payload !== undefined) ours.payload = frame['websocket.payload'];
  if (like.closeCode !== undefined) {
    ours.closeCode = frame['websocket.payload.close.status_code'];
    ours.reason = frame['websocket.payload.close.reason'];
  }
  return ours;
}
