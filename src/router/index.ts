// Public surface for other modules. Files inside src/router import each other directly.
// onnxruntime-node and @huggingface/tokenizers load only inside loadRouter (dynamic import).
export { loadRouter, type LoadRouterOptions, type Router, type RouterResult } from './load-router.ts';
export { routerPolicy } from './router-policy.ts';
export { DEFAULT_THRESHOLDS, routeTier, argmaxTier, type RouterThresholds } from './thresholds.ts';
export { evaluateRouter, type EvaluateOptions, type LabelledText, type RouterEvaluation } from './evaluate.ts';
export {
  classificationMetrics,
  expectedCalibrationError,
  percentile,
  DEFAULT_MISROUTE_COST,
  type ClassificationMetrics,
  type ClassMetrics,
  type MisrouteCostMatrix,
  type Prediction,
} from './metrics.ts';
export { calibrateThresholds, calibrateRouter, type Calibration } from './calibrate.ts';
export { readBitext, isBitextHeldOut } from './bitext-holdout.ts';
export { createMicroBatcher, type MicroBatcher, type MicroBatcherOptions, type MicroBatcherStats } from './micro-batcher.ts';
