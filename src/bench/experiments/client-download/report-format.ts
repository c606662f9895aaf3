/**
 * The number formats the client-download report's sections share: overheads and losses, in
 * the model and in the real transfers, print at two decimals so the two read side by side.
 * @module
 */
import { type NumberFormat, formatNumber } from '../../report/model.ts';

export const PERCENT: NumberFormat = { digits: 2 };
export const percent = (value: number) => `${formatNumber(value, PERCENT)}%`;
