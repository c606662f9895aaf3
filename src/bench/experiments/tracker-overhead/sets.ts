/**
 * The report sets of a tracker-overhead run: which reports are signed for which series, with
 * every receipt fresh. A report's pieces come from its global index (report g of a set with r
 * receipts per report signs pieces g*r .. g*r+r-1), so sets are placed on disjoint piece ranges:
 * no receipt id repeats anywhere in a run.
 * @module
 */

/** One series' reports, as asked for. */
export interface ReportSetSpec {
  key: string;
  receiptsPerReport: number;
  count: number;
  /** Users whose keys sign (sender g mod users, receivers the next ones); more than receiptsPerReport. */
  users: number;
}

/** A set placed: its first global report index. */
export interface PlacedReportSet extends ReportSetSpec {
  first: number;
}

/** Places `sets` one after another on disjoint piece-index ranges. */
export function placeReportSets(sets: readonly ReportSetSpec[]): PlacedReportSet[] {
  let nextPiece = 0;
  return sets.map((set) => {
    if (set.users <= set.receiptsPerReport) {
      throw new Error(`set ${set.key}: ${set.receiptsPerReport} receipts per report need more than ${set.users} users`);
    }
    const first = Math.ceil(nextPiece / set.receiptsPerReport);
    nextPiece = (first + set.count) * set.receiptsPerReport;
    return { ...set, first };
  });
}

/** The piece indices set `set` signs, as a half-open range. */
export function pieceRange(set: PlacedReportSet): [number, number] {
  return [set.first * set.receiptsPerReport, (set.first + set.count) * set.receiptsPerReport];
}
