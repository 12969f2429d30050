/**
 * review — the one queue people work through: identity inputs with no unique match, flagged write
 * conflicts, actions whose outcome is uncertain. Owns review_items (queries.ts alone touches it).
 * Other modules open items here and hand their resolvers in; this module decides nothing about
 * an item's subject.
 */
export {
  type NewReviewItem,
  type ReviewFilter,
  type ReviewRow,
  closeReviewItem,
  countReviewItems,
  countReviewItemsByStatus,
  latestResolutions,
  openReviewItems,
  selectReviewItem,
  selectReviewItems,
} from './queries.js';
export {
  type ReviewDecision,
  type ReviewItem,
  type ReviewKind,
  type ReviewResolver,
  type ReviewResolvers,
  type ReviewStatus,
  candidateIds,
  getReviewItem,
  listReviewItems,
  resolveReviewItem,
  unlistedPick,
} from './queue.js';
