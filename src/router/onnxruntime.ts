/**
 * onnxruntime-node, loaded with its telemetry off.
 *
 * From 1.29 the official Linux and macOS builds of ONNX Runtime carry Microsoft's 1DS telemetry,
 * on by default: every process that creates a session queues events (seen on this project's
 * machine: session and model-load events with the model's graph name and producer, EP usage, run
 * durations, CPU time and RSS, the machine's CPU, OS and memory, the executable's path; ORT also
 * reads CI and ORT_RUNNING_UNIT_TESTS as off switches) in a SQLite file under ~/.cache/Microsoft/DeveloperTools/.onnxruntime
 * and uploads them to Microsoft's collector, writes a device id beside it, and leaves `.ses` and an
 * empty `mat-debug-<pid>.log` in the temp folder. hybrid-eval runs on-prem over a team's own
 * support traffic and promises to talk to nothing but the endpoints it is configured with, so it
 * switches that off. ORT reads ORT_DISABLE_TELEMETRY when its environment is created (the first
 * session), so setting it here, before the import, covers the CLI, the promptfoo provider and any
 * library caller alike. A value the user set is kept: `ORT_DISABLE_TELEMETRY=0` turns it back on.
 */
export type OnnxRuntime = typeof import('onnxruntime-node');

export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  process.env['ORT_DISABLE_TELEMETRY'] ??= '1';
  return import('onnxruntime-node');
}
