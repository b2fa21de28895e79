/**
 * A labelled "retail bank" support log the shipped router never saw, built from the real Bitext
 * utterances in ../shared/data/bitext (read in place, never copied into the repository).
 *
 * The shipped router was trained on Bitext's retail utterances with the retail tier mapping of
 * tiers.csv. No other vertical is in ../shared/data, so this set changes what a new team changes:
 *
 * 1. the words: a fixed, case-keeping rewrite of retail terms into banking ones (order -> transfer,
 *    invoice -> statement, refund -> chargeback, shipping address -> mailing address, ...);
 * 2. the labelling policy: a bank's tiers (BANK_TIERS below, with the reason for each). Eight of
 *    the 27 intents get another tier than the retail mapping: moving or recalling money, disputes,
 *    closing an account and changing the address on file are complex at a bank; opening an
 *    account (KYC), password recovery and making a transfer are not self-service FAQ.
 *
 * So the shift is mostly in the labels (policy), partly in the vocabulary; the sentences are real
 * customer phrasings. The split follows the shipped router's own Bitext hold-out rule
 * (isBitextHeldOut): the held-out side is text the shipped router never trained on, the training
 * side is what a team would label.
 *
 *   npx node bench/router/bank-domain.ts --out DIR      # writes DIR/bank-train.csv and DIR/bank-held-out.csv
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Tier } from '../../src/core/tier.ts';
import { isBitextHeldOut } from '../../src/router/bitext-holdout.ts';

/** intent -> [bank tier, why]. Differences from the retail tiers.csv are marked "(retail: ...)". */
export const BANK_TIERS: Record<string, [Tier, string]> = {
  check_cancellation_fee: ['simple', 'fee schedule look-up'],
  contact_customer_service: ['simple', 'contact details'],
  contact_human_agent: ['simple', 'hand-off request'],
  delivery_options: ['simple', 'card delivery options, policy look-up'],
  delivery_period: ['simple', 'card delivery times, policy look-up'],
  check_payment_methods: ['simple', 'policy look-up'],
  check_refund_policy: ['simple', 'chargeback policy look-up'],
  newsletter_subscription: ['simple', 'self-service steps'],
  review: ['simple', 'feedback form pointer'],
  create_account: ['medium', 'opening an account needs identity checks (retail: simple)'],
  recover_password: ['medium', 'account security, one customer (retail: simple)'],
  place_order: ['medium', 'making a transfer for one account (retail: simple)'],
  track_order: ['medium', 'one transfer look-up'],
  track_refund: ['medium', 'one chargeback look-up'],
  edit_account: ['medium', 'account-specific action'],
  switch_account: ['medium', 'account-specific action'],
  set_up_shipping_address: ['medium', 'account-specific action'],
  check_invoice: ['medium', 'statement look-up'],
  get_invoice: ['medium', 'statement look-up'],
  registration_problems: ['medium', 'troubleshooting'],
  cancel_order: ['complex', 'recalling money in flight (retail: medium)'],
  change_order: ['complex', 'amending a payment in flight (retail: medium)'],
  get_refund: ['complex', 'a chargeback is a dispute (retail: medium)'],
  delete_account: ['complex', 'closing an account: regulatory, balances, legal (retail: medium)'],
  change_shipping_address: ['complex', 'address change on file: a classic fraud step (retail: medium)'],
  complaint: ['complex', 'dissatisfied customer; tone and judgement matter'],
  payment_issue: ['complex', 'money at stake'],
};

/** Retail word -> banking word, applied to whole words, longest phrases first, case kept. */
const REWRITE: [string, string][] = [
  ['shipping addresses', 'mailing addresses'],
  ['shipping address', 'mailing address'],
  ['delivery address', 'mailing address'],
  ['cancellation fees', 'early closure fees'],
  ['cancellation fee', 'early closure fee'],
  ['early termination', 'early closure'],
  ['purchases', 'transactions'],
  ['purchase', 'transaction'],
  ['orders', 'transfers'],
  ['order', 'transfer'],
  ['invoices', 'statements'],
  ['invoice', 'statement'],
  ['bills', 'statements'],
  ['bill', 'statement'],
  ['refunds', 'chargebacks'],
  ['refund', 'chargeback'],
  ['reimbursement', 'chargeback'],
  ['deliveries', 'card deliveries'],
  ['delivery', 'card delivery'],
  ['shipping', 'mailing'],
  ['shipments', 'card mailings'],
  ['shipment', 'card mailing'],
  ['products', 'services'],
  ['product', 'service'],
  ['items', 'payments'],
  ['item', 'payment'],
  ['newsletter', 'rates bulletin'],
  ['shop', 'bank'],
  ['store', 'branch'],
];
const PATTERN = new RegExp(`\\b(${REWRITE.map(([from]) => from).join('|')})\\b`, 'gi');
const REPLACEMENT = new Map(REWRITE);

export function toBanking(text: string): string {
  return text.replace(PATTERN, (match) => {
    const replacement = REPLACEMENT.get(match.toLowerCase())!;
    if (match === match.toUpperCase() && match.length > 1) return replacement.toUpperCase();
    return match[0] === match[0]!.toUpperCase() ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement;
  });
}

export interface BankRow {
  query_id: string;
  query: string;
  tier: Tier;
  intent: string;
}

/** Distinct Bitext utterances (both response files), rewritten and labelled by the bank policy. */
export async function readBankDomain(bitextDir: string): Promise<{ training: BankRow[]; heldOut: BankRow[] }> {
  const byText = new Map<string, string>();
  for (const name of ['responses-detailed.csv', 'responses-terse.csv']) {
    const rows = parse(await readFile(join(bitextDir, name)), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    for (const row of rows) byText.set(row['instruction']!, row['intent']!);
  }
  const training: BankRow[] = [];
  const heldOut: BankRow[] = [];
  const texts = [...byText.keys()].sort();
  texts.forEach((text, index) => {
    const intent = byText.get(text)!;
    const tier = BANK_TIERS[intent];
    if (tier === undefined) throw new Error(`${bitextDir}: intent ${intent} has no bank tier`);
    const row = { query_id: `bank-${index + 1}`, query: toBanking(text), tier: tier[0], intent };
    // The shipped router's hold-out rule, on the original text: held-out utterances were never trained on.
    (isBitextHeldOut(text) ? heldOut : training).push(row);
  });
  return { training, heldOut };
}

export async function writeBankDomain(bitextDir: string, outDir: string): Promise<{ train: string; heldOut: string; training: number; held: number }> {
  const { training, heldOut } = await readBankDomain(bitextDir);
  await mkdir(outDir, { recursive: true });
  const columns = ['query_id', 'query', 'tier', 'intent'];
  const train = join(outDir, 'bank-train.csv');
  const held = join(outDir, 'bank-held-out.csv');
  await writeFile(train, stringify(training, { header: true, columns }));
  await writeFile(held, stringify(heldOut, { header: true, columns }));
  return { train, heldOut: held, training: training.length, held: heldOut.length };
}

if (import.meta.main) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { out: { type: 'string' }, bitext: { type: 'string', default: '../shared/data/bitext' } } });
  if (values.out === undefined) throw new Error('--out DIR is required');
  const result = await writeBankDomain(values.bitext, values.out);
  console.log(`wrote ${result.training} training rows to ${result.train} and ${result.held} held-out rows to ${result.heldOut}`);
}
