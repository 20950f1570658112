#!/usr/bin/env node
// Draws the app icons (192 and 512 px PNG, maskable-safe) without any image library: a blue
// square with a white rounded handset-like bar and a dot. Run once; the PNGs are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
}
function png(size) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      // White "A" frame: two bars and a crossbar, inside the maskable safe zone (80%).
      const inLeft = Math.abs(u - (0.5 - (v - 0.25) * 0.45)) < 0.055 && v > 0.25 && v < 0.75;
      const inRight = Math.abs(u - (0.5 + (v - 0.25) * 0.45)) < 0.055 && v > 0.25 && v < 0.75;
      const inBar = v > 0.53 && v < 0.6 && u > 0.38 && u < 0.62;
      const white = inLeft || inRight || inBar;
      const o = 1 + x * 3;
      row[o] = white ? 255 : 11;
      row[o + 1] = white ? 255 : 92;
      row[o + 2] = white ? 255 : 173;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}
for (const size of [192, 512]) writeFileSync(`web/public/icons/icon-${size}.png`, png(size));
console.log('icons written');
