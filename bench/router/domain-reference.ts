/**
 * Writes a router folder's `domain_reference` (training-log.json): how sure the router is on its own
 * training queries, the figure `router eval` and the replay report compare a log against.
 * `hybrid-eval router train` writes it itself; this adds it to a folder trained elsewhere, such as
 * the shipped models/router (whose training data is datasets/router-train.jsonl plus the Bitext
 * training side, which models/router/train.py read in place).
 *
 *   npx node bench/router/domain-reference.ts --model models/router --data datasets/router-train.jsonl --bitext ../shared/data/bitext
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readBitext } from '../../src/router/bitext-holdout.ts';
import { domainProfile } from '../../src/router/domain-shift.ts';
import { loadRouter } from '../../src/router/load-router.ts';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'models/router' }, data: { type: 'string', multiple: true, default: [] }, bitext: { type: 'string' } } });
const texts: string[] = [];
const sources: string[] = [];
for (const file of values.data) {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  for (const line of lines) texts.push((JSON.parse(line) as { query: string }).query);
  sources.push(`${file} (${lines.length})`);
}
if (values.bitext !== undefined) {
  const bitext = await readBitext(values.bitext, 'training');
  texts.push(...bitext.map((item) => item.text));
  sources.push(`the Bitext training side (${bitext.length})`);
}
const router = await loadRouter(values.model);
const profile = domainProfile(await router.classifyBatch([...new Set(texts)]));
await router.close();
const logPath = join(values.model, 'training-log.json');
const log = JSON.parse(await readFile(logPath, 'utf8')) as Record<string, unknown>;
log['domain_reference'] = { ...profile, data: `the distinct training queries of ${sources.join(' and ')}` };
await writeFile(logPath, JSON.stringify(log, null, 2) + '\n');
console.log(JSON.stringify(log['domain_reference']));
