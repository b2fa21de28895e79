// Public surface of the dataset generator, for code outside src/datasets.
export { DATASET_SPLITS, generateQueries, phrasingSplit, TIER_MIX } from './generate.ts';
export type { DatasetSplit, GeneratedQuery, GenerateOptions } from './generate.ts';
export { writeDataset } from './write-dataset.ts';
export { writeConversations } from './write-dataset.ts';
export type { ConversationsSummary, DatasetSummary } from './write-dataset.ts';
export { generateConversations } from './generate-conversations.ts';
export type { GeneratedConversation, GenerateConversationsOptions } from './generate-conversations.ts';
export { ALL_INTENTS, INTENTS_BY_TIER, findIntent, matchIntent } from './knowledge-base.ts';
export { COMPANY } from './company.ts';
