// The promptfoo entry point of the package (`exports["./promptfoo"]` in package.json), so a suite
// saved anywhere in the project names the provider and the judge assertion without a relative path:
//
//   providers: [{ id: 'package:hybrid-eval/promptfoo:provider', config: { config: examples/sim.yaml } }]
//   assert:    [{ type: javascript, value: 'package:hybrid-eval/promptfoo:judge' }]
//
// promptfoo resolves `package:NAME:EXPORT` from the suite's folder (Node's resolution: a package
// finds itself by name through its exports), imports it, takes the module's default export and reads
// EXPORT from it: hence one object holding both.
import provider from './provider.mjs';
import judge from './judge-assertion.mjs';

export default { provider, judge };
