/** A region's outline as packaged (scripts/region-outlines.mjs): rings (outer ones and holes) of hundredths of a degree, delta-coded. */
interface Packed {
  iso: string;
  ru: string;
  en: string;
  rings: number[][];
}

/** [longitude, latitude] */
export type LonLat = [number, number];

export interface RegionOutline {
  iso: string;
  ru: string;
  en: string;
  rings: LonLat[][];
  /** West, south, east, north. */
  bbox: [number, number, number, number];
}

function decode(o: Packed): RegionOutline {
  const rings = o.rings.map((r) => {
    const pts: LonLat[] = [];
    let x = 0;
    let y = 0;
    for (let i = 0; i + 1 < r.length; i += 2) {
      x += r[i]!;
      y += r[i + 1]!;
      pts.push([x / 100, y / 100]);
    }
    return pts;
  });
  const all = rings.flat();
  const lons = all.map((p) => p[0]);
  const lats = all.map((p) => p[1]);
  return { iso: o.iso, ru: o.ru, en: o.en, rings, bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)] };
}

let loading: Promise<RegionOutline[]> | null = null;

/** The regions' outlines: a chunk of this app of its own, fetched the first time a map asks for it. */
export function loadOutlines(): Promise<RegionOutline[]> {
  loading ??= import('./region-outlines.json').then((m) => (m.default.regions as Packed[]).map(decode));
  return loading;
}

/** Whether the point lies inside the region: the even–odd rule over all its rings, so a hole (another region's enclave) is outside. */
export function contains(r: RegionOutline, [x, y]: LonLat): boolean {
  if (x < r.bbox[0] || x > r.bbox[2] || y < r.bbox[1] || y > r.bbox[3]) return false;
  let inside = false;
  for (const ring of r.rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Whether the region's box meets the box [west, south, east, north]. */
export function meets(r: RegionOutline, b: [number, number, number, number]): boolean {
  return r.bbox[0] <= b[2] && r.bbox[2] >= b[0] && r.bbox[1] <= b[3] && r.bbox[3] >= b[1];
}
