/**
 * Reads a RIFF/WAVE file's format and length: what a voicemail greeting or message must be before
 * it is kept (8 kHz mono 16-bit PCM, the telephony WAV Asterisk records with `RECORD FILE … wav`
 * and plays back without transcoding).
 */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 1: PCM. */
  format: number;
  dataBytes: number;
  durationMs: number;
}

export function readWav(bytes: Uint8Array): WavInfo | null {
  if (bytes.length < 12) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return null;
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationMs'> | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    let size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) {
      fmt = { format: view.getUint16(body, true), channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), bitsPerSample: view.getUint16(body + 14, true) };
    } else if (id === 'data' && fmt) {
      // A recording still being written (or by a writer that never seeks back) may say 0 or too much.
      if (size === 0 || body + size > bytes.length) size = bytes.length - body;
      const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
      return { ...fmt, dataBytes: size, durationMs: bytesPerSecond > 0 ? Math.round((size / bytesPerSecond) * 1000) : 0 };
    }
    at = body + size + (size % 2);
  }
  return null;
}

/** Whether it is the telephony WAV voicemail keeps: 8 kHz, mono, 16-bit PCM. */
export function isTelephonyWav(w: WavInfo | null): w is WavInfo {
  return !!w && w.format === 1 && w.sampleRate === 8000 && w.channels === 1 && w.bitsPerSample === 16;
}
