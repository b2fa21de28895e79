import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { TIERS } from '../../core/tier.ts';
import { parseMix, routerUnderTest, runRouterCalibrate, runRouterCurve, runRouterEval } from '../../replay/router-evaluation.ts';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { openStore } from '../../store/store.ts';
import { databasePath } from '../database-path.ts';
import { runRouterTrain } from '../../label/train-from-log.ts';
import { action, collect, integer, positiveInt } from '../run-action.ts';
import type { RouterContext } from '../../router/router-input.ts';

function routerContextFlag(value: string): RouterContext['context'] {
  if (value !== 'last_user' && value !== 'last_k') throw new UsageError(`--context must be last_user or last_k, got "${value}"`);
  return value;
}

/** What the router reads of a multi-turn request: the flag, else the -c config's (as it routes the replay), else the last user message. */
function routerContextOf(flags: { context?: RouterContext['context']; contextMessages?: number }, config: Config | undefined): RouterContext {
  const configured = config?.routing.router;
  return { context: flags.context ?? configured?.context ?? 'last_user', contextMessages: flags.contextMessages ?? configured?.context_messages ?? 4 };
}

function shareOf(name: string): (value: string) => number {
  return (value) => {
    const share = Number(value);
    if (value.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) throw new UsageError(`${name} must be a share between 0 and 1, got "${value}"`);
    return share;
  };
}

const pct = (value: number | undefined): string => (value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`);

export function registerRouter(program: Command): void {
  const router = program.command('router').description('evaluate and calibrate the BERT router');
  router
    .command('eval')
    .description(
      'accuracy, per-class precision/recall, confusion, misroute cost, calibration error and latency on a labelled log, and the misrouted queries worst first. Stores a row in router_evals only when --db or -c is given',
    )
    .requiredOption('--data <file>', 'labelled log (JSONL, CSV, Parquet, DuckDB)')
    .option('--field <field=column>', 'field mapping, repeatable (query=COL, label=COL)', collect, [])
    .option('-c, --config <file>', "evaluate this config's router (routing.router: model folder and thresholds); store the row in its database")
    .option('--thresholds <simple=P,medium=P>', 'thresholds to evaluate (override the config\'s and the default 0.6 / 0.9)')
    .option('--model <dir>', 'router folder (default: the config\'s, else models/router)')
    .option('--context <what>', "multi-turn requests: last_user (the last user message) or last_k (recent messages that fit max_length); default: -c's routing.router.context, else last_user", routerContextFlag)
    .option('--context-messages <k>', "with --context last_k: at most K recent messages (default: -c's routing.router.context_messages, else 4)", positiveInt('--context-messages'))
    .option('--show <n>', 'misrouted queries to list, worst first (--json lists them all)', positiveInt('--show'), 10)
    .option('--db <path>', 'store the result in router_evals of this database')
    .option('--no-store', 'do not store the result even with --db or -c')
    .option('--json', 'print one JSON object', false)
    .action(
      action(async (flags: { data: string; field: string[]; config?: string; thresholds?: string; model?: string; show: number; context?: RouterContext['context']; contextMessages?: number; db?: string; store: boolean; json: boolean }) => {
        const config = flags.config === undefined ? undefined : loadConfig(flags.config);
        const tested = routerUnderTest(flags, config);
        // One rule: a row is stored only where the user named a database (--db, or -c's database).
        const database = flags.db ?? config?.database;
        const store = flags.store && database !== undefined ? await openStore(database) : undefined;
        try {
          const result = await runRouterEval({ data: flags.data, fields: flags.field, model: tested.model, ...(tested.thresholds === undefined ? {} : { thresholds: tested.thresholds }), context: routerContextOf(flags, config), store });
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(result)}\n`);
            return;
          }
          process.stdout.write(
            `router ${result.router_version} on ${result.data_file}: ${result.n} labelled queries (${result.unlabelled} unlabelled, ${result.rejects} rejected)\n` +
              `thresholds: simple ${result.thresholds.simple}, medium ${result.thresholds.medium}${flags.thresholds !== undefined ? ' (--thresholds)' : flags.config !== undefined ? ` (${flags.config})` : ''}\n` +
              `accuracy ${pct(result.accuracy)} (argmax ${pct(result.accuracy_argmax)}), ECE ${result.ece.toFixed(3)}, misroute cost ${result.misroute_cost.mean.toFixed(3)} per query\n`,
          );
          for (const tier of TIERS) {
            const metrics = result.per_class[tier];
            process.stdout.write(`  ${tier.padEnd(8)} precision ${pct(metrics.precision)}  recall ${pct(metrics.recall)}  support ${metrics.support}\n`);
          }
          process.stdout.write(`confusion (rows: label, columns: routed ${TIERS.join('/')}):\n`);
          for (const tier of TIERS) process.stdout.write(`  ${tier.padEnd(8)} ${TIERS.map((routed) => String(result.confusion[tier][routed]).padStart(6)).join('')}\n`);
          if (result.domain_shift.message !== undefined) process.stdout.write(`${result.domain_shift.message}\n`);
          process.stdout.write(
            `latency per query: p50 ${result.latency_us.p50.toFixed(0)} us, p99 ${result.latency_us.p99.toFixed(0)} us; batched ${result.throughput.us_per_query.toFixed(0)} us/query (${result.throughput.queries_per_second.toFixed(0)} q/s at batch ${result.throughput.batch_size})\n`,
          );
          const shown = result.misrouted.slice(0, flags.show);
          process.stdout.write(`misrouted: ${result.misrouted.length} queries${shown.length < result.misrouted.length ? `, the ${shown.length} worst (--show N for more, --json for all)` : ''}:\n`);
          for (const miss of shown) {
            const text = miss.text.length > 100 ? `${miss.text.slice(0, 97)}...` : miss.text;
            process.stdout.write(`  ${`${miss.label} -> ${miss.routed}`.padEnd(19)} cost ${String(miss.cost).padStart(2)}  P(${miss.routed}) ${miss.probabilities[miss.routed].toFixed(2)}  ${JSON.stringify(text)}\n`);
          }
          process.stdout.write(
            result.stored === null
              ? 'not stored (give --db FILE or -c CONFIG to keep it in router_evals)\n'
              : `stored: router_evals row ${result.stored.eval_id} in ${result.stored.database}\n`,
          );
        } finally {
          await store?.close();
        }
      }),
    );
  router
    .command('train')
    .description('train a router on labelled queries (PyTorch from Debian); writes a model folder router eval, calibrate and replay load')
    .requiredOption('--data <file>', 'labelled log (JSONL, CSV, Parquet, DuckDB): a query and a tier label per record')
    .option('--field <field=column>', 'field mapping, repeatable (query=COL, label=COL)', collect, [])
    .requiredOption('--out <dir>', 'model folder to write (replaced only when training succeeds)')
    .option('--epochs <n>', 'epochs (default: fine-tuning 4 to 12, enough for 300 optimiser steps; from scratch 10)', positiveInt('--epochs'))
    .option('--seed <s>', 'seed: the same labels and seed give the same model', integer('--seed'), 1)
    .option('--base <dir>', 'router folder to fine-tune from', 'models/router')
    .option('--scratch', 'train a new vocabulary and weights instead of fine-tuning --base', false)
    .option('--json', 'print one JSON object', false)
    .action(
      action(async (flags: { data: string; field: string[]; out: string; epochs?: number; seed: number; base: string; scratch: boolean; json: boolean }) => {
        const result = await runRouterTrain({
          data: flags.data,
          fields: flags.field,
          out: flags.out,
          base: flags.base,
          scratch: flags.scratch,
          epochs: flags.epochs,
          seed: flags.seed,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(result)}\n`);
          return;
        }
        const v = result.validation;
        process.stdout.write(
          `router ${result.routerVersion} written to ${result.out} (${result.start === 'fine-tune' ? `fine-tuned from ${result.baseVersion}` : 'from scratch'}, best epoch ${result.bestEpoch} of ${result.epochs}, ${result.seconds.toFixed(0)} s)\n` +
            `${result.trainingExamples} training / ${result.validationExamples} validation queries; validation accuracy ${pct(v.accuracy)}, complex recall ${pct(v.per_class.complex.recall)}, ECE ${v.ece.toFixed(3)}\n` +
            `next: hybrid-eval router eval --model ${result.out} --data HELD_OUT_LABELS; set routing.router.model: ${result.out}\n`,
        );
      }),
    );
  router
    .command('calibrate')
    .description('thresholds that hit a target traffic mix on logged queries (--data), or the cost-quality curve of a judged run (--run)')
    .option('--data <file>', 'logged queries to calibrate the traffic mix on')
    .option('--field <field=column>', 'field mapping, repeatable', collect, [])
    .option('--target <mix>', 'target shares simple,medium,complex', '70,25,5')
    .option('--max-underroute <share>', 'with labels: refuse thresholds that send more than this share of complex-labelled queries to a cheaper tier', shareOf('--max-underroute'), 0.02)
    .option('--run <id>', 'a judged run where every query has candidate (weak) and baseline (strong) scores')
    .option('--db <path>', 'database file (with --run)')
    .option('-c, --config <file>', "config whose router to calibrate (routing.router.model) and, with --run, whose database to use")
    .option('--model <dir>', "router folder (default: the config's routing.router.model, else models/router)")
    .option('--context <what>', "with --data, multi-turn requests: last_user or last_k; default: -c's routing.router.context, else last_user", routerContextFlag)
    .option('--context-messages <k>', "with --context last_k: at most K recent messages (default: -c's routing.router.context_messages, else 4)", positiveInt('--context-messages'))
    .option('--json', 'print one JSON object', false)
    .action(
      action(async (flags: { data?: string; field: string[]; target: string; maxUnderroute: number; run?: string; db?: string; config?: string; model?: string; context?: RouterContext['context']; contextMessages?: number; json: boolean }) => {
        if (flags.data === undefined && flags.run === undefined) {
          throw new UsageError('router calibrate needs --data FILE (traffic mix) or --run ID (cost-quality curve)');
        }
        // The router a config routes by is the one to calibrate for it, as router eval -c does.
        const config = flags.config === undefined ? undefined : loadConfig(flags.config);
        const model = routerUnderTest(flags, config).model;
        if (flags.data !== undefined) {
          const calibration = await runRouterCalibrate({ data: flags.data, fields: flags.field, model, target: parseMix(flags.target), maxUnderroute: flags.maxUnderroute, context: routerContextOf(flags, config) });
          if (flags.json) process.stdout.write(`${JSON.stringify(calibration)}\n`);
          else {
            process.stdout.write(
              `router ${calibration.router_version}: thresholds for ${TIERS.map((tier) => `${tier} ${pct(calibration.target[tier])}`).join(', ')} on ${calibration.n} queries:\n` +
                `  routing.router.thresholds: { simple: ${calibration.thresholds.simple.toFixed(4)}, medium: ${calibration.thresholds.medium.toFixed(4)} }\n` +
                `  achieved mix: ${TIERS.map((tier) => `${tier} ${pct(calibration.achieved[tier])}`).join(', ')}\n`,
            );
            if ('outcome' in calibration) {
              const { outcome } = calibration;
              process.stdout.write(
                `  on ${outcome.labelled} labelled queries: accuracy ${pct(outcome.accuracy)}, complex under-route ${pct(outcome.complexUnderroute.rate)} (${outcome.complexUnderroute.underrouted} of ${outcome.complexUnderroute.n}; at most ${pct(calibration.maxUnderroute)}), misroute cost ${outcome.misrouteCost.toFixed(3)} per query\n`,
              );
            } else {
              process.stdout.write('  no labels: accuracy and complex under-routing not checked (map the label column with --field label=COLUMN)\n');
            }
          }
        }
        if (flags.run !== undefined) {
          const store = await openStore(databasePath(flags), { mustExist: true, readOnly: true });
          try {
            const curve = await runRouterCurve({ store, runId: flags.run, model });
            if (flags.json) process.stdout.write(`${JSON.stringify(curve)}\n`);
            else {
              process.stdout.write(
                `run ${flags.run}, router ${curve.router_version}: ${curve.n} queries with both models judged (${curve.skipped} skipped)\n` +
                  `weak (candidate) quality ${curve.weakQuality.toFixed(3)}, strong (baseline) ${curve.strongQuality.toFixed(3)}\n` +
                  `CPT(50%) ${pct(curve.cpt50)} strong calls, CPT(80%) ${pct(curve.cpt80)}, APGR ${curve.apgr === undefined ? 'n/a' : curve.apgr.toFixed(3)}\n`,
              );
              const step = Math.max(1, Math.floor(curve.curve.length / 10));
              for (const point of curve.curve.filter((_, index) => index % step === 0 || index === curve.curve.length - 1)) {
                process.stdout.write(`  strong calls ${pct(point.strongShare).padStart(6)}  quality ${point.quality.toFixed(3)}  PGR ${pct(point.pgr)}\n`);
              }
            }
          } finally {
            await store.close();
          }
        }
      }),
    );
}
