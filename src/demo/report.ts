/** The demo's options and the report it returns: per CRM, per flow, every figure read back from the store and the simulators. */
import type { InrecordConfig } from '../config/index.js';
import type { CrmConnector, CrmName } from '../crm/types.js';
import type { Store } from '../store/index.js';
import type { AucFigure } from './labels.js';
import type { DemoSimulator } from './sims.js';

export interface DemoOptions {
  dataDir: string;
  /** Contacts in the HubSpot portal (default 20,000). */
  hubspotContacts?: number;
  /** People in the Salesforce org (default 1,400: ≥ 1,000 converted leads). */
  salesforcePeople?: number;
  /** Persons in the Pipedrive company (default 300). */
  pipedrivePersons?: number;
  crms?: CrmName[];
  identitySample?: number;
  /** Rep edits per flow and scenario (racing the write, then after it). */
  repEdits?: number;
  /** 'process' (default): each simulator in a child process; 'in-process': on this event loop. */
  simulators?: 'process' | 'in-process';
  /** The command that runs the inrecord CLI for the simulator processes (default: this one). */
  simulatorCommand?: string[];
  onProgress?: (message: string) => void;
}

export interface DemoFlowReport {
  flow: string;
  kind: string;
  explanation: string;
  records: number;
  shadowed: number;
  /**
   * The validation gate on outcome labels: `correct` of `labelled` (for scores and deal risk, ranked
   * right against a record of the opposite outcome), its Wilson 95 % interval, the threshold the
   * lower bound must reach on `sampleSize` labels, and where the labels came from.
   */
  gate: { mode: string; reason: string; labelled: number; correct: number; lowerBound: number | null; upperBound: number | null; threshold: number; sampleSize: number; simulatedLabels: true; labelsFrom: string };
  /**
   * Scores and deal risk: the flow's numbers against every later outcome known (not only the
   * sample), AUC with DeLong 95 % intervals — the served model, and for scoring the hand-written
   * rules on the same records — plus the training hold-out figures when a model was trained.
   */
  outcomes?: {
    records: number;
    positives: number;
    served: AucFigure & { model: string };
    rules: AucFigure | null;
    holdout: { trainedAuc: number | null; trainedLower: number | null; trainedUpper: number | null; rulesAuc: number | null; chosen: string; why: string } | null;
  };
  written: number;
  unchanged: number;
  rejected: number;
  conflicts: number;
  failed: number;
  notApplied: number;
  writeCalls: number;
  minimumWriteCalls: number;
  runIds: string[];
}

/** Rep edits of the AI's hybrid fields, and what became of them — read back from the ledger and the CRM. */
export interface DemoRepEdits {
  /** Edits made during the write run, after inrecord read the record and before it wrote it. */
  race: { made: number; caught: number; landedAfterWrite: number; kept: number; lost: number };
  /** Edits made after the AI wrote, followed by another AI run over the same records. */
  afterWrite: { made: number; flagged: number; kept: number; lost: number };
}

export interface DemoCrmReport {
  crm: CrmName;
  available: boolean;
  note?: string;
  url?: string;
  /** Where the simulator ran: its process id, or 'in-process'. */
  simulatorPid?: number | 'in-process';
  records?: number;
  identity?: { sampled: number; matched: number; correct: number; wrong: number; ambiguous: number; unmatched: number; reasons: Record<string, number> };
  flows: DemoFlowReport[];
  repEdits?: DemoRepEdits;
  /** Inbound messages a rep filed in the contact's description, classified by the intent flow. */
  inbound?: { messages: number; contacts: number };
  /** A mailbox and a calendar from the simulated company's own world, imported through identity. */
  activities?: { items: number; imported: number; ownDomain: number; unmatched: number; reviewItems: number; reimported: number; crmCalls: number };
  activitiesNote?: string;
  /** Product usage written from the seeded world to a file, imported through identity and write-back. */
  usage?: { file: string; rows: number; events: number; contacts: number; companies: number; unmatched: number; written: number; unchanged: number; failed: number; verified: number; reimportEvents: number };
  /** Deal-risk levels noted on the deals' timelines: a baseline, reps move close dates, the changes noted. */
  dealRisk?: { deals: number; baseline: number; levels: Record<string, number>; repEdits: number; changed: number; notes: number; failed: number; notesInStore: number };
  apiCalls?: number;
  /** The CRM's API rate limit the connector keeps to (the simulator enforces the same). */
  rateLimit?: { callsPerWindow: number; windowMs: number };
  recordPages: string[];
  /** Seconds per phase, in the order run. */
  phases: Record<string, number>;
}

export interface DemoReport {
  store: string;
  startedAt: string;
  seconds: number;
  /** Where the CRMs' simulators ran. */
  simulators: 'process' | 'in-process';
  crms: DemoCrmReport[];
  drift: { flow: string; psi: number | null; level: string }[];
  deadLetters: number;
  reviewQueue: number;
  phases: Record<string, number>;
}

export interface DemoRuntime {
  report: DemoReport;
  store: Store;
  config: InrecordConfig;
  connectors: Partial<Record<CrmName, CrmConnector>>;
  sims: DemoSimulator[];
  close(): Promise<void>;
}
