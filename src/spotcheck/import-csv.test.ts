import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { HumanRole } from '../store/spotcheck-tables.ts';
import { parseRatingsCsv, type ParseOptions } from './import-csv.ts';

const NOW = new Date('2025-05-01T12:00:00Z');
// q1 shows the candidate as Answer 1, every other query the baseline.
const order = (_runId: string, queryId: string): [HumanRole, HumanRole] => (queryId === 'q1' ? ['candidate', 'baseline'] : ['baseline', 'candidate']);
const options: ParseOptions = { now: NOW, order };

function error(text: string, extra: Partial<ParseOptions> = {}): InputError {
  try {
    parseRatingsCsv('r.csv', text, { ...options, ...extra });
  } catch (caught) {
    if (caught instanceof InputError) return caught;
    throw caught;
  }
  throw new Error('expected an InputError');
}

describe('parseRatingsCsv, long layout', () => {
  it('reads the documented columns, case and spaces aside, and gives a pair its preference', () => {
    const parsed = parseRatingsCsv(
      'r.csv',
      'Run_ID, query_id ,rater,role,score,preference,rated_at\nr,q1,ann,Candidate,4,,2025-04-01T10:00:00Z\nr,q1,ann,baseline,2,candidate,\n',
      options,
    );
    expect(parsed.format).toBe('long');
    expect(parsed.lines).toEqual([2, 3]);
    expect(parsed.ratings).toEqual([
      { runId: 'r', queryId: 'q1', rater: 'ann', role: 'candidate', score: 4, preference: 'candidate', ratedAt: new Date('2025-04-01T10:00:00Z'), source: 'import' },
      { runId: 'r', queryId: 'q1', rater: 'ann', role: 'baseline', score: 2, preference: 'candidate', ratedAt: NOW, source: 'import' },
    ]);
  });

  it('takes run and rater from the options when the columns are absent or blank', () => {
    const parsed = parseRatingsCsv('r.csv', 'query_id,rater,role,score\nq1,,candidate,3\n', { ...options, runId: 'r', rater: 'bo' });
    expect(parsed.ratings[0]).toMatchObject({ runId: 'r', rater: 'bo' });
  });

  it('names file, line and field for each kind of bad row', () => {
    expect(error('query_id,rater,role,score\nq1,a,candidate,3\n').message).toBe('r.csv:1 (run_id): missing column "run_id"');
    expect(error('run_id,query_id,rater,role,score\nr,q1,a,judge,3\n').message).toBe('r.csv:2 (role): role "judge" is not one of candidate, baseline');
    expect(error('run_id,query_id,rater,role,score\nr,q1,a,candidate,0\n').message).toBe('r.csv:2 (score): score "0" is not a whole number from 1 to 5');
    expect(error('run_id,query_id,rater,role,score\nr,q1,a,candidate,4.5\n').field).toBe('score');
    expect(error('run_id,query_id,rater,role,score\nr,,a,candidate,4\n').message).toBe('r.csv:2 (query_id): query_id is empty');
    expect(error('run_id,query_id,rater,role,score\nr,q1,,candidate,4\n').message).toBe('r.csv:2 (rater): rater is empty');
    expect(error('run_id,query_id,rater,role,score,preference\nr,q1,a,candidate,4,better\n').field).toBe('preference');
    expect(error('run_id,query_id,rater,role,score,rated_at\nr,q1,a,candidate,4,yesterday\n').field).toBe('rated_at');
    expect(error('run_id,query_id,rater,role,score\nx,q1,a,candidate,4\n', { runId: 'r' }).message).toBe(
      'r.csv:2 (run_id): run_id "x" is not the run being imported (r)',
    );
  });

  it('counts lines through quoted line breaks and blank lines', () => {
    const text = 'run_id,query_id,rater,role,score,note\r\nr,q1,a,candidate,4,"two\r\nlines"\r\n\r\nr,q1,a,baseline,9,\r\n';
    expect(error(text).message).toBe('r.csv:5 (score): score "9" is not a whole number from 1 to 5');
  });

  it('refuses a key given twice and preferences that contradict each other', () => {
    expect(error('run_id,query_id,rater,role,score\nr,q1,a,candidate,4\nr,q1,a,candidate,5\n').message).toBe(
      "r.csv:3 (score): a's candidate rating of q1 in run r is already on line 2",
    );
    expect(error('run_id,query_id,rater,role,score,preference\nr,q1,a,candidate,4,tie\nr,q1,a,baseline,5,baseline\n').message).toMatch(
      /^r\.csv:3 \(preference\): preference "baseline" contradicts "tie" .* on line 2$/,
    );
  });

  it('reports broken CSV and unknown layouts with the line', () => {
    expect(error('run_id,query_id,rater,role,score\nr,q1,a,candidate,4,extra\n').line).toBe(2);
    expect(error('run_id,query_id\nr,q1\n').message).toMatch(/^r\.csv:1: unknown layout/);
    expect(error('').message).toBe('r.csv: empty file: expected a header row');
  });
});

describe('parseRatingsCsv, blind layout (a filled-in export)', () => {
  it('un-blinds Answer 1 and 2 with the fixed order and skips rows left blank', () => {
    const text = [
      'run_id,query_id,position,query,answer_1,answer_2,rater,score_1,score_2,preference',
      'r,q1,1,"a query, with a comma","one","two",ann,5,2,1',
      'r,q2,2,q,"one","two",ann,3,4,2',
      'r,q3,3,q,"one","two",,,,',
      'r,q4,4,q,"one","two",ann,2,,',
    ].join('\n');
    const parsed = parseRatingsCsv('r.csv', text, options);
    expect(parsed.format).toBe('blind');
    expect(parsed.skipped).toBe(1);
    expect(parsed.ratings.map((rating) => [rating.queryId, rating.role, rating.score, rating.preference])).toEqual([
      ['q1', 'candidate', 5, 'candidate'],
      ['q1', 'baseline', 2, 'candidate'],
      ['q2', 'baseline', 3, 'candidate'],
      ['q2', 'candidate', 4, 'candidate'],
      ['q4', 'baseline', 2, undefined],
    ]);
    expect(parsed.lines).toEqual([2, 2, 3, 3, 5]);
  });

  it('accepts tie and refuses a preference without scores', () => {
    const header = 'run_id,query_id,rater,score_1,score_2,preference\n';
    expect(parseRatingsCsv('r.csv', `${header}r,q1,ann,3,3,TIE\n`, options).ratings[0]!.preference).toBe('tie');
    expect(error(`${header}r,q1,ann,,,1\n`).message).toBe('r.csv:2 (score_1): a preference without scores: fill in score_1 and score_2');
    expect(error(`${header}r,q1,ann,3,3,3\n`).field).toBe('preference');
  });
});
