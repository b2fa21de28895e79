import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEndpointClient } from '../endpoints/endpoint-client.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import { startSim, type SimServer } from '../sim/server.ts';
import { lengthBiasStudy, readBitextPairs } from './length-bias-study.ts';
import { llmJudge } from './llm-judge.ts';
import { pairwiseJudge } from './pairwise-judge.ts';
import { loadRubric } from './rubric.ts';

const BITEXT = resolve(import.meta.dirname, '../../../shared/data/bitext');
const haveBitext = existsSync(resolve(BITEXT, 'responses-detailed.csv')) && existsSync(resolve(BITEXT, 'responses-terse.csv'));
if (!haveBitext) console.warn(`skipping the Bitext length-bias study: no data at ${BITEXT} (CI has it)`);

let sim: SimServer;
let client: EndpointClient;
beforeAll(async () => {
  sim = await startSim({ timeScale: 0 });
  client = createEndpointClient({
    name: 'judge',
    baseUrl: sim.url,
    model: 'gpt-4',
    apiKey: undefined,
    timeoutMs: 30_000,
    retries: 0,
    maxConcurrency: 16,
    pricing: { kind: 'per_token', inputPerMillion: 30, outputPerMillion: 60 },
    stream: false,
  });
});
afterAll(async () => {
  client.close?.();
  await sim.close();
});

const judges = () => ({
  judge: llmJudge({ rubric: loadRubric('judges/support-single.yaml'), client }),
  pairwise: pairwiseJudge({ rubric: loadRubric('judges/support-pairwise.yaml'), client }),
});

describe('length-bias study', () => {
  it('scores both answers of each pair and reports means, paired differences and correlations', async () => {
    const study = await lengthBiasStudy(
      [
        { query: 'how do I reset my password?', long: 'To reset your password, open the login page, click "Forgot password", enter the email on your account and follow the link we send you; the link works for 24 hours.', short: 'Use "Forgot password".' },
        { query: 'can I change my delivery address?', long: 'Yes: while the order has not shipped you can change the delivery address under My Account > Orders > Change address, and we confirm by email.', short: 'Yes, in My Account.' },
        { query: 'where is my refund?', long: 'Refunds go back to the original payment method within 5 to 7 business days after we receive the return; you get an email when it is issued.', short: 'Refunds take about a week.' },
      ],
      judges(),
    );
    expect(study.pairs).toBe(3);
    expect(study.meanWords.long).toBeGreaterThan(study.meanWords.short);
    expect(study.single).toMatchObject({ paired: 3, unscored: 0 });
    expect(study.single.longHigher + study.single.equal + study.single.shortHigher).toBe(study.single.paired);
    expect(study.single.pooled.n).toBe(6);
    expect(study.pairwise).toMatchObject({ compared: 3, bothOrders: 3 });
  });

  it.skipIf(!haveBitext)('on Bitext (detailed vs terse answers to the same utterances) the sim judge favours the longer answer', async () => {
    const pairs = readBitextPairs(BITEXT, 200);
    expect(pairs).toHaveLength(200);
    expect(new Set(pairs.map((pair) => pair.query)).size).toBe(200);
    const study = await lengthBiasStudy(pairs, judges());
    expect(study.meanWords.long).toBeGreaterThan(2 * study.meanWords.short);
    expect(study.single.paired).toBe(200);
    // The finding the README states (full figures: bench/judge-length-bias.ts): a positive mean
    // difference and correlation, with the terse answer almost never ahead.
    expect(study.single.meanDifference).toBeGreaterThan(0);
    expect(study.single.pooled.spearman).toBeGreaterThan(0);
    expect(study.single.shortHigher).toBeLessThan(study.single.longHigher);
    expect(study.pairwise!.baselineWins).toBeLessThan(study.pairwise!.candidateWins);
  });
});
