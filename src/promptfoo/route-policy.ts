// The promptfoo provider routes exactly as replay does.
export { routePolicyFor, type PolicyHandle } from '../router/policy-for-config.ts';
