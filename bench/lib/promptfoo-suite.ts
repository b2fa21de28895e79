import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/**
 * The replay's work as a promptfoo suite: every test is one query; the candidate (Llama) and the
 * baseline (GPT-4) are two providers (promptfoo's built-in openai:chat, apiBaseUrl = the sim); an
 * llm-rubric assertion graded by the sim's GPT-4 checks each answer against the query's reference
 * facts. Per test that is 2 answers + 2 grader calls, the replay's 4 calls per query.
 */
export function writePromptfooSuite(path: string, options: { simUrl: string; dataset: string; n: number; systemPromptFile: string }): number {
  const system = readFileSync(options.systemPromptFile, 'utf8').trim();
  const tests: Array<{ vars: { query: string; reference: string } }> = [];
  for (const line of readFileSync(options.dataset, 'utf8').split('\n')) {
    if (tests.length >= options.n) break;
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { query: string; reference: string };
    tests.push({ vars: { query: record.query, reference: record.reference } });
  }
  // A chat prompt: promptfoo renders it with nunjucks, then parses the JSON messages.
  const prompt = `[{"role":"system","content":${JSON.stringify(system)}},{"role":"user","content":{{ query | dump }}}]`;
  const provider = (model: string, label: string) => ({ id: `openai:chat:${model}`, label, config: { apiBaseUrl: options.simUrl, apiKey: 'sk-bench' } });
  const suite = {
    description: 'hybrid-eval bench: candidate + baseline, graded by llm-rubric',
    prompts: [prompt],
    providers: [provider('llama-3-70b', 'candidate'), provider('gpt-4', 'baseline')],
    defaultTest: {
      options: { provider: provider('gpt-4', 'grader') },
      assert: [{ type: 'llm-rubric', value: 'The answer agrees with the reference facts and answers the customer.\n<reference>\n{{reference}}\n</reference>' }],
    },
    tests,
  };
  writeFileSync(path, stringify(suite, { lineWidth: 0 }));
  return tests.length;
}
