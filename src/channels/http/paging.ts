import { z } from 'zod';
import { PAGE_MAX } from '../../domain/shared/cursor.ts';
import { wholeNumber } from '../../domain/shared/strict-input.ts';

/**
 * The query every cursor-paged list takes: `limit` (1–200, 50 unless given; more is a 400
 * VALIDATION) and `cursor`, the `nextCursor` of the page before (a cursor that is not one of this
 * list's is a 400 CURSOR_INVALID). Each list answers `{ items, nextCursor }`, nextCursor null on
 * the last page.
 */
export const pageQuery = {
  limit: wholeNumber({ min: 1, max: PAGE_MAX }).optional().describe(`Page size, 1–${PAGE_MAX} (50 unless given)`),
  cursor: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page of the same list (opaque)'),
};

export const nextCursor = z.string().nullable().describe('Pass as `cursor` for the next, older page; null on the last page');
