import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs the real CLI in a child process (the same Node that runs the tests: v24 from node_modules). */
export function startCli(args: string[], options: RunOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  return startScript(MAIN, args, options);
}

/**
 * Runs a script of the project (the CLI, the bench, promptfoo's entry point) in a child process of
 * the Node that runs the tests, without the API keys of the shell (`options.env` may set them),
 * collecting its output.
 */
export function startScript(script: string, args: string[], options: RunOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, OPENAI_API_KEY: undefined, VLLM_API_KEY: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolvePromise) =>
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

export function runScript(script: string, args: string[], options: RunOptions = {}): Promise<CliResult> {
  return startScript(script, args, options).done;
}

export { tempDir } from '../temp-dirs.ts';
