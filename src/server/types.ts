import type { ModelReport } from '../flows/index.js';

/** What the console can do; supplied by whoever starts the server, from the modules' own functions. */
export interface ReviewDecision {
  /** identity: pick | not_in_crm | dismiss; conflict: keep_rep | accept_ai | dismiss */
  action: string;
  candidateId?: string;
}

export interface SampleView {
  id: string;
  flow: string;
  modelVersion: string;
  recordId: string;
  field: string;
  value: unknown;
  context?: Record<string, unknown>;
  label?: 'correct' | 'incorrect' | null;
}

export interface GateView {
  flow: string;
  modelVersion: string;
  mode: string;
  reason: string;
  labelled: number;
  correct: number;
  lowerBound: number | null;
  threshold: number;
  sampleSize: number;
}

export interface MonitorView {
  flows: {
    flow: string;
    psi: number | null;
    ks: number | null;
    level: 'ok' | 'warn' | 'alert';
    bins: string[];
    training: number[];
    current: number[];
  }[];
  writeSuccess: { day: string; written: number; failed: number }[];
  alerts: { at: string; flow: string; message: string; level: string }[];
}

export interface ConsoleActions {
  resolveReview?(id: number, decision: ReviewDecision, by: string): Promise<string>;
  replayDeadLetter?(id: number): Promise<string>;
  rollbackRun?(runId: string): Promise<string>;
  /** Labels the samples a spec names ("s7", "s1-s100 s120") and re-evaluates their gates. */
  labelSamples?(samples: string, correct: boolean, by: string): Promise<string>;
  listSamples?(): Promise<SampleView[]>;
  gates?(): Promise<GateView[]>;
  monitor?(): Promise<MonitorView>;
  /** Each scoring flow's last stored model report (read only). */
  models?(): Promise<{ flow: string; report: (ModelReport & { active: boolean }) | null }[]>;
}
