import cliProgress from 'cli-progress';
import type { Reject } from '../core/query.ts';
import type { QueryRows } from './types.ts';

export interface Progress {
  tick(rows: QueryRows): void;
  skip(): void;
  reject(reject: Reject): void;
  stop(): void;
}

export interface ProgressOptions {
  output: NodeJS.WritableStream & { isTTY?: boolean };
  total: number | undefined;
  /** Seconds between plain lines when the output is not a terminal. */
  intervalSeconds?: number;
  now?: () => number;
}

/** A bar with rate and ETA on a terminal; a plain line every few seconds in CI logs and pipes. */
export function createProgress(options: ProgressOptions): Progress {
  return options.output.isTTY ? barProgress(options) : lineProgress(options);
}

export const silentProgress: Progress = { tick() {}, skip() {}, reject() {}, stop() {} };

function barProgress(options: ProgressOptions): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: options.output as NodeJS.WriteStream,
      format: 'replay [{bar}] {value}/{total} queries | {rate} q/s | ETA {eta_formatted} | failed calls {failed} | rejects {rejects}',
      etaBuffer: 200,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const now = options.now ?? Date.now;
  const start = now();
  let value = 0;
  let failed = 0;
  let rejects = 0;
  bar.start(options.total ?? 0, 0, { rate: '0.0', failed: 0, rejects: 0 });
  const update = (): void => {
    const seconds = Math.max((now() - start) / 1000, 0.001);
    if (options.total === undefined) bar.setTotal(value);
    bar.update(value, { rate: (value / seconds).toFixed(1), failed, rejects });
  };
  return {
    tick(rows) {
      value++;
      failed += rows.responses.filter((response) => response.status === 'failed').length;
      update();
    },
    skip() {
      value++;
      update();
    },
    reject() {
      rejects++;
      update();
    },
    stop() {
      bar.stop();
    },
  };
}

function lineProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const interval = (options.intervalSeconds ?? 5) * 1000;
  const start = now();
  let last = start;
  let done = 0;
  let skipped = 0;
  let failed = 0;
  let rejects = 0;
  const line = (): string => {
    const seconds = Math.max((now() - start) / 1000, 0.001);
    const rate = done / seconds;
    const total = options.total;
    const remaining = total === undefined ? undefined : total - done - skipped;
    const eta = remaining === undefined || rate === 0 ? '' : ` eta ${Math.ceil(remaining / rate)}s`;
    return `replay: ${done + skipped}${total === undefined ? '' : `/${total}`} queries (${skipped} resumed) ${rate.toFixed(1)} q/s${eta} failed calls ${failed} rejects ${rejects}\n`;
  };
  const maybePrint = (): void => {
    if (now() - last >= interval) {
      last = now();
      options.output.write(line());
    }
  };
  return {
    tick(rows) {
      done++;
      failed += rows.responses.filter((response) => response.status === 'failed').length;
      maybePrint();
    },
    skip() {
      skipped++;
      maybePrint();
    },
    reject() {
      rejects++;
      maybePrint();
    },
    stop() {
      options.output.write(line());
    },
  };
}
