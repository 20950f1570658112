/**
 * The facts of what a subscriber pays for an action, as every channel states them. The action
 * registry (src/domain/actions) produces them; the price formatter (src/text) turns them into words.
 * This folder is the lowest layer of presentation: it imports nothing from the rest of src/.
 */
export type PricePeriod = 'once' | 'day' | 'month';

export interface PriceFacts {
  /** Kopecks per period; for `once`, the one-off price of each use. */
  price: number;
  period: PricePeriod;
  /** One-off fee for connecting (or switching), kopecks; 0 when there is none. */
  connectionFee: number;
  /** A commission taken with the action (promised payment), kopecks; 0 when there is none. */
  commission: number;
  /** What is charged now if the subscriber takes it today, kopecks (with the `melodies` below). */
  chargedToday: number;
  /**
   * The kept ringback melodies that taking it resumes (connecting the service "Гудок" again), in
   * the order they resume: each is charged one period now (counted in `chargedToday`) and then per
   * period. Absent when it resumes none.
   */
  melodies?: MelodyCharge[];
}

/** A melody resumed with an action: its title and its price per period, kopecks. */
export interface MelodyCharge {
  title: { ru: string; en: string };
  price: number;
  period: PricePeriod;
}

export type Lang = 'ru' | 'en';
/** How the words are delivered: on a screen, in 7-bit Latin transliteration (USSD), or spoken. */
export type TextStyle = 'text' | 'translit' | 'speech';
