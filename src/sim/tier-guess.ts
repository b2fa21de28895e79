import type { Tier } from '../core/tier.ts';
import { TIERS } from '../core/tier.ts';
import { matchIntent } from '../datasets/knowledge-base.ts';

// For queries with no labelled tier: escalations, disputes and legal requests are complex, "not
// working" is medium, long messages are rarely simple. Crude on purpose: it only picks which of
// the sim's quality profiles answers, so a replayed log without labels still looks plausible.

function phrases(list: readonly string[]): RegExp {
  return new RegExp(`\\b(${list.join('|')})\\b`, 'i');
}

const COMPLEX_SIGNALS = phrases([
  'chargeback', 'dispute', 'lawyer', 'legal action', 'attorney', 'court', 'sue', 'gdpr', 'ccpa', 'privacy', 'right to be forgotten',
  'delete (all )?(my|everything)', 'erase', 'hacked', 'fraud', 'unauthori[sz]ed', 'compromised', 'never placed', 'manager', 'supervisor',
  'complaint', 'escalate', 'unacceptable', 'terrible', 'appalling', 'charged twice', 'double charged', 'two charges', 'billed twice',
  'overheated', 'caught fire', 'smok(e|ing)', 'electric shock', 'sparks', 'injur\\w*', 'burn(ed|t|ing)?', 'stitches', 'urgent care',
  'damaged', 'in pieces', 'shattered', 'smashed', 'cracked', 'scratch', 'dent', 'exception', 'past 30 days', '\\d+ months ago',
  'last year', 'bad review', 'my (wife|husband|ex|partner|mother|neighbou?r|roommate)', 'someone else', 'their (account|email)',
]);

const MEDIUM_SIGNALS = phrases([
  'not working', 'isn\'?t working', 'doesn\'?t work', 'won\'?t', 'can\'?t', 'cannot', 'error', 'declined', 'stuck', 'missing', 'lost',
  'stolen', 'wrong (item|size|colou?r|product|house|address|one)', 'not what i ordered', 'locked', 'blocked', 'blinking', 'flashing',
  'connect', 'offline', 'pair(ing)?', 'crash(es|ed)?', 'broken', 'keeps', 'kicks me out', 'logs me out', 'blank screen', 'troubleshoot',
  'firmware', 'descale', 'fails?', 'failed', 'pending charge', 'never (came|received|arrived)', 'nobody', 'reschedule', 'empty', 'beeps?',
  'lumen', 'sweep', 'brew', 'promo', 'coupon', 'confirmation',
]);

function harder(a: Tier, b: Tier): Tier {
  return TIERS.indexOf(a) >= TIERS.indexOf(b) ? a : b;
}

export function guessTier(query: string): Tier {
  let tier: Tier = 'simple';
  if (MEDIUM_SIGNALS.test(query)) tier = 'medium';
  if (COMPLEX_SIGNALS.test(query)) tier = 'complex';
  if (query.length > 400) tier = harder(tier, 'complex');
  else if (query.length > 180) tier = harder(tier, 'medium');
  const match = matchIntent(query);
  if (match && match.strength >= 4) tier = harder(tier, match.intent.tier);
  return tier;
}
