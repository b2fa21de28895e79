// The built-in detectors' terms: short lists a reviewer can read in a minute. Matched as whole
// words or phrases, case-insensitive; `\w*` extends a stem ("diagnos" -> diagnosed, diagnosis).

export const HEALTH_TERMS: readonly string[] = [
  'medical', 'medication\\w*', 'medicine', 'prescription\\w*', 'diagnos\\w*', 'doctor', 'hospital\\w*', 'surgery',
  'pregnan\\w*', 'disabilit\\w*', 'disabled', 'wheelchair', 'allerg\\w*', 'asthma', 'diabet\\w*', 'cancer', 'chemo\\w*',
  'mental health', 'depression', 'therap\\w*', 'injur\\w*', 'burned (?:my|her|his|their) \\w+', 'electric shock',
  'emergency room', 'insulin', 'hearing aid', 'health condition',
];

export const LEGAL_TERMS: readonly string[] = [
  'lawyer\\w*', 'attorney\\w*', 'lawsuit\\w*', 'sue (?:you|them|your company|northwind)', 'suing', 'legal action', 'legal proceedings', 'court', 'subpoena\\w*',
  'litigation', 'small claims', 'solicitor\\w*', 'police report', 'restraining order', 'custody',
];

export const DATA_REQUEST_TERMS: readonly string[] = [
  'gdpr', 'ccpa', 'cpra', 'right to be forgotten', 'right to erasure', '(?:delete|erase|remove) (?:all )?(?:of )?(?:my|the) (?:personal )?(?:data|information|info)',
  '(?:delete|erase|remove) everything you have', 'data deletion', 'deletion request', 'privacy request', 'data subject',
  'subject access request', 'dsar', 'what (?:personal )?data (?:you|do you) (?:have|hold)', 'all data you hold',
];

/** One case-insensitive regex per term list; the matched text names the reason. */
export function termPattern(terms: readonly string[]): RegExp {
  return new RegExp(`(?<![\\w])(?:${terms.join('|')})(?![\\w])`, 'i');
}

/** A user keyword is literal text, matched as a whole word or phrase. */
export function keywordPattern(keyword: string): RegExp {
  return new RegExp(`(?<![\\w])${keyword.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+')}(?![\\w])`, 'i');
}
