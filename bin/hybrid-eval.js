#!/bin/sh
":" //; exec env MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" node --max-semi-space-size="${HYBRID_EVAL_SEMI_SPACE_MB:-8}" "$0" "$@"
// The line above is read by sh, and by Node as a string and a comment: sh starts Node with
// settings that keep a long replay's memory flat (bench/RESULTS.md, "Memory"): a young generation
// of 8 MB semi-spaces instead of V8's 64 MB on a large machine, and two malloc arenas instead of
// glibc's eight per core. Either can be overridden from the environment. Node 24 runs the
// TypeScript sources directly (type stripping); there is no build step.
import '../src/cli/main.ts';
