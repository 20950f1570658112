import type { LocationArea } from '../../domain/locator/location-port.ts';

/**
 * The sandbox network's cells per region (code of the subscriber's region): the area a device
 * served by the cell is placed in, a circle or a sector polygon, as a network would report it.
 */
export const SANDBOX_CELLS: Record<string, { id: string; area: LocationArea }[]> = {
  '77': [
    { id: '250-01-7701', area: { areaType: 'CIRCLE', center: { latitude: 55.7652, longitude: 37.604 }, radius: 600 } },
    {
      id: '250-01-7702',
      area: {
        areaType: 'POLYGON',
        boundary: [
          { latitude: 55.7625, longitude: 37.395 },
          { latitude: 55.7655, longitude: 37.424 },
          { latitude: 55.7505, longitude: 37.43 },
          { latitude: 55.748, longitude: 37.399 },
        ],
      },
    },
    { id: '250-01-7703', area: { areaType: 'CIRCLE', center: { latitude: 55.9825, longitude: 37.1814 }, radius: 3000 } },
  ],
  '78': [
    { id: '250-01-7801', area: { areaType: 'CIRCLE', center: { latitude: 59.9343, longitude: 30.3351 }, radius: 800 } },
    {
      id: '250-01-7802',
      area: {
        areaType: 'POLYGON',
        boundary: [
          { latitude: 59.728, longitude: 30.37 },
          { latitude: 59.727, longitude: 30.42 },
          { latitude: 59.703, longitude: 30.423 },
          { latitude: 59.702, longitude: 30.372 },
        ],
      },
    },
  ],
  '16': [
    { id: '250-01-1601', area: { areaType: 'CIRCLE', center: { latitude: 55.7961, longitude: 49.1064 }, radius: 1000 } },
    { id: '250-01-1602', area: { areaType: 'CIRCLE', center: { latitude: 55.8466, longitude: 48.501 }, radius: 4000 } },
  ],
  '54': [
    { id: '250-01-5401', area: { areaType: 'CIRCLE', center: { latitude: 55.0084, longitude: 82.9357 }, radius: 900 } },
    { id: '250-01-5402', area: { areaType: 'CIRCLE', center: { latitude: 54.758, longitude: 83.107 }, radius: 3500 } },
  ],
  '23': [
    { id: '250-01-2301', area: { areaType: 'CIRCLE', center: { latitude: 45.0355, longitude: 38.9753 }, radius: 1000 } },
    {
      id: '250-01-2302',
      area: {
        areaType: 'POLYGON',
        boundary: [
          { latitude: 43.6, longitude: 39.7 },
          { latitude: 43.598, longitude: 39.745 },
          { latitude: 43.571, longitude: 39.746 },
          { latitude: 43.572, longitude: 39.701 },
        ],
      },
    },
  ],
};
