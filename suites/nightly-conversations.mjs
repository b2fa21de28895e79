// promptfoo test generator for suites/nightly.yaml (`tests: file://nightly-conversations.mjs`): the
// nightly suite replays logged conversations. Each test carries one logged chat-completions request
// from datasets/conversations-sample.jsonl whole (system prompt, earlier turns, tool calls and their
// results, tool definitions, parameters); the suite's prompt renders it and the provider sends it as
// logged, only the model swapped. 12 per tier (complex is over-sampled against its share).
// The code is TypeScript, which Node >= 22.18 runs natively: run promptfoo through the project.
if (!process.features?.typescript) {
  throw new Error(`hybrid-eval's nightly suite needs Node >= 22.18 (native TypeScript); this is Node ${process.version}. Run promptfoo through the project (\`npx promptfoo ...\`).`);
}
const { conversationTests } = await import('../src/promptfoo/conversation-tests.ts');

export default function nightlyConversationTests() {
  return conversationTests(new URL('../datasets/conversations-sample.jsonl', import.meta.url), { perTier: 12 });
}
