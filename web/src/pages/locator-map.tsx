import { useEffect, useState } from 'react';
import type { FriendLocation } from '../api-shapes.ts';
import { contains, loadOutlines, meets, type LonLat, type RegionOutline } from '../geo/outlines.ts';
import type { Lang } from '../i18n.ts';

const SIZE = 320;
const M_PER_DEG_LAT = 111_320;
/** The inset's side and its distance from the corner, px. */
const INSET = 84;
const INSET_AT = 8;

/**
 * The fix drawn offline, as SVG (no tile server): the regions' outlines (packaged, loaded with the
 * first map; filled even–odd, so an enclave of another region is a hole) under the area (circle or polygon) around its centre, the localities near it from the
 * answer, a scale bar and north; in the corner an inset with the whole region of the fix and its
 * neighbours. An equirectangular projection around the centre is exact enough at these distances.
 */
export function LocatorMap({ loc, lang, label }: { loc: FriendLocation; lang: Lang; label: string }) {
  const { center } = loc;
  const [regions, setRegions] = useState<RegionOutline[]>([]);
  useEffect(() => {
    let live = true;
    void loadOutlines().then((r) => live && setRegions(r));
    return () => {
      live = false;
    };
  }, []);
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((center.latitude * Math.PI) / 180);
  // The view spans the area with room around it, at least 4 km.
  const spanM = Math.max(4000, loc.radius * 3);
  const scale = SIZE / spanM; // px per metre
  const xy = (p: { latitude: number; longitude: number }) => ({
    x: SIZE / 2 + (p.longitude - center.longitude) * mPerDegLon * scale,
    y: SIZE / 2 - (p.latitude - center.latitude) * M_PER_DEG_LAT * scale,
  });
  const inside = (p: { x: number; y: number }) => p.x >= 0 && p.x <= SIZE && p.y >= 0 && p.y <= SIZE;
  const barM = [500, 1000, 2000, 5000, 10_000, 20_000].find((m) => m * scale >= SIZE / 5) ?? 20_000;
  const barLabel = barM >= 1000 ? `${barM / 1000} ${lang === 'ru' ? 'км' : 'km'}` : `${barM} ${lang === 'ru' ? 'м' : 'm'}`;
  const towns = loc.nearby.map((l) => ({ ...l, p: xy(l.at) })).filter((l) => inside(l.p));
  // The regions the view meets, as SVG paths under the area.
  const halfLon = spanM / 2 / mPerDegLon;
  const halfLat = spanM / 2 / M_PER_DEG_LAT;
  const view: [number, number, number, number] = [center.longitude - halfLon, center.latitude - halfLat, center.longitude + halfLon, center.latitude + halfLat];
  const pathOf = (r: RegionOutline, at: (p: LonLat) => { x: number; y: number }) =>
    r.rings.map((ring) => `M${ring.map(at).map((p) => `${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join('L')}Z`).join('');
  const shapes = regions.filter((r) => meets(r, view)).map((r) => ({ iso: r.iso, d: pathOf(r, ([lon, lat]) => xy({ longitude: lon, latitude: lat })) }));
  // An inset in the corner: the whole region of the fix and its neighbours, the fix a dot in it.
  const home = regions.find((r) => contains(r, [center.longitude, center.latitude]));
  const inset = home ? insetOf(home, regions, center, pathOf) : null;
  return (
    <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={label} className="locator-map" data-testid="locator-map">
      <rect width={SIZE} height={SIZE} fill="#dfe9f2" />
      {shapes.map((r) => (
        <path key={r.iso} d={r.d} fill="#eef3ea" fillRule="evenodd" stroke="#9a8c6e" strokeWidth="1.5" strokeDasharray="6 3" data-testid="region-outline" data-region={r.iso} />
      ))}
      {/* A light grid every scale-bar step, so distances read without tiles. */}
      {Array.from({ length: Math.ceil(SIZE / (barM * scale)) + 1 }, (_, i) => {
        const d = i * barM * scale;
        return (
          <g key={i} stroke="#d5ddd0" strokeWidth="1">
            <line x1={SIZE / 2 + d} y1={0} x2={SIZE / 2 + d} y2={SIZE} />
            <line x1={SIZE / 2 - d} y1={0} x2={SIZE / 2 - d} y2={SIZE} />
            <line x1={0} y1={SIZE / 2 + d} x2={SIZE} y2={SIZE / 2 + d} />
            <line x1={0} y1={SIZE / 2 - d} x2={SIZE} y2={SIZE / 2 - d} />
          </g>
        );
      })}
      {loc.area.areaType === 'CIRCLE' ? (
        <circle cx={SIZE / 2} cy={SIZE / 2} r={loc.area.radius * scale} fill="rgba(30,100,200,0.18)" stroke="#1e64c8" strokeWidth="2" data-testid="locator-area" />
      ) : (
        <polygon
          points={loc.area.boundary.map((p) => xy(p)).map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')}
          fill="rgba(30,100,200,0.18)"
          stroke="#1e64c8"
          strokeWidth="2"
          data-testid="locator-area"
        />
      )}
      <circle cx={SIZE / 2} cy={SIZE / 2} r="4" fill="#1e64c8" />
      {towns.map((l) => (
        <g key={l.en}>
          <circle cx={l.p.x} cy={l.p.y} r="3" fill="#333" />
          <text x={l.p.x + 5} y={l.p.y - 5} fontSize="14" fill="#222">
            {l[lang]}
          </text>
        </g>
      ))}
      <g transform={`translate(12 ${SIZE - 16})`}>
        <line x1="0" y1="0" x2={barM * scale} y2="0" stroke="#222" strokeWidth="3" />
        <text x="0" y="-6" fontSize="13" fill="#222">
          {barLabel}
        </text>
      </g>
      <text x={SIZE - 20} y="24" fontSize="16" fill="#222" fontWeight="bold">
        N
      </text>
      {inset ? (
        <g transform={`translate(${INSET_AT} ${INSET_AT})`} data-testid="region-inset">
          <rect width={INSET} height={INSET} fill="#dfe9f2" stroke="#555" strokeWidth="1" />
          <svg width={INSET} height={INSET} viewBox={`0 0 ${INSET} ${INSET}`}>
            {inset.shapes.map((r) => (
              <path key={r.iso} d={r.d} fill={r.iso === home!.iso ? '#f6f1df' : '#eef3ea'} fillRule="evenodd" stroke="#9a8c6e" strokeWidth="0.8" data-testid="inset-outline" data-region={r.iso} />
            ))}
            <circle cx={inset.fix.x} cy={inset.fix.y} r="3" fill="#c8321e" />
          </svg>
          <text x="0" y={INSET + 12} fontSize="11" fill="#222">
            {home![lang]}
          </text>
        </g>
      ) : null}
    </svg>
  );
}

/** The inset's paths: the fix's region fitted in the square (at least 100 km across), its neighbours around it. */
function insetOf(home: RegionOutline, regions: RegionOutline[], center: { latitude: number; longitude: number }, pathOf: (r: RegionOutline, at: (p: LonLat) => { x: number; y: number }) => string) {
  const [w, s, e, n] = home.bbox;
  const midLat = (s + n) / 2;
  const kLon = M_PER_DEG_LAT * Math.cos((midLat * Math.PI) / 180);
  const span = Math.max(100_000, (e - w) * kLon, (n - s) * M_PER_DEG_LAT) * 1.15;
  const k = INSET / span;
  const cx = (w + e) / 2;
  const at = ([lon, lat]: LonLat) => ({ x: INSET / 2 + (lon - cx) * kLon * k, y: INSET / 2 - (lat - midLat) * M_PER_DEG_LAT * k });
  const half = span / 2;
  const box: [number, number, number, number] = [cx - half / kLon, midLat - half / M_PER_DEG_LAT, cx + half / kLon, midLat + half / M_PER_DEG_LAT];
  return { shapes: regions.filter((r) => meets(r, box)).map((r) => ({ iso: r.iso, d: pathOf(r, at) })), fix: at([center.longitude, center.latitude]) };
}
