/**
 * The engines the adapters drive, with the adapters' defaults applied. Internal to the
 * adapters.
 *
 * @internal
 * @module
 */

import { ClientConnection } from '../connection/client.ts';
import { ServerConnection } from '../connection/server.ts';
import { DEFAULT_SERVER_PING_INTERVAL, type DialOptions, type ServeOptions } from './_connection.ts';

/**
 * The server engine an adapter drives: `pingInterval` defaults to
 * {@link DEFAULT_SERVER_PING_INTERVAL} (`Infinity` turns keepalive off). Both engines unmask in
 * place (`unmaskInPlace`): the chunks an adapter reads from its transport are its own, and it
 * never reads them again.
 */
export function createServerEngine(options: ServeOptions): ServerConnection {
  const { pingInterval = DEFAULT_SERVER_PING_INTERVAL } = options;
  return new ServerConnection({
    unmaskInPlace: true,
    ...options,
    pingInterval: pingInterval === Number.POSITIVE_INFINITY ? undefined : pingInterval,
  });
}

/** The client engine an adapter drives (the request is in its output at once). */
export function createClientEngine(url: string, options: DialOptions): ClientConnection {
  return new ClientConnection({ unmaskInPlace: true, ...options, url });
}
