import type { Check } from '../gate/decide.ts';
import type { GateOutcome } from '../gate/run-gate.ts';

/** XML 1.0 text: escaped, and without the control characters XML cannot carry at all. */
function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const property = (name: string, value: string | number | undefined): string =>
  value === undefined ? '' : `        <property name="${xml(name)}" value="${xml(String(value))}"/>\n`;

function testcase(check: Check, classname: string): string {
  const properties =
    property('outcome', check.outcome) +
    property('value', check.value) +
    property('ci_lower', check.interval?.lower) +
    property('ci_upper', check.interval?.upper) +
    property('threshold', check.threshold) +
    property('n', check.n);
  const body =
    check.outcome === 'fail'
      ? `      <failure message="${xml(`${check.metric}: ${check.detail}`)}" type="no-go">${xml(`${check.detail} (threshold ${check.threshold})`)}</failure>\n`
      : check.outcome === 'hold'
        ? `      <skipped message="${xml(`hold: ${check.detail}`)}"/>\n`
        : check.outcome === 'skip'
          ? `      <skipped message="${xml(check.detail)}"/>\n`
          : '';
  return `    <testcase classname="${xml(classname)}" name="${xml(check.metric)}" time="0">\n      <properties>\n${properties}      </properties>\n${body}      <system-out>${xml(check.detail)}</system-out>\n    </testcase>\n`;
}

/**
 * JUnit XML, one testcase per check: a failure for fail, skipped for hold (and for a check
 * without evidence), properties for the numbers. CI systems show it as a test report.
 */
export function renderJunit(outcome: GateOutcome): string {
  const classname = `hybrid-eval.gate.${outcome.plan}.${outcome.step}`;
  const failures = outcome.checks.filter((check) => check.outcome === 'fail').length;
  const skipped = outcome.checks.filter((check) => check.outcome === 'hold' || check.outcome === 'skip').length;
  const name = `gate ${outcome.plan} / ${outcome.step} on run ${outcome.runId}: ${outcome.decision}`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="hybrid-eval" tests="${outcome.checks.length}" failures="${failures}" errors="0" skipped="${skipped}">\n` +
    `  <testsuite name="${xml(name)}" tests="${outcome.checks.length}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${xml(outcome.decidedAt)}">\n` +
    '    <properties>\n' +
    `      <property name="decision" value="${xml(outcome.decision)}"/>\n` +
    `      <property name="run_id" value="${xml(outcome.runId)}"/>\n` +
    `      <property name="plan" value="${xml(outcome.plan)}"/>\n` +
    `      <property name="step" value="${xml(outcome.step)}"/>\n` +
    (outcome.comparison === undefined ? '' : `      <property name="against" value="${xml(outcome.comparison.againstRunId)}"/>\n`) +
    '    </properties>\n' +
    outcome.checks.map((check) => testcase(check, classname).replace(/^ {4}/gm, '    ')).join('') +
    '  </testsuite>\n' +
    '</testsuites>\n'
  );
}
