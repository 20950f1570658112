import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const termsSchema = z
  .object({
    version: z.string().regex(/^[\w.-]{1,40}$/, 'letters, digits, dot, dash or underscore, up to 40'),
    publishedAt: z.iso.datetime({ offset: true }),
    text: z.object({ ru: z.string().min(1).max(100_000), en: z.string().min(1).max(100_000) }).strict(),
  })
  .strict();
export type TermsDocument = z.infer<typeof termsSchema>;

const defaultPath = new URL('../../../catalog/terms.json', import.meta.url);

/** The terms of use the operator ships in catalog/terms.json: a version, when it takes effect, ru/en text. */
export function loadTermsFile(path: URL | string = defaultPath): TermsDocument {
  const where = typeof path === 'string' ? path : path.pathname;
  const res = termsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!res.success) throw new Error(`${where}: invalid terms: ${res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return res.data;
}
