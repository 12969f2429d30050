/**
 * The review queue's resolvers, composed once: each module decides what resolving its own items
 * does (identity records the reviewer's link). The CLI and the console hand these to the queue.
 */
import { identityReviewResolver } from '../identity/index.js';
import type { ReviewResolvers } from '../review/index.js';

export function reviewResolvers(extra: Partial<ReviewResolvers> = {}): ReviewResolvers {
  return { identity: identityReviewResolver, ...extra };
}
