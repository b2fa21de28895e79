import { Option, type Command } from 'commander';
import { ANSWER_SOURCES } from '../../core/query.ts';
import { LOG_FORMATS } from '../../ingest/log-reader.ts';
import { TURN_MODES } from '../../ingest/turns-reader.ts';
import { runReplayCommand } from '../../replay/run-replay.ts';
import { action, collect, faultSpecOption, nonNegativeNumber, positiveInt, runIdOption } from '../run-action.ts';
import { shutdownSignal } from '../signals.ts';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('replay logged queries through the router, candidate and baseline endpoints; judge; store')
    .requiredOption('-c, --config <file>', 'config YAML')
    .option('--dataset <file>', 'log to replay (overrides dataset.path)')
    .option('--field <field=column>', 'field mapping, repeatable (e.g. query=instruction, label=metadata.tier)', collect, [])
    .addOption(new Option('--format <format>', 'log format (overrides dataset.format; default: detected from the content)').choices(LOG_FORMATS))
    .option('--batch-output <file>', 'openai-batch: the Batch API output file to join to the input by custom_id (overrides dataset.batch_output)')
    .addOption(new Option('--turns <which>', 'turn tables: replay the last assistant turn of each conversation or every one (overrides dataset.turns)').choices(TURN_MODES))
    .addOption(
      new Option(
        '--answer-source <who>',
        "who wrote the logged answers (overrides dataset.answer_source; default baseline): baseline = the production model's answer, stored as the baseline and not re-called; human = a human agent's reply, stored as role human while the baseline is called live",
      ).choices(ANSWER_SOURCES),
    )
    .option('--run-id <id>', "run id (default: generated); 1-64 of A-Z a-z 0-9 . _ -, not starting with '.' or '-'", runIdOption('--run-id'))
    .option('--limit <n>', 'replay only the first N queries', positiveInt('--limit'))
    .option('--shard <k/n>', 'replay only shard K of N (stable hash of the query id); each shard writes its own --db, then `merge`')
    .option('--snapshot <path>', 'keep a consistent copy of the database here for analysts while the replay writes')
    .option('--snapshot-every <n>', 'rewrite the snapshot every N committed batches', positiveInt('--snapshot-every'), 10)
    .option('--resume', 'continue a run (the latest, or --run-id) where it stopped', false)
    .option('--force-resume', 'resume even though the config now defines a different run (dataset, policy, router, endpoints, judge, rubric, privacy); recorded on the run', false)
    .option('--db <path>', 'database file (overrides database)')
    .option('--sim', 'start the simulator in-process and point every endpoint at it', false)
    .option('--sim-time-scale <x>', 'simulated latency multiplier (0 = instant)', nonNegativeNumber('--sim-time-scale'))
    .option('--sim-faults <spec>', 'simulated faults (with --sim), e.g. 500=0.05,429=0.03,timeout=0.02,cut=0.01', faultSpecOption('--sim-faults'))
    .option('--strip-history', 'experiment: send multi-turn requests with only their system and last user message (the judge still sees the whole conversation), to measure what the history is worth', false)
    .action(
      action(async (options: ReplayFlags) => {
        const shutdown = shutdownSignal(process.stderr);
        try {
          const result = await runReplayCommand({ ...options, fields: options.field, progressOutput: process.stderr, signal: shutdown.signal });
          process.stdout.write(
            `run ${result.runId}: ${result.status}; ${result.processed} queries replayed` +
              `${result.skipped > 0 ? `, ${result.skipped} already stored (resumed)` : ''}, ${result.rejects} rejected lines, ` +
              `${result.failedCalls} failed calls, ${result.fallbacks} fallbacks in ${(result.elapsedMs / 1000).toFixed(1)} s\n` +
              `database: ${result.database}\n`,
          );
          const pairwise = result.pairwise?.pairwise;
          if (pairwise !== undefined) {
            process.stdout.write(
              `pairwise (${result.pairwise!.items} comparisons): candidate wins ${pairwise.candidateWins}, baseline wins ${pairwise.baselineWins}, ties ${pairwise.ties}\n`,
            );
          }
          return result.status === 'complete' ? 0 : shutdown.exitCode();
        } finally {
          shutdown.dispose();
        }
      }),
    );
}

interface ReplayFlags {
  config: string;
  dataset?: string;
  field: string[];
  format?: (typeof LOG_FORMATS)[number];
  batchOutput?: string;
  turns?: (typeof TURN_MODES)[number];
  answerSource?: (typeof ANSWER_SOURCES)[number];
  runId?: string;
  limit?: number;
  shard?: string;
  snapshot?: string;
  snapshotEvery: number;
  resume: boolean;
  forceResume: boolean;
  db?: string;
  sim: boolean;
  simTimeScale?: number;
  simFaults?: string;
  stripHistory: boolean;
}
