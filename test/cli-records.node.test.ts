/** The text lines of records (src/cli/records.ts). */
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../src/index.ts';
import { StreamAnalyzer, deferredPayload } from '../src/capture/analyze.ts';
import { recordLine } from '../src/cli/records.ts';
import { styleFor } from '../src/cli/style.ts';

describe('recordLine', () => {
  it('shows a deferred base64 as the same first 64 characters, without building the rest', () => {
    const style = styleFor({ isTTY: false }, {});
    for (const length of [16 * 1024, 100_000]) {
      const wire = encodeMessage(new Uint8Array(length).map((_, i) => (i * 7) & 0xff));
      const [, deferred] = new StreamAnalyzer({ role: 'client', deferBase64: true }).push(wire);
      const [, plain] = new StreamAnalyzer({ role: 'client' }).push(wire);
      expect(deferredPayload(deferred)).toHaveLength(length);
      expect(deferredPayload(plain)).toBeUndefined();
      expect(recordLine(deferred, style)).toBe(recordLine(plain, style));
    }
    const [, message] = new StreamAnalyzer({ role: 'client', deferBase64: true }).push(encodeMessage(new Uint8Array(16 * 1024).fill(0xff)));
    expect(recordLine(message, style)).toBe(`message binary 16384 bytes base64=${'/'.repeat(64)}…`);
  });
});
