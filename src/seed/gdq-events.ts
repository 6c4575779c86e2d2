// Real events for the demo: three Games Done Quick charity marathons from the project's own copy of the data
// (datasets/gdq, CC0), each a campaign with a goal near what it raised, its real donations approved at their real
// times, and its last three donations left pending so the staff queue has real work in it. They go through the
// import pipeline, the path a charity's own bank or platform export takes, so a first start stays in seconds
// (2,181 rows; PGlite writes them in well under a second), and through the content keys (src/imports/keys.ts), so
// seeding twice adds nothing.
import { readFileSync } from 'node:fs';
import type { Database } from '../db/database.ts';
import { createCampaign, type CampaignInput } from '../campaigns/campaigns.ts';
import { findCampaign } from '../campaigns/queries.ts';
import type { ChangeFeed } from '../events/changes.ts';
import { parseMapSpec } from '../imports/mapping.ts';
import { checkImport, runImport, startRun, type ImportRequest } from '../imports/pipeline.ts';
import { IMPORT_BATCH_ROWS_DEFAULT, IMPORT_WRITE_METHOD_DEFAULT, IMPORT_WRITERS_DEFAULT } from '../imports/limits.ts';

const GDQ_DIRECTORY = new URL('../../datasets/gdq/', import.meta.url);
/** Donations at the end of each event's file that stay pending, for the staff queue. */
const PENDING_PER_EVENT = 3;

interface GdqEvent {
  readonly file: string;
  readonly campaign: CampaignInput;
}

/** Goals are round targets near each event's real total (README of datasets/gdq), so progress bars differ. */
const GDQ_EVENTS: readonly GdqEvent[] = [
  { file: 'cgdq_donations.csv', campaign: { slug: 'gdq-classic-2009', name: 'Classic Games Done Quick (2009–2010)', fund: 'general', currency: 'USD',
    goal: '10000.00', status: 'active', description: 'Real donations from the Classic Games Done Quick marathon, 31 Dec 2009 to 5 Jan 2010 (464 gifts, $10,531.64).' } },
  { file: 'jrdq_donations.csv', campaign: { slug: 'gdq-japan-relief-2011', name: 'Japan Relief Done Quick (2011)', fund: 'general', currency: 'USD',
    goal: '25000.00', status: 'active', description: 'Real donations from the April 2011 marathon for earthquake and tsunami relief in Japan (1,192 gifts, $25,800.33).' } },
  { file: 'spook_donations.csv', campaign: { slug: 'gdq-spook-2012', name: 'Games Done Quick Spook (2012)', fund: 'general', currency: 'USD',
    goal: '10000.00', status: 'active', description: 'Real donations from the Halloween 2012 marathon, 26 October to 9 November (525 gifts, $9,732.99).' } },
];

export interface EventsSummary { campaigns: number; imported: number; pending: number }

function request(slug: string, status: ImportRequest['status'], sourceName: string): ImportRequest {
  return {
    campaign: slug, currency: 'USD', map: parseMapSpec('donor_name=donator,donated_at=date'), status, keyColumn: undefined,
    format: 'csv', batchRows: IMPORT_BATCH_ROWS_DEFAULT, actor: 'seed', sourceName, bytesTotal: null,
    writeMethod: IMPORT_WRITE_METHOD_DEFAULT, writers: IMPORT_WRITERS_DEFAULT, options: { demo: true },
  };
}

async function importText(database: Database, feed: ChangeFeed, text: string, importRequest: ImportRequest): Promise<number> {
  const checked = await checkImport(database, importRequest);
  const summary = await runImport(database, [Buffer.from(text)], checked, await startRun(database, checked), { feed });
  return summary.imported;
}

/** Creates the GDQ event campaigns (once) and imports their donations (a second run finds them all there). */
export async function seedGdqEvents(database: Database, feed: ChangeFeed): Promise<EventsSummary> {
  let imported = 0;
  let pending = 0;
  for (const event of GDQ_EVENTS) {
    if (!(await findCampaign(database, event.campaign.slug))) await createCampaign(database, feed, event.campaign);
    const [header, ...rows] = readFileSync(new URL(event.file, GDQ_DIRECTORY), 'utf8').trimEnd().split('\n');
    const cut = rows.length - PENDING_PER_EVENT;
    imported += await importText(database, feed, [header, ...rows.slice(0, cut)].join('\n'), request(event.campaign.slug, 'approved', event.file));
    pending += await importText(database, feed, [header, ...rows.slice(cut)].join('\n'), request(event.campaign.slug, 'pending', event.file));
  }
  return { campaigns: GDQ_EVENTS.length, imported, pending };
}
