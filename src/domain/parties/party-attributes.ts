/**
 * What Abonent records of a party beyond its name, INN and e-mail (customer.party): a person's
 * given, family and middle names, the language asked for before the party holds a number,
 * contact phones that are not numbers it holds, and the TMF632 attributes a client sent that
 * Abonent keeps but does not act on (`extra`: only attributes the specification defines).
 */
export interface PartyAttributes {
  givenName?: string;
  familyName?: string;
  middleName?: string;
  language?: 'ru' | 'en';
  phones?: string[];
  extra?: Record<string, unknown>;
}

export interface PartyInput {
  /** A person's full name, or a business's name. */
  name?: string;
  givenName?: string;
  familyName?: string;
  middleName?: string | null;
  inn?: string | null;
  email?: string | null;
  phones?: string[];
  language?: 'ru' | 'en';
  extra?: Record<string, unknown>;
}

/** "Фамилия Имя Отчество", as Russian documents write a name. */
export function fullNameOf(a: { givenName?: string | undefined; familyName?: string | undefined; middleName?: string | null | undefined }): string {
  return [a.familyName, a.givenName, a.middleName].filter((x) => x && x.trim()).join(' ');
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const INN = /^(\d{10}|\d{12})$/;
const PHONE = /^\+?[0-9][0-9 ()-]{4,30}$/;

/** The bounds every party write checks; the first thing out of bounds is named. */
export function partyProblem(i: PartyInput): { field: string; message: string } | null {
  if (i.name !== undefined && (i.name.trim().length === 0 || i.name.length > 200)) return { field: 'name', message: '1 to 200 characters' };
  for (const f of ['givenName', 'familyName', 'middleName'] as const) {
    const v = i[f];
    if (typeof v === 'string' && (v.trim().length === 0 || v.length > 100)) return { field: f, message: '1 to 100 characters' };
  }
  if (i.email && (i.email.length > 254 || !EMAIL.test(i.email))) return { field: 'contactMedium.characteristic.emailAddress', message: 'an e-mail address' };
  if (i.inn && !INN.test(i.inn)) return { field: 'organizationIdentification.identificationId', message: 'an INN of 10 or 12 digits' };
  if (i.phones && (i.phones.length > 5 || i.phones.some((p) => !PHONE.test(p)))) return { field: 'contactMedium.characteristic.phoneNumber', message: 'at most 5 phone numbers' };
  if (i.extra && JSON.stringify(i.extra).length > 8000) return { field: 'extra', message: 'at most 8000 characters of other attributes' };
  return null;
}
