// The packaged region outlines of the locator's map (web/src/geo/region-outlines.json, made by
// scripts/region-outlines.mjs): every catalog region but those the source lacks, each sandbox
// cell inside its own region and no other, enclaves as holes, no ring across the antimeridian.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import regions from '../../catalog/regions.json' with { type: 'json' };
import { SANDBOX_CELLS } from '../../src/adapters/location/cells.ts';
import { contains, loadOutlines, type LonLat } from '../../web/src/geo/outlines.ts';

test('every catalog region has an outline but Crimea and Sevastopol, absent from the source', async () => {
  const outlines = await loadOutlines();
  const have = new Set(outlines.map((o) => o.iso));
  assert.deepEqual(
    regions.filter((r) => !have.has(r.iso)).map((r) => r.iso),
    ['RU-CR', 'RU-SEV'],
  );
  for (const o of outlines) assert.ok(o.rings.length > 0 && o.rings.every((r) => r.length >= 4), `${o.iso} has rings`);
});

test('each sandbox cell lies in its own region and in no other', async () => {
  const outlines = await loadOutlines();
  // Zelenograd's cell is 350 m outside the source's Zelenograd, whose points lie kilometres
  // apart: the map takes it for Moscow Oblast.
  const coarse: Record<string, string> = { '250-01-7703': 'RU-MOS' };
  for (const [code, cells] of Object.entries(SANDBOX_CELLS)) {
    const home = regions.find((r) => r.code === code)!.iso;
    for (const { id, area } of cells) {
      const pts = area.areaType === 'CIRCLE' ? [area.center] : area.boundary;
      const at: LonLat = [pts.reduce((s, p) => s + p.longitude, 0) / pts.length, pts.reduce((s, p) => s + p.latitude, 0) / pts.length];
      assert.deepEqual(outlines.filter((o) => contains(o, at)).map((o) => o.iso), [coarse[id] ?? home], `cell ${id}`);
    }
  }
});

test('an enclave is a hole in the region around it', async () => {
  const outlines = await loadOutlines();
  const where = (at: LonLat) => outlines.filter((o) => contains(o, at)).map((o) => o.iso);
  // Maykop, in Adygea, inside Krasnodar Krai; Krasnodar itself.
  assert.deepEqual(where([40.1, 44.61]), ['RU-AD']);
  assert.deepEqual(where([38.98, 45.04]), ['RU-KDA']);
  // Zelenograd's part of Moscow (in the source), inside Moscow Oblast.
  assert.deepEqual(where([37.25, 56.0]), ['RU-MOW']);
});

test('no ring jumps across the antimeridian: Chukotka runs to +180 on one side, from -180 on the other', async () => {
  const outlines = await loadOutlines();
  for (const o of outlines)
    for (const ring of o.rings)
      for (let i = 1; i < ring.length; i++) assert.ok(Math.abs(ring[i]![0] - ring[i - 1]![0]) < 180, `${o.iso}: ${ring[i - 1]} → ${ring[i]}`);
  const chukotka = outlines.find((o) => o.iso === 'RU-CHU')!;
  assert.ok(chukotka.rings.some((r) => r.some(([x]) => x === 180)));
  assert.ok(chukotka.rings.some((r) => r.some(([x]) => x === -180)));
});
