/**
 * seed — the CRM-neutral seeded world every simulator maps into its own records.
 *
 * `generateWorld({ seed, contacts, companies?, leads?, convertedLeads?, deals?, messages?, outsiders? })`
 * returns plain typed data (owners, companies, contacts, leads, deals, activities, inbound messages,
 * outsiders) and its ground truth (`world.truth`, plus per-record fields: `contact.personId`,
 * `contact.duplicateOf`, `lead.converted`, `lead.conversionProbability`, `message.intent`,
 * `outsider.nearNamesakeOf`). Deterministic: the same options give the same world.
 *
 * The mess is deliberate, in the ways that break integrations:
 * - several John Smiths at the largest company (`co_000001`) and other same-name pairs at one company
 *   (`truth.sameNameGroups`); CRM duplicates of one person, the address in another case
 *   (`truth.duplicates`, `contact.duplicateOf`);
 * - personal and work addresses (`email` may be personal with the work one in `additionalEmails`);
 *   shared role inboxes (info@, sales@ …) as the primary address of several contacts
 *   (`truth.roleInboxes`);
 * - subsidiaries sharing the parent's domain (`company.parentId`, `truth.subsidiaries`); different
 *   companies with the same name (`truth.sameNameCompanies`); domains stored as URLs, upper case,
 *   `www.` or missing (`company.trueDomain` is the real one);
 * - names stored as "SMITH", "john", "Dr. Jane", "John Q.", accents, or "SMITH, John" in the last
 *   name with no first name (`trueFirstName` / `trueLastName` are the clean ones); phones in national
 *   and international formats;
 * - leads whose conversion follows a hidden logistic model (`truth.leadModel`, `leadFeatures`) over
 *   source, industry, employees, seniority, opens, page views, meetings (recent ones count more),
 *   days since last activity, revenue and country; `convertedLeads` sets the expected conversions;
 * - deals across `DEAL_STAGES` with amounts, close dates (some pushed: `closeDatePushes`,
 *   `originalCloseDate`), stage-entered dates and activities (emails, calls, meetings, notes);
 * - inbound emails and call notes labelled high / medium / low / not_sales, composed from varied parts;
 * - outsiders: people and companies not in the CRM, several of them near-namesakes of CRM records
 *   (`pattern`: stranger, same_name_other_company, similar_name_same_company, same_company_name,
 *   similar_company_name).
 *
 * Ids are the world's own (`co_…`, `ct_…`, `ld_…`, `dl_…`, `ac_…`, `ms_…`, `ow_…`, `ou_…`); a simulator
 * assigns its CRM's ids. Must not touch: any CRM format, the store, the network.
 */
export * from './types.js';
export { generateWorld } from './generate.js';
export { leadFeatures } from './leads.js';
export {
  COUNTRIES,
  DEAL_STAGES,
  INDUSTRIES,
  LEAD_SOURCES,
  ROLE_LOCAL_PARTS,
  SENIORITIES,
  STAGE_PROBABILITY,
  prng,
} from './vocab.js';
export { isoTime, parseIsoTime } from './time.js';
export { personDetails, type PersonDetails } from './details.js';
