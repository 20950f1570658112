import { kopecks } from '../shared/strict-input.ts';

/**
 * The largest amount a business admin may set as a number's spending limit or a contract's credit
 * pool: 10^10 kopecks (100 million roubles). One bound for the business portal, its API and the
 * bulk operations, so none is looser than another.
 */
export const MAX_BUSINESS_AMOUNT_KOPECKS = 10_000_000_000;

/** An amount a business admin sets (a limit, a credit pool): kopecks from 0 to MAX_BUSINESS_AMOUNT_KOPECKS. */
export const businessAmount = kopecks.min(0).max(MAX_BUSINESS_AMOUNT_KOPECKS);
