/** A point in WGS 84 degrees. */
export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/** The area the network places a device in, as CAMARA Device Location Retrieval gives it. */
export type LocationArea = { areaType: 'CIRCLE'; center: GeoPoint; radius: number } | { areaType: 'POLYGON'; boundary: GeoPoint[] };

export interface DeviceLocation {
  /** When the network last located the device. */
  lastLocationTime: Date;
  area: LocationArea;
}

/** Why the network gave no location (CAMARA's 404 and 422 codes, in our words). */
export type LocationRefusal = 'NOT_FOUND' | 'UNABLE_TO_LOCATE' | 'MAX_AGE' | 'MAX_SURFACE' | 'NOT_APPLICABLE' | 'UNAVAILABLE';

/**
 * Where a number's device is. The real adapter speaks CAMARA Device Location Retrieval
 * (`src/adapters/location/camara.ts`); the demo's is the same adapter against the sandbox server.
 * `maxAge`: the oldest fix acceptable, in seconds (0: a fresh one); `maxSurface`: the largest
 * area acceptable, in square metres. Refusals throw `LOCATION_UNAVAILABLE` with a `reason`.
 */
export interface LocationPort {
  retrieve(req: { msisdn: string; maxAge?: number; maxSurface?: number }): Promise<DeviceLocation>;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance in metres. */
export function distanceMetres(a: GeoPoint, b: GeoPoint): number {
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The area's centre and the radius of a circle holding it: what the person is told. */
export function areaCircle(area: LocationArea): { center: GeoPoint; radius: number } {
  if (area.areaType === 'CIRCLE') return { center: area.center, radius: area.radius };
  const n = area.boundary.length;
  const center = {
    latitude: area.boundary.reduce((s, p) => s + p.latitude, 0) / n,
    longitude: area.boundary.reduce((s, p) => s + p.longitude, 0) / n,
  };
  return { center, radius: Math.round(Math.max(...area.boundary.map((p) => distanceMetres(center, p)))) };
}

/** The area's surface in square metres (a polygon's by the shoelace formula on a local plane). */
export function areaSurface(area: LocationArea): number {
  if (area.areaType === 'CIRCLE') return Math.PI * area.radius ** 2;
  const lat0 = rad(area.boundary[0]!.latitude);
  const xy = area.boundary.map((p) => [rad(p.longitude) * Math.cos(lat0) * EARTH_RADIUS_M, rad(p.latitude) * EARTH_RADIUS_M] as const);
  let sum = 0;
  for (let i = 0; i < xy.length; i++) {
    const [x1, y1] = xy[i]!;
    const [x2, y2] = xy[(i + 1) % xy.length]!;
    sum += x1 * y2 - x2 * y1;
  }
  return Math.abs(sum) / 2;
}
