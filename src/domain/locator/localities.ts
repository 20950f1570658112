import { distanceMetres, type GeoPoint } from './location-port.ts';

/**
 * Localities the locator names in words, with their centres: a packaged table (no geocoding
 * service is reachable), covering the regions the sandbox's cell table covers.
 */
export const LOCALITIES: { ru: string; en: string; regionCode: string; at: GeoPoint }[] = [
  { ru: 'Москва', en: 'Moscow', regionCode: '77', at: { latitude: 55.7558, longitude: 37.6173 } },
  { ru: 'Зеленоград', en: 'Zelenograd', regionCode: '77', at: { latitude: 55.9825, longitude: 37.1814 } },
  { ru: 'Химки', en: 'Khimki', regionCode: '50', at: { latitude: 55.897, longitude: 37.4297 } },
  { ru: 'Одинцово', en: 'Odintsovo', regionCode: '50', at: { latitude: 55.678, longitude: 37.264 } },
  { ru: 'Санкт-Петербург', en: 'Saint Petersburg', regionCode: '78', at: { latitude: 59.9343, longitude: 30.3351 } },
  { ru: 'Пушкин', en: 'Pushkin', regionCode: '78', at: { latitude: 59.7147, longitude: 30.3964 } },
  { ru: 'Колпино', en: 'Kolpino', regionCode: '78', at: { latitude: 59.75, longitude: 30.6 } },
  { ru: 'Казань', en: 'Kazan', regionCode: '16', at: { latitude: 55.7961, longitude: 49.1064 } },
  { ru: 'Зеленодольск', en: 'Zelenodolsk', regionCode: '16', at: { latitude: 55.8466, longitude: 48.501 } },
  { ru: 'Новосибирск', en: 'Novosibirsk', regionCode: '54', at: { latitude: 55.0084, longitude: 82.9357 } },
  { ru: 'Бердск', en: 'Berdsk', regionCode: '54', at: { latitude: 54.758, longitude: 83.107 } },
  { ru: 'Обь', en: 'Ob', regionCode: '54', at: { latitude: 54.995, longitude: 82.693 } },
  { ru: 'Краснодар', en: 'Krasnodar', regionCode: '23', at: { latitude: 45.0355, longitude: 38.9753 } },
  { ru: 'Сочи', en: 'Sochi', regionCode: '23', at: { latitude: 43.5855, longitude: 39.7231 } },
  { ru: 'Анапа', en: 'Anapa', regionCode: '23', at: { latitude: 44.895, longitude: 37.316 } },
];

/** The locality nearest to a point, and how far its centre is (metres). */
export function nearestLocality(p: GeoPoint): { ru: string; en: string; distance: number } {
  let best = LOCALITIES[0]!;
  let bestD = Infinity;
  for (const l of LOCALITIES) {
    const d = distanceMetres(p, l.at);
    if (d < bestD) {
      best = l;
      bestD = d;
    }
  }
  return { ru: best.ru, en: best.en, distance: Math.round(bestD) };
}

/** Localities within `radius` metres of a point, for drawing them on the map around a fix. */
export function localitiesNear(p: GeoPoint, radius: number): { ru: string; en: string; at: GeoPoint }[] {
  return LOCALITIES.filter((l) => distanceMetres(p, l.at) <= radius).map((l) => ({ ru: l.ru, en: l.en, at: l.at }));
}
