/** Types of browser-exchange.js (plain JavaScript: it runs in a page and in Node). */
export interface BrowserExchangeReport {
  /** One per message sent: whether exactly it came back, and `kind length sha256-prefix` of the echo. */
  echoes: Array<{ ok: boolean; digest: string }>;
  /** The close event: the code and reason the server answered with. */
  close: { code: number; reason: string; wasClean: boolean };
}
export function browserExchange(url: string, close: { code: number; reason: string }): Promise<BrowserExchangeReport>;
