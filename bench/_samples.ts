/** Deterministic samples for the compression benchmarks: English-like text and JSON records. */

const WORDS = ('the of and to in is that it was for on are as with his they at be this from have or by one had not but ' +
  'what all were when we there can an your which their said if do will each about how up out them then she many some so ' +
  'these would other into has more her two like him see time could no make than first been its who now people my made over ' +
  'did down only way find use may water long little very after words called just where most know get through back much ' +
  'before go good new write our used me man too any day same right look think also around another came come work three ' +
  'word must because does part even place well such here take why things help put years different away again off went old ' +
  'number compression window message frame decoder encoder protocol extension negotiation payload deflate huffman').split(' ');

/** `size` bytes of English-like text: words drawn with a skewed distribution, in sentences. */
export function generatedText(size: number): Uint8Array {
  let x = 12345;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  let text = '';
  let sentence = 0;
  while (text.length < size) {
    const r = next() % 1000;
    let word = WORDS[Math.floor((r * r) / 1e6 * WORDS.length)];
    if (sentence === 0) word = word[0].toUpperCase() + word.slice(1);
    text += word;
    if (++sentence > 5 + (next() % 12)) {
      text += next() % 7 === 0 ? '.\n\n' : '. ';
      sentence = 0;
    } else text += next() % 11 === 0 ? ', ' : ' ';
  }
  return new TextEncoder().encode(text.slice(0, size));
}

/** `size` bytes of a JSON array of user-like records. */
export function jsonSample(size: number): Uint8Array {
  const records: unknown[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const record = {
      id: i, user: `user-${(i * 7919) % 10007}`, email: `user${i}@example.com`, active: i % 3 === 0,
      score: ((i * 2654435761) % 100000) / 100, created: new Date(1.7e12 + i * 61_000).toISOString(),
      tags: ['alpha', 'beta', 'gamma', 'delta'].slice(0, i % 5),
    };
    records.push(record);
    length += JSON.stringify(record).length + 1;
  }
  return new TextEncoder().encode(JSON.stringify(records)).subarray(0, size);
}
