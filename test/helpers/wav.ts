/**
 * A real WAV file: a sine tone (with a short fade so it is heard as a tone, not a click), PCM 16-bit
 * little-endian, as a recorder writes it. 8 kHz mono is what Asterisk's RECORD FILE … wav makes.
 */
export function toneWav(o: { seconds: number; hz?: number; rate?: number; channels?: number }): Buffer {
  const rate = o.rate ?? 8000;
  const channels = o.channels ?? 1;
  const hz = o.hz ?? 440;
  const frames = Math.round(o.seconds * rate);
  const data = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    const fade = Math.min(1, i / (rate * 0.02), (frames - i) / (rate * 0.02));
    const v = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 12_000 * fade);
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
