/**
 * Character classes and IP address syntax of RFC 3986, shared by the URL parser and the `Host`
 * check. Layer 4 (handshake).
 *
 * @internal
 * @module
 */

/** RFC 5234 DIGIT. */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
/** RFC 5234 ALPHA. */
export function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
/** RFC 5234 HEXDIG, either case. */
export function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
/** RFC 3986 §3.2.2 IPv4address: four decimal octets without leading zeros. */
export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3) return false;
    for (let i = 0; i < part.length; i++) if (!isDigit(part.charCodeAt(i))) return false;
    if (Number(part) > 255 || (part.length > 1 && part.charCodeAt(0) === 0x30)) return false;
  }
  return true;
}

/** RFC 3986 §3.2.2 IPv6address: 8 groups of 1–4 hex digits, one `::` at most, IPv4 tail allowed. */
export function isIpv6(text: string): boolean {
  const doubleColon = text.indexOf('::');
  if (doubleColon !== -1 && text.indexOf('::', doubleColon + 1) !== -1) return false;
  const halves = doubleColon === -1 ? [text] : [text.slice(0, doubleColon), text.slice(doubleColon + 2)];
  let groups = 0;
  for (let h = 0; h < halves.length; h++) {
    if (halves[h] === '') continue;
    const parts = halves[h].split(':');
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p];
      const isLast = h === halves.length - 1 && p === parts.length - 1;
      if (isLast && part.indexOf('.') !== -1) {
        if (!isIpv4(part)) return false;
        groups += 2;
        continue;
      }
      if (part.length === 0 || part.length > 4) return false;
      for (let i = 0; i < part.length; i++) if (!isHex(part.charCodeAt(i))) return false;
      groups++;
    }
  }
  return doubleColon === -1 ? groups === 8 : groups <= 7;
}

