#!/bin/sh
":" //; exec env MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" node --max-semi-space-size="${HYBRID_EVAL_SEMI_SPACE_MB:-16}" --heap-growing-percent="${HYBRID_EVAL_HEAP_GROWING_PERCENT:-200}" "$0" "$@"
// The line above is read by sh, and by Node as a string and a comment: sh starts Node with
// settings that keep a long replay's memory flat (bench/RESULTS.md, "Memory"): a young generation
// of 16 MB semi-spaces instead of V8's 64 MB on a large machine (8 MB doubled the scavenges and
// cost 5% of the throughput; 16 MB cost 14 MB of memory); a full collection once the old
// generation is three times what survived the last one (a replay keeps about 40 MB alive; V8's own
// factor let 120 MB of mostly garbage pile up; twice cost 6-10% of the throughput); and two malloc
// arenas instead of glibc's eight per core. Each can be overridden from the environment. Node 24
// runs the TypeScript sources directly (type stripping); there is no build step.
import { enableCompileCache } from 'node:module';

// V8's code cache, and Node's cache of the type-stripped sources, on disk (os.tmpdir() unless
// NODE_COMPILE_CACHE says where; NODE_DISABLE_COMPILE_CACHE=1 turns it off): loading the CLI's
// TypeScript took 0.65 s of every start and takes 0.45 s from the cache. Enabled before the CLI
// is imported, so the import is dynamic.
enableCompileCache();
await import('../src/cli/main.ts');
