#!/bin/sh
":" //; s=16; case "$1" in gate) s=4; export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1048576}";; esac; exec env MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" node --max-semi-space-size="${HYBRID_EVAL_SEMI_SPACE_MB:-$s}" --heap-growing-percent="${HYBRID_EVAL_HEAP_GROWING_PERCENT:-200}" "$0" "$@"
// The line above is read by sh, and by Node as a string and a comment: sh starts Node with
// settings that keep a long replay's memory flat (bench/RESULTS.md, "Memory"): a young generation
// of 16 MB semi-spaces instead of V8's 64 MB on a large machine (8 MB doubled the scavenges and
// cost 5% of the throughput; 16 MB cost 14 MB of memory); a full collection once the old
// generation is three times what survived the last one (a replay keeps about 40 MB alive; V8's own
// factor let 120 MB of mostly garbage pile up; twice cost 6-10% of the throughput); and two malloc
// arenas instead of glibc's eight per core. `gate` reads a whole run (a million judged pairs: the
// target is under 512 MB, bench/RESULTS.md "Gate + report memory") and gets 4 MB semi-spaces (with
// 60 MB live, its streamed facts' garbage kept 93 MB of heap committed at 16 MB, 69 MB at 4) and a fixed glibc mmap
// threshold (DuckDB's freed blocks go back to the system instead of staying in the arenas, where
// a raised dynamic threshold put them). Each can be overridden from the environment. Node 24
// runs the TypeScript sources directly (type stripping); there is no build step.
import * as nodeModule from 'node:module';

// The sources are TypeScript run by Node's type stripping (22.18 and later). `npm ci` installs the
// pinned Node 24 (the `node` dev dependency) into node_modules/.bin, and npx and `npm run` put that
// first on PATH, so this line is reached on Node 24 whatever Node runs npm. Started some other way
// on an older Node, say so in one line rather than fail on the first .ts import.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `hybrid-eval: needs Node 22.18 or later, this is ${process.version}; run it as \`npx hybrid-eval\` or \`npm run hybrid-eval --\` after \`npm ci\` (they use the pinned Node 24 in node_modules)\n`,
  );
  process.exit(2);
}

// V8's code cache, and Node's cache of the type-stripped sources, on disk (os.tmpdir() unless
// NODE_COMPILE_CACHE says where; NODE_DISABLE_COMPILE_CACHE=1 turns it off): loading the CLI's
// TypeScript took 0.65 s of every start and takes 0.45 s from the cache. Enabled before the CLI
// is imported, so the import is dynamic.
nodeModule.enableCompileCache();
await import('../src/cli/main.ts');
