// promptfoo loads custom providers as JavaScript (`file://.../provider.mjs`); the code is TypeScript,
// which Node >= 22.18 runs natively. This file only checks that and re-exports it.
if (!process.features?.typescript) {
  throw new Error(
    `hybrid-eval's promptfoo provider needs Node >= 22.18 (native TypeScript); this is Node ${process.version}. ` +
      'Run promptfoo through the project (`npx promptfoo ...`), which uses its Node 24.',
  );
}
export { default } from './provider.ts';
