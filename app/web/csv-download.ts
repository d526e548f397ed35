// A CSV download of cards in the export's format (app/services/card-export.ts):
// the list's export and the bulk form's "export selected" stream through it.
import type { Response } from 'express';
import type { Database } from '#app/db/connection';
import { CSV_BOM, csvLine, exportHeader, exportRefs, exportRow } from '#app/services/card-export';
import type { Card } from '#app/services/cards';
import type { CardType } from '#app/services/card-types';

/** Streams `rows` (batches of whole cards) as the type's CSV file, honouring back-pressure. */
export async function streamCsv(res: Response, db: Database, type: CardType, timeZone: string, rows: AsyncIterable<Card[]>): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${type.name}-${new Date().toISOString().slice(0, 10)}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  res.write(CSV_BOM + csvLine(exportHeader(type)));
  // A closed download ends the loop (and so the cursor's transaction):
  // 'drain' never comes on a closed connection.
  const closed = new Promise<'closed'>((resolve) => res.once('close', () => resolve('closed')));
  for await (const batch of rows) {
    if (res.destroyed) break;
    const refs = await exportRefs(db, type, batch);
    let chunk = '';
    for (const card of batch) chunk += csvLine(exportRow(type, card, refs, timeZone));
    if (!res.write(chunk) && (await Promise.race([new Promise((r) => res.once('drain', () => r('drained'))), closed])) === 'closed') break;
  }
  if (!res.destroyed) res.end();
}
