import type { Command } from 'commander';
import { judgeStoredRun, type JudgeRunSummary } from '../../judge/judge-run.ts';
import { formatCorrelation, type LengthBias } from '../../judge/length-bias.ts';
import { databasePath } from '../database-path.ts';
import { action, nonNegativeNumber, positiveInt } from '../run-action.ts';
import { shutdownSignal } from '../signals.ts';

export function registerJudge(program: Command): void {
  program
    .command('judge')
    .description('re-judge a stored run without replaying traffic: single answers (1-5) or --pairwise (served vs baseline, both orders); live or --batch (OpenAI Batch API)')
    .requiredOption('--run <id>', 'run id ("latest" for the newest run)')
    .option('--judge <endpoint>', "endpoint that judges (default: the config's judge.endpoint)")
    .option('--rubric <file>', 'rubric file (default: judge.rubric, or judge.pairwise_rubric / judges/support-pairwise.yaml with --pairwise)')
    .option('--pairwise', 'compare the served answer with the baseline, in both orders', false)
    .option('--batch', 'send the requests through the OpenAI Batch API; rerun the same command to resume an interrupted batch', false)
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', "config whose database, judge and endpoints to use (default: the run's stored config)")
    .option('--sim', 'start the simulator in-process and judge with it', false)
    .option('--sim-time-scale <x>', 'simulated latency multiplier (default 0)', nonNegativeNumber('--sim-time-scale'))
    .option('--no-cache', 'ask the judge again even where the judge cache has the verdict')
    .option('--poll-interval <ms>', 'first wait between batch polls (grows 1.5x, at most 60 s)', positiveInt('--poll-interval'), 5000)
    .option('--json', 'print the summary as JSON', false)
    .action(
      action(async (flags: JudgeFlags) => {
        const shutdown = shutdownSignal(process.stderr);
        try {
          const summary = await judgeStoredRun({
            runId: flags.run,
            db: databasePath(flags),
            ...(flags.config === undefined ? {} : { config: flags.config }),
            ...(flags.judge === undefined ? {} : { judge: flags.judge }),
            ...(flags.rubric === undefined ? {} : { rubric: flags.rubric }),
            pairwise: flags.pairwise,
            batch: flags.batch,
            sim: flags.sim,
            ...(flags.simTimeScale === undefined ? {} : { simTimeScale: flags.simTimeScale }),
            noCache: !flags.cache,
            pollIntervalMs: flags.pollInterval,
            pollMaxMs: Math.max(60_000, flags.pollInterval),
            signal: shutdown.signal,
            log: (line) => process.stderr.write(`${line}\n`),
          });
          process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
          return summary.batch?.pending || summary.interrupted > 0 ? 130 : 0;
        } finally {
          shutdown.dispose();
        }
      }),
    );
}

interface JudgeFlags {
  run: string;
  judge?: string;
  rubric?: string;
  pairwise: boolean;
  batch: boolean;
  db?: string;
  config?: string;
  sim: boolean;
  simTimeScale?: number;
  cache: boolean;
  pollInterval: number;
  json: boolean;
}

function bias(value: LengthBias): string {
  return `Pearson ${formatCorrelation(value.pearson)}, Spearman ${formatCorrelation(value.spearman)} (n=${value.n})`;
}

export function formatSummary(summary: JudgeRunSummary): string {
  const lines: string[] = [];
  const what = summary.kind === 'single' ? 'answers' : 'comparisons';
  const judge = summary.judge;
  lines.push(
    `run ${summary.runId}: ${summary.items} ${what} judged by ${judge.name} (rubric ${judge.rubric} v${judge.rubricVersion}, model ${judge.model}, prompt ${judge.promptHash}, ${summary.mode})`,
  );
  lines.push(
    `  ${summary.scored} scored, ${summary.unscored} unscored, ${summary.errors} judge errors` +
      `${summary.interrupted > 0 ? `, ${summary.interrupted} interrupted (not stored)` : ''}; ${summary.cacheHits} from the judge cache, ${summary.requests} judge requests sent`,
  );
  if (summary.batch?.batchId !== undefined) {
    lines.push(
      summary.batch.pending
        ? `  batch ${summary.batch.batchId} is still ${summary.batch.status}: run the same command again to collect it (nothing was submitted twice)`
        : `  batch ${summary.batch.batchId}${summary.batch.resumed ? ' (resumed)' : ''}: ${summary.batch.status}`,
    );
  }
  if (summary.kind === 'single') {
    lines.push(`  length bias, score vs answer length in words: ${bias(summary.lengthBias)}`);
    for (const [role, value] of Object.entries(summary.lengthBiasByRole ?? {})) lines.push(`    ${role}: ${bias(value)}`);
  } else if (summary.pairwise !== undefined) {
    const stats = summary.pairwise;
    const consistency = stats.positionConsistency === undefined ? 'n/a' : `${(100 * stats.positionConsistency).toFixed(1)}%`;
    lines.push(`  candidate wins ${stats.candidateWins}, baseline wins ${stats.baselineWins}, ties ${stats.ties} (a disagreement between the two orders is a tie)`);
    lines.push(`  position consistency: ${consistency} of ${stats.bothOrders} comparisons judged in both orders`);
    lines.push(`  length bias, candidate points vs length difference in words: ${bias(summary.lengthBias)}`);
  }
  lines.push(`database: ${summary.database}`);
  return `${lines.join('\n')}\n`;
}
