import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { UsageError } from '../../core/errors.ts';
import { DEFAULT_TARGET, formatLabelAgreement, labelAgreement } from '../../label/agreement.ts';
import { formatSample, SAMPLE_STRATEGIES, sampleForLabelling, type SampleStrategy } from '../../label/sample.ts';
import { DEFAULT_BATCH, DEFAULT_OVERLAP, startLabelServer } from '../../label/server.ts';
import { exportLabels, importLabels, writeDisagreements } from '../../label/transfer.ts';
import { openLabelTables } from '../../store/label-tables.ts';
import { redactOptionsFromConfig } from '../../privacy/index.ts';
import { openStore } from '../../store/store.ts';
import { databasePath } from '../database-path.ts';
import { action, collect, integer, nonNegativeNumber, positiveInt } from '../run-action.ts';

interface DatabaseFlags {
  db?: string;
  config?: string;
}

function withDatabase(command: Command): Command {
  return command.option('--db <path>', 'database file').option('-c, --config <file>', 'config whose database to use');
}

function strategy(value: string): SampleStrategy {
  if (!(SAMPLE_STRATEGIES as readonly string[]).includes(value)) throw new UsageError(`--strategy must be one of ${SAMPLE_STRATEGIES.join(', ')}, got "${value}"`);
  return value as SampleStrategy;
}

function split(value: string): 'test' | 'train' {
  if (value !== 'test' && value !== 'train') throw new UsageError(`--split must be test or train, got "${value}"`);
  return value;
}

export function registerLabel(program: Command): void {
  const label = program.command('label').description('Phase 1: choose queries to label, label them on a local page or in a CSV, measure rater agreement');

  withDatabase(
    label
      .command('sample')
      .description('set a random test slice aside (first time), then pick the queries the current router is least sure of, near-duplicates collapsed')
      .requiredOption('--data <file>', 'log to sample from (any format replay reads)')
      .option('--field <field=column>', 'field mapping, repeatable', collect, [])
      .option('--n <n>', 'queries to label this round', positiveInt('--n'), 500)
      .option('--round <n>', 'round number (default: the next one)', positiveInt('--round'))
      .option('--test-n <n>', 'size of the random test slice, drawn once before the first round', integer('--test-n'), 200)
      .option('--model <dir>', 'the current router (uncertainty comes from it)', 'models/router')
      .option('--strategy <s>', `margin, entropy or random`, strategy, 'margin' as SampleStrategy)
      .option('--seed <s>', 'seed', integer('--seed'), 1)
      .option('--json', 'one JSON object', false),
  ).action(
    action(async (flags: DatabaseFlags & { data: string; field: string[]; n: number; round?: number; testN: number; model: string; strategy: SampleStrategy; seed: number; json: boolean }) => {
      const tables = await openLabelTables(databasePath(flags));
      try {
        const result = await sampleForLabelling(tables, {
          data: flags.data,
          fields: flags.field,
          n: flags.n,
          round: flags.round,
          testN: flags.testN,
          model: flags.model,
          strategy: flags.strategy,
          seed: flags.seed,
          ...(flags.config === undefined ? {} : { redactOptions: redactOptionsFromConfig(loadConfig(flags.config).privacy) }),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : formatSample(result));
      } finally {
        await tables.close();
      }
    }),
  );

  withDatabase(
    label
      .command('serve')
      .description('serve the labelling page on 127.0.0.1 with an access token; Ctrl-C stops it')
      .option('--guidelines <file>', 'Markdown guidelines shown beside every query', 'guidelines/labelling.md')
      .option('--overlap <share>', 'share of every batch labelled by two raters', nonNegativeNumber('--overlap'), DEFAULT_OVERLAP)
      .option('--batch <n>', 'items per batch', positiveInt('--batch'), DEFAULT_BATCH)
      .option('--round <n>', 'only this round (the test slice is round 0)', integer('--round'))
      .option('--port <port>', 'port (0 = a free one)', integer('--port'), 0),
  ).action(
    action(async (flags: DatabaseFlags & { guidelines: string; overlap: number; batch: number; round?: number; port: number }) => {
      const server = await startLabelServer({
        databasePath: databasePath(flags),
        guidelines: flags.guidelines,
        overlap: flags.overlap,
        batch: flags.batch,
        port: flags.port,
        ...(flags.round === undefined ? {} : { round: flags.round }),
      });
      process.stdout.write(`labelling page (${server.items} items): ${server.url}\nopen it in a browser on this machine; the token is the key, share it only with raters. Ctrl-C stops.\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    }),
  );

  withDatabase(
    label
      .command('agreement')
      .description("Fleiss' kappa and Krippendorff's alpha over the overlap, per-tier agreement, rater-by-rater confusion, pass/fail, disagreements to adjudicate. Exit 0 pass, 1 fail, 3 too little overlap")
      .option('--round <n>', 'only this round', integer('--round'))
      .option('--target <x>', 'both figures must reach it', nonNegativeNumber('--target'), DEFAULT_TARGET)
      .option('--disagreements <file>', 'write the disagreements as an adjudication sheet (then label import --adjudication)')
      .option('--json', 'one JSON object', false),
  ).action(
    action(async (flags: DatabaseFlags & { round?: number; target: number; disagreements?: string; json: boolean }) => {
      const store = await openStore(databasePath(flags), { mustExist: true, readOnly: true });
      try {
        const report = await labelAgreement(store, { ...(flags.round === undefined ? {} : { round: flags.round }), target: flags.target });
        if (flags.disagreements !== undefined) writeDisagreements(flags.disagreements, report.disagreements);
        process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : formatLabelAgreement(report));
        return report.verdict === 'pass' ? 0 : report.verdict === 'fail' ? 1 : 3;
      } finally {
        await store.close();
      }
    }),
  );

  withDatabase(
    label
      .command('import')
      .description('import labels from a CSV (item_id, rater, label: simple|medium|complex|skip or 1|2|3|s), or adjudications with --adjudication (item_id, label, adjudicator[, reason]); all rows or none')
      .argument('<file>', 'CSV file')
      .option('--rater <name>', 'rater (or adjudicator) for rows that name none')
      .option('--adjudication', 'the rows are adjudicated labels, which win over the raters', false),
  ).action(
    action(async (file: string, flags: DatabaseFlags & { rater?: string; adjudication: boolean }) => {
      const tables = await openLabelTables(databasePath(flags), { mustExist: true });
      try {
        const result = await importLabels(tables, file, { adjudication: flags.adjudication, ...(flags.rater === undefined ? {} : { rater: flags.rater }) });
        process.stdout.write(`imported ${result.imported} ${result.kind} from ${result.file}${result.blank > 0 ? ` (${result.blank} rows without a label skipped)` : ''}\n`);
      } finally {
        await tables.close();
      }
    }),
  );

  withDatabase(
    label
      .command('export')
      .description('write a rater sheet (item_id, query, blank rater and label), or with --labelled the final labels (query_id, query, tier, split) for router train / router eval; redacted text only')
      .requiredOption('--out <file>', 'CSV file to write')
      .option('--labelled', 'final labels (adjudicated, else unanimous) instead of a blank sheet', false)
      .option('--split <split>', 'test or train', split)
      .option('--round <n>', 'only this round', integer('--round')),
  ).action(
    action(async (flags: DatabaseFlags & { out: string; labelled: boolean; split?: 'test' | 'train'; round?: number }) => {
      const store = await openStore(databasePath(flags), { mustExist: true, readOnly: true });
      try {
        const result = await exportLabels(store, {
          out: flags.out,
          labelled: flags.labelled,
          ...(flags.split === undefined ? {} : { split: flags.split }),
          ...(flags.round === undefined ? {} : { round: flags.round }),
        });
        process.stdout.write(
          flags.labelled
            ? `wrote ${result.rows} labelled queries to ${result.file}; train with: hybrid-eval router train --data ${result.file} --out DIR\n`
            : `wrote ${result.rows} items to ${result.file}; fill in rater and label (simple, medium, complex, skip), then: hybrid-eval label import ${result.file}\n`,
        );
      } finally {
        await store.close();
      }
    }),
  );
}
