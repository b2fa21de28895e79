// Public surface of the offline OpenAI-compatible simulator, for code outside src/sim.
export { startSim } from './server.ts';
export type { SimOptions, SimServer, SimRequestLogEntry } from './server.ts';
export { parseFaultSpec, FAULT_KINDS, NO_FAULTS } from './fault-spec.ts';
export type { FaultSpec, FaultKind, DownModel } from './fault-spec.ts';
export { SIM_MODELS, MODEL_ALIASES, resolveModel } from './models.ts';
export type { SimModel } from './models.ts';
export { judgeAnswer, parseJudgePrompt } from './judge.ts';
export type { JudgeVerdict, JudgeSections } from './judge.ts';
export type { ReferenceEntry } from './reference-store.ts';
