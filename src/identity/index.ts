/**
 * identity — resolve every outside record to the CRM's internal ID before anything is written.
 * normalise.ts (emails, domains, names, company names, phones), attributes.ts (birth date,
 * postcode, address, city, LinkedIn, external id), snapshot.ts (the blocking index of CRM contacts
 * and companies, and value counts), block.ts (the candidates of one input), compare.ts (agreement
 * levels and their evidence), model.ts (m and u per level, term frequencies), train.ts (m and u
 * estimated from a CRM export and the inputs, without labels), decide.ts (the pure decision:
 * evidence weights and two thresholds for people; matched / ambiguous / unmatched, always with a
 * reason) with rules.ts (what holds whatever the sum: rivals, conflicts, what a match needs),
 * reasons.ts (the decision in words) and decide-company.ts (companies), reconcile.ts (`reconcile(inputs, snapshot)` in process, and the JSONL codec of
 * `inrecord reconcile`), benchset.ts (the benchmark set from the seeded world's ground truth and its
 * score: wrong matches, recall on what the data singles out), map.ts + queries.ts (the identity map,
 * identity_links: reused, invalidated on merge/delete by `invalidateLinks`) and identity review items (review_items kind 'identity'; a reviewer's pick /
 * not-in-CRM goes into the map through `identityReviewResolver`, the review queue's resolver hook),
 * live.ts (candidates through CrmConnector only: batched findContacts / findCompanies, listContacts /
 * listCompanies), validate.ts (`inrecord validate identities`: a sample of CRM records presented
 * the way outside systems do, resolved, mismatches / ambiguities / misses with reasons).
 * Must not: guess, create CRM records, or match a person by name alone.
 */
export { DEFAULT_SCORING, resolveContact, resolveIdentity } from './decide.js';
export { resolveCompany } from './decide-company.js';
export type { ContactComparison, Scoring } from './compare.js';
export { DEFAULT_MODEL, type Model, weightsOf } from './model.js';
export { type TrainOptions, type Training, trainModel, trainedScoring } from './train.js';
export {
  firstNamesAgree,
  foldText,
  normaliseCompanyName,
  normaliseDomain,
  normaliseEmail,
  normaliseName,
  normalisePhone,
  phoneKey,
  type NormalEmail,
  type NormalName,
} from './normalise.js';
export { CrmSnapshot, type IndexedContact } from './snapshot.js';
export {
  identityInputSchema,
  type IdentityInput,
  type IdentityResult,
  type IdentityStatus,
} from './types.js';
export {
  type InputProblem,
  type ReconcileSummary,
  type SnapshotData,
  parseInputLines,
  parseSnapshotLines,
  reconcile,
  resultLine,
  summarise,
  toSnapshot,
} from './reconcile.js';
export {
  type Expectation,
  type IdentityBenchSet,
  type IdentityScore,
  buildIdentityBenchSet,
  scoreIdentity,
  snapshotOfWorld,
} from './benchset.js';
export {
  type IdentityReviewDecision,
  type ResolveWithMapOptions,
  decideIdentityReview,
  identityReviewResolver,
  invalidateLinks,
  openIdentityReviews,
  resolveWithMap,
} from './map.js';
export {
  type CandidateSource,
  type LiveSnapshot,
  fetchCandidates,
  listSnapshot,
  searchName,
} from './live.js';
export {
  type ValidationCase,
  type ValidationFinding,
  type ValidationReport,
  sampleExternalViews,
  validateIdentities,
} from './validate.js';
export type { CompanyCandidate, ContactCandidate } from '../crm/types.js';
export { countActiveLinks, countRuleLinks, selectLinkedKeys } from './queries.js';
