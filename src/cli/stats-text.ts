/** `--stats` as text: a few lines per connection, then the same for all of them. */

import type { DirectionStats, StatsRecord } from '../capture/stats.ts';
import type { Style } from './style.ts';

const KIND_ORDER = ['text', 'binary', 'compressed', 'ping', 'pong', 'close'];

/** The lines of one stats record. */
export function statsLines(record: StatsRecord, style: Style): string[] {
  const title = record.stream === null
    ? `all ${record.connections} connection${record.connections === 1 ? '' : 's'}`
    : `stream ${record.stream}: ${record.client ?? '?'} -> ${record.server ?? '?'}`;
  const lines = [style.bold(`${title}, ${record.duration.toFixed(6)} s`)];
  lines.push(...directionLines('client->server', record.directions.client));
  lines.push(...directionLines('server->client', record.directions.server));
  if (record.closes.length > 0) {
    lines.push(`  closes: ${record.closes.map((close) => `${close.from} ${close.code ?? 'no code'}${close.reason === '' ? '' : ` ${JSON.stringify(close.reason)}`}`).join(', ')}`);
  }
  const trips = record.roundTrips;
  if (trips.pings > 0) {
    const times = trips.answered === 0 ? '' : `, round trip min ${trips.minMs!.toFixed(3)} / avg ${trips.avgMs!.toFixed(3)} / max ${trips.maxMs!.toFixed(3)} ms`;
    lines.push(`  ping->pong: ${trips.answered} of ${trips.pings} pings answered${times}`);
  }
  return lines;
}

function directionLines(name: string, stats: DirectionStats): string[] {
  const lines = [`  ${name}: ${stats.messages} messages, ${stats.bytes} bytes; ${stats.frames} frames, ${stats.frameBytes} payload bytes`];
  const kinds = Object.keys(stats.kinds).sort((a, b) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b));
  if (kinds.length > 0) lines.push(`    ${kinds.map((kind) => `${kind} ${stats.kinds[kind].messages} (${stats.kinds[kind].bytes} B)`).join('  ')}`);
  const { compressed } = stats;
  if (compressed.messages > 0) {
    const ratio = compressed.wireBytes === 0 ? '' : ` (${(compressed.inflatedBytes / compressed.wireBytes).toFixed(2)}x)`;
    lines.push(`    compressed: ${compressed.messages} messages, ${compressed.wireBytes} bytes sent, ${compressed.inflatedBytes} inflated${ratio}`);
  }
  if (stats.kinds.compressed !== undefined) lines.push(`    not inflated: ${stats.kinds.compressed.messages} compressed messages (parameters or window unknown)`);
  if (stats.errors > 0 || stats.gaps > 0) lines.push(`    errors ${stats.errors}, gaps ${stats.gaps} (${stats.gapBytes} bytes missing)`);
  return lines;
}
