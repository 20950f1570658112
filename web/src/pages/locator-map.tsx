import { useEffect, useState } from 'react';
import type { FriendLocation } from '../api-shapes.ts';
import type { Lang } from '../i18n.ts';

/** A region's outline as packaged (scripts/region-outlines.mjs): rings of hundredths of a degree, delta-coded. */
interface Outline {
  iso: string;
  ru: string;
  en: string;
  rings: number[][];
}

/** The rings as [longitude, latitude] points. */
function decode(o: Outline): [number, number][][] {
  return o.rings.map((r) => {
    const pts: [number, number][] = [];
    let x = 0;
    let y = 0;
    for (let i = 0; i + 1 < r.length; i += 2) {
      x += r[i]!;
      y += r[i + 1]!;
      pts.push([x / 100, y / 100]);
    }
    return pts;
  });
}

let outlines: Promise<{ iso: string; ru: string; en: string; rings: [number, number][][] }[]> | null = null;
/** The regions' outlines, fetched (from this app, a chunk of its own) the first time a map is drawn. */
function loadOutlines() {
  outlines ??= import('../geo/region-outlines.json').then((m) => (m.default.regions as Outline[]).map((o) => ({ ...o, rings: decode(o) })));
  return outlines;
}

const SIZE = 320;
const M_PER_DEG_LAT = 111_320;

/**
 * The fix drawn offline, as SVG (no tile server): the regions' outlines (packaged, loaded with the
 * first map), the area (circle or polygon) around its centre, the localities near it from the
 * answer, a scale bar and north. An equirectangular projection
 * around the centre is exact enough at these distances.
 */
export function LocatorMap({ loc, lang, label }: { loc: FriendLocation; lang: Lang; label: string }) {
  const { center } = loc;
  const [regions, setRegions] = useState<Awaited<ReturnType<typeof loadOutlines>>>([]);
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
  // The regions whose rings come near the view (a degree around the fix), as SVG paths under the area.
  const near = (p: [number, number]) => Math.abs(p[0] - center.longitude) < 2 && Math.abs(p[1] - center.latitude) < 1;
  const shapes = regions
    .filter((r) => r.rings.some((ring) => ring.some(near)))
    .map((r) => ({
      iso: r.iso,
      d: r.rings
        .map((ring) => `M${ring.map(([lon, lat]) => xy({ longitude: lon, latitude: lat })).map((p) => `${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join('L')}Z`)
        .join(''),
    }));
  return (
    <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={label} className="locator-map" data-testid="locator-map">
      <rect width={SIZE} height={SIZE} fill="#dfe9f2" />
      {shapes.map((r) => (
        <path key={r.iso} d={r.d} fill="#eef3ea" stroke="#9a8c6e" strokeWidth="1.5" strokeDasharray="6 3" data-testid="region-outline" data-region={r.iso} />
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
      {shapes.length ? (
        <text x={SIZE - 6} y={SIZE - 6} fontSize="9" fill="#555" textAnchor="end">
          {lang === 'ru' ? 'Границы: amCharts' : 'Borders: amCharts'}
        </text>
      ) : null}
    </svg>
  );
}
