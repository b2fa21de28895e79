// Re-exports for code outside src/core. Inside a module, import the file itself (no barrel imports).
export * from './tier.ts';
export * from './query.ts';
export * from './conversation.ts';
export * from './response.ts';
export * from './judgment.ts';
export * from './route.ts';
export * from './errors.ts';
