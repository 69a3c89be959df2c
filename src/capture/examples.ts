/** The RFC 6455 §5.7 examples that `wsframe explain` shows when given no input. */
export const RFC_EXAMPLES: { title: string; hex: string }[] = [
  { title: 'A single-frame unmasked text message', hex: '81 05 48 65 6c 6c 6f' },
  { title: 'A single-frame masked text message', hex: '81 85 37 fa 21 3d 7f 9f 4d 51 58' },
  { title: 'A fragmented unmasked text message', hex: '01 03 48 65 6c 80 02 6c 6f' },
  { title: 'Unmasked Ping request', hex: '89 05 48 65 6c 6c 6f' },
  { title: 'Masked Ping response (pong)', hex: '8a 85 37 fa 21 3d 7f 9f 4d 51 58' },
  { title: '256 bytes binary message in a single unmasked frame (header only)', hex: '82 7e 01 00' },
  { title: '64KiB binary message in a single unmasked frame (header only)', hex: '82 7f 00 00 00 00 00 01 00 00' },
];
