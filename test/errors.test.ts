import { describe, expect, it } from 'vitest';
import { HandshakeError, PROTOCOL_ERRORS, ProtocolError, type ProtocolErrorCode } from '../src/base/errors.ts';

describe('ProtocolError', () => {
  it('takes its close code and RFC section from the one table', () => {
    for (const code of Object.keys(PROTOCOL_ERRORS) as ProtocolErrorCode[]) {
      const error = new ProtocolError(code, 'x', 7);
      expect(error.closeCode).toBe(PROTOCOL_ERRORS[code].closeCode);
      expect(error.rfc).toBe(PROTOCOL_ERRORS[code].rfc);
      expect(error.offset).toBe(7);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('ProtocolError');
    }
  });

  it('maps every code to a close code a peer may receive', () => {
    for (const { closeCode } of Object.values(PROTOCOL_ERRORS)) {
      expect([1002, 1007, 1009]).toContain(closeCode);
    }
    expect(PROTOCOL_ERRORS.INVALID_UTF8.closeCode).toBe(1007);
    expect(PROTOCOL_ERRORS.PAYLOAD_TOO_LARGE.closeCode).toBe(1009);
  });
});

describe('HandshakeError', () => {
  it('carries the HTTP status and a stable code', () => {
    const error = new HandshakeError('UNSUPPORTED_VERSION', 426, 'Cannot accept handshake: version 8');
    expect([error.status, error.code, error.name, error.message]).toEqual([426, 'UNSUPPORTED_VERSION', 'HandshakeError', 'Cannot accept handshake: version 8']);
  });
});
