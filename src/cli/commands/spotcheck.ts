import type { Command } from 'commander';
import { agreementJson, DEFAULT_MIN_ITEMS, formatAgreement, recordAgreement } from '../../spotcheck/agreement.ts';
import { resolveRunId } from '../../spotcheck/run-id.ts';
import { formatSample, sampleRun } from '../../spotcheck/sample.ts';
import { startSpotcheckServer } from '../../spotcheck/server.ts';
import { exportSample, importRatings } from '../../spotcheck/transfer.ts';
import { openSpotcheckTables } from '../../store/spotcheck-tables.ts';
import { openStore } from '../../store/store.ts';
import { databasePath } from '../database-path.ts';
import { action, integer, positiveInt } from '../run-action.ts';

interface DatabaseFlags {
  db?: string;
  config?: string;
}

function withDatabase(command: Command): Command {
  return command.option('--db <path>', 'database file').option('-c, --config <file>', 'config whose database to use');
}

export function registerSpotcheck(program: Command): void {
  const spotcheck = program
    .command('spotcheck')
    .description('human spot-checks of the judge: sample, rate on a local page or in a CSV, measure agreement');

  withDatabase(
    spotcheck
      .command('sample')
      .description('draw a stratified sample (tier x judge score band, over-sampling low scores and judge disagreements)')
      .requiredOption('--run <id>', "run id, or 'latest'")
      .requiredOption('--n <n>', 'items to sample', positiveInt('--n'))
      .option('--seed <s>', 'seed: the same seed and size give the same sample', integer('--seed'), 1),
  ).action(
    action(async (flags: DatabaseFlags & { run: string; n: number; seed: number }) => {
      const tables = await openSpotcheckTables(databasePath(flags));
      try {
        const result = await sampleRun(tables, await resolveRunId(tables.store, flags.run), { n: flags.n, seed: flags.seed });
        process.stdout.write(formatSample(result));
      } finally {
        await tables.close();
      }
    }),
  );

  withDatabase(
    spotcheck
      .command('serve')
      .description('serve the blind rating page on 127.0.0.1 with an access token; Ctrl-C stops it')
      .requiredOption('--run <id>', "run id, or 'latest'")
      .option('--port <port>', 'port (0 = a free one)', integer('--port'), 0),
  ).action(
    action(async (flags: DatabaseFlags & { run: string; port: number }) => {
      const path = databasePath(flags);
      const store = await openStore(path, { mustExist: true });
      let runId: string;
      try {
        runId = await resolveRunId(store, flags.run);
      } finally {
        await store.close();
      }
      const server = await startSpotcheckServer({ databasePath: path, runId, port: flags.port });
      process.stdout.write(`spot-check page for run ${runId}: ${server.url}\nopen it in a browser on this machine; the token is the key, share it only with raters. Ctrl-C stops.\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    }),
  );

  withDatabase(
    spotcheck
      .command('export')
      .description('write the sample as a blind CSV (redacted query, answer_1, answer_2) for raters who work in a spreadsheet')
      .requiredOption('--run <id>', "run id, or 'latest'")
      .requiredOption('--out <file>', 'CSV file to write'),
  ).action(
    action(async (flags: DatabaseFlags & { run: string; out: string }) => {
      const store = await openStore(databasePath(flags), { mustExist: true, readOnly: true });
      try {
        const result = await exportSample(store, await resolveRunId(store, flags.run), flags.out);
        process.stdout.write(`wrote ${result.items} items to ${result.file}; fill in rater, score_1, score_2 (1-5) and preference (1, 2 or tie), then: hybrid-eval spotcheck import ${result.file}\n`);
      } finally {
        await store.close();
      }
    }),
  );

  withDatabase(
    spotcheck
      .command('import')
      .description('import ratings from a CSV (long: run_id, query_id, rater, role, score[, preference]; or a filled-in export); all rows or none')
      .argument('<file>', 'CSV file')
      .option('--run <id>', 'the run the ratings belong to (then run_id may be left out)')
      .option('--rater <name>', 'rater for rows that name none'),
  ).action(
    action(async (file: string, flags: DatabaseFlags & { run?: string; rater?: string }) => {
      const tables = await openSpotcheckTables(databasePath(flags));
      try {
        const runId = flags.run === undefined ? undefined : await resolveRunId(tables.store, flags.run);
        const result = await importRatings(tables, file, { ...(runId === undefined ? {} : { runId }), ...(flags.rater === undefined ? {} : { rater: flags.rater }) });
        process.stdout.write(
          `imported ${result.imported} ratings from ${result.file} (${result.format} layout): ${result.inserted} new, ${result.updated} replaced` +
            (result.skipped > 0 ? `, ${result.skipped} blank rows skipped` : '') +
            '\n',
        );
      } finally {
        await tables.close();
      }
    }),
  );

  withDatabase(
    spotcheck
      .command('agreement')
      .description("judge-human agreement (quadratic-weighted kappa, Spearman) and inter-rater agreement (Cohen's / Fleiss' kappa); stored in spotcheck_agreement")
      .requiredOption('--run <id>', "run id, or 'latest'")
      .option('--min-items <n>', 'fewest observations a figure may rest on', positiveInt('--min-items'), DEFAULT_MIN_ITEMS)
      .option('--json', 'one JSON object', false),
  ).action(
    action(async (flags: DatabaseFlags & { run: string; minItems: number; json: boolean }) => {
      const tables = await openSpotcheckTables(databasePath(flags));
      try {
        const report = await recordAgreement(tables, await resolveRunId(tables.store, flags.run), { minItems: flags.minItems });
        process.stdout.write(flags.json ? `${JSON.stringify(agreementJson(report))}\n` : formatAgreement(report));
      } finally {
        await tables.close();
      }
    }),
  );
}
