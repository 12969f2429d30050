/**
 * The Salesforce conformance suites together answer every operation of the derived spec: each
 * operation belongs to exactly one suite, and each suite has its file, which checks that every
 * operation of the suite answered.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { suitesOf } from '../../conformance.js';
import { SALESFORCE_SPEC } from './index.js';
import { SALESFORCE_SUITES } from './suite.js';

describe('Salesforce conformance suites', () => {
  it('put every operation of the spec in exactly one suite', () => {
    const wrong = Object.keys(SALESFORCE_SPEC.operations)
      .map((op) => ({ op, suites: suitesOf(SALESFORCE_SUITES, op) }))
      .filter((o) => o.suites.length !== 1);
    expect(wrong).toEqual([]);
  });

  it('have one file each', () => {
    const missing = Object.keys(SALESFORCE_SUITES).filter(
      (s) => !existsSync(new URL(`../conformance.${s}.integration.test.ts`, import.meta.url)),
    );
    expect(missing).toEqual([]);
  });
});
