// Demo data for a new installation: campaigns across funds and currencies, with approved and pending
// donations made through the same intake and approval paths the API uses, so totals are real; beside them three
// real Games Done Quick events with their real donations (gdq-events.ts), so the dashboard and analytics show real
// figures on first sight.
import type { Database } from '../db/database.ts';
import { createCampaign, type CampaignInput } from '../campaigns/campaigns.ts';
import { receiveDonation } from '../donations/donations.ts';
import { changeStatus } from '../donations/queries.ts';
import { findCampaign } from '../campaigns/queries.ts';
import { formatAmount } from '../money/index.ts';
import type { ChangeFeed } from '../events/changes.ts';
import { seedGdqEvents } from './gdq-events.ts';

const DEMO_CAMPAIGNS: readonly (CampaignInput & { amountsMinor: readonly bigint[] })[] = [
  { slug: 'zakat-fitrah-1448', name: 'Zakat al-Fitr 1448', fund: 'zakat', currency: 'IDR', goal: '500000000.00', status: 'active',
    description: 'Zakat al-Fitr distributed before Eid prayer.', amountsMinor: [4_500_000n, 4_500_000n, 9_000_000n, 13_500_000n, 45_000_000n] },
  { slug: 'ramadan-iftar', name: 'Ramadan iftar meals', fund: 'sadaqah', currency: 'IDR', goal: '250000000.00', status: 'active',
    description: 'Iftar meals for the last ten nights.', amountsMinor: [5_000_000n, 10_000_000n, 25_000_000n, 100_000_000n, 1_500_000_000n] },
  { slug: 'masjid-waqf', name: 'Masjid extension waqf', fund: 'waqf', currency: 'USD', goal: '120000.00', status: 'active',
    description: 'Endowment for the masjid extension.', amountsMinor: [2_500n, 10_000n, 50_000n, 125_050n] },
  { slug: 'winter-appeal', name: 'Winter appeal', fund: 'infaq', currency: 'GBP', goal: '50000.00', status: 'active',
    description: 'Blankets and heating for families this winter.', amountsMinor: [1_000n, 2_000n, 2_000n, 15_000n] },
  { slug: 'kuwait-water-wells', name: 'Water wells', fund: 'general', currency: 'KWD', goal: '20000.000', status: 'active',
    description: 'Wells in drought-hit villages.', amountsMinor: [5_000n, 12_500n, 100_000n] },
  { slug: 'tokyo-relief', name: 'Earthquake relief', fund: 'general', currency: 'JPY', goal: '10000000', status: 'active',
    description: 'Emergency relief.', amountsMinor: [3_000n, 10_000n, 50_000n] },
];

const DONOR_NAMES = ['Aisyah', 'Budi Santoso', 'Fatimah "Tima" Az-Zahra', 'Ömer Faruk', '(Anonymous)', 'Siti <Nur>'];

export interface SeedSummary { campaigns: number; donations: number; approved: number }

export async function seedDemoData(database: Database, feed: ChangeFeed): Promise<SeedSummary> {
  let donations = 0;
  let approved = 0;
  for (const { amountsMinor, ...input } of DEMO_CAMPAIGNS) {
    const existing = await findCampaign(database, input.slug);
    const campaign = existing ?? await createCampaign(database, feed, input);
    const approvedIds: bigint[] = [];
    for (const [index, amountMinor] of amountsMinor.entries()) {
      const name = DONOR_NAMES[index % DONOR_NAMES.length]!;
      const { donation } = await receiveDonation(database, feed, `demo:${campaign.slug}:${index}`, {
        campaign_id: campaign.slug, amount: formatAmount(amountMinor, campaign.currency), currency: campaign.currency,
        donor_name: name, anonymous: name === '(Anonymous)',
        donor_email: index % 3 === 0 ? `donor${index}@example.org` : undefined,
      }, { source: 'manual' });
      donations += 1;
      // The last donation of each campaign is left pending, so the approval queue has something in it.
      if (index < amountsMinor.length - 1 && donation.status === 'pending') approvedIds.push(donation.id);
    }
    const changed = await feed.transaction(database, async (tx, changes) => {
      const ids = await changeStatus(tx, { ids: approvedIds, from: 'pending', to: 'approved', actor: 'seed', reason: 'demo data' });
      if (ids.length > 0) changes.campaign(campaign.id);
      return ids;
    });
    approved += changed.length;
  }
  const events = await seedGdqEvents(database, feed);
  return { campaigns: DEMO_CAMPAIGNS.length + events.campaigns, donations: donations + events.imported + events.pending, approved: approved + events.imported };
}
