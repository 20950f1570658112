// Writes web/src/geo/region-outlines.json: a small outline of every region the catalog covers
// (catalog/regions.json), for the locator's offline map. The source is amCharts' "russiaCrimeaLow"
// GeoJSON (npm package @amcharts/amcharts4-geodata, linkware licence: its LICENSE is kept beside the
// output and the map names amCharts). It is not a dependency: fetch it once and pass its path:
//
//   npm pack @amcharts/amcharts4-geodata@4.1.32 && tar xzf amcharts-amcharts4-geodata-4.1.32.tgz
//   node scripts/region-outlines.mjs package/json/russiaCrimeaLow.json
//
// Each ring is simplified (Douglas–Peucker, TOLERANCE degrees) and stored as whole hundredths of
// a degree, longitude and latitude by turns: the first point, then each point's difference from
// the one before.
import { readFileSync, writeFileSync } from 'node:fs';
import { URL } from 'node:url';

const TOLERANCE = 0.02;
const source = process.argv[2];
if (!source) throw new Error('usage: node scripts/region-outlines.mjs <russiaCrimeaLow.json>');
const geo = JSON.parse(readFileSync(source, 'utf8'));
const regions = JSON.parse(readFileSync(new URL('../catalog/regions.json', import.meta.url), 'utf8'));

function simplify(points, tol) {
  if (points.length < 4) return points;
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = points[a];
    const [bx, by] = points[b];
    const len = Math.hypot(bx - ax, by - ay);
    let worst = -1;
    let at = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = points[i];
      // A closed ring starts and ends at one point: there, the distance to that point.
      const d = len === 0 ? Math.hypot(px - ax, py - ay) : Math.abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / len;
      if (d > worst) [worst, at] = [d, i];
    }
    if (worst > tol) {
      keep[at] = 1;
      stack.push([a, at], [at, b]);
    }
  }
  return points.filter((_, i) => keep[i]);
}

const byIso = new Map(geo.features.map((f) => [f.properties.id, f]));
const out = [];
const missing = [];
for (const r of regions) {
  const f = byIso.get(r.iso);
  if (!f) {
    missing.push(r.iso);
    continue;
  }
  const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const rings = [];
  for (const poly of polygons) {
    // The outer ring only: lakes are not drawn at this scale.
    const ring = simplify(poly[0], TOLERANCE);
    if (ring.length < 4) continue;
    // The first point whole, then each the difference from the one before (small numbers, few bytes).
    const q = ring.map(([lon, lat]) => [Math.round(lon * 100), Math.round(lat * 100)]);
    rings.push(q.flatMap(([x, y], i) => (i === 0 ? [x, y] : [x - q[i - 1][0], y - q[i - 1][1]])));
  }
  out.push({ iso: r.iso, ru: r.nameRu, en: r.nameEn, rings });
}
const text = JSON.stringify({ source: 'amCharts (@amcharts/amcharts4-geodata 4.1.32, russiaCrimeaLow), simplified', regions: out });
writeFileSync(new URL('../web/src/geo/region-outlines.json', import.meta.url), text);
console.log(`${out.length} regions, ${Buffer.byteLength(text)} bytes${missing.length ? `; no outline for ${missing.join(', ')}` : ''}`);
