import { describe, expect, it } from 'vitest';
import { completeEngagement, emailHeaderValues, isEngagement } from './engagements.js';

describe('engagement values HubSpot fills in', () => {
  it('reads sender and recipients out of hs_email_headers, bare addresses from "Name <addr>"', () => {
    expect(
      emailHeaderValues(
        JSON.stringify({
          from: { email: 'Ann Lee <ann@buyer.example>', firstName: 'Ann', lastName: 'Lee' },
          to: [{ email: 'rep@seller.example' }, { email: 'Kim <kim@seller.example>', firstName: 'Kim' }],
          cc: [],
          bcc: [{ email: 'log@seller.example' }],
        }),
      ),
    ).toEqual({
      hs_email_from_email: 'ann@buyer.example',
      hs_email_from_firstname: 'Ann',
      hs_email_from_lastname: 'Lee',
      hs_email_to_email: 'rep@seller.example;kim@seller.example',
      hs_email_to_firstname: 'Kim',
      hs_email_bcc_email: 'log@seller.example',
    });
  });

  it('keeps headers that are not JSON and derives nothing from them', () => {
    expect(emailHeaderValues('From: ann@buyer.example')).toEqual({});
  });

  it('requires hs_timestamp; a meeting takes its start time', () => {
    const meeting: Record<string, string> = { hs_meeting_start_time: '2026-11-21T14:00:00.000Z' };
    expect(completeEngagement('meetings', meeting)).toBeNull();
    expect(meeting.hs_timestamp).toBe('2026-11-21T14:00:00.000Z');
    expect(completeEngagement('calls', { hs_call_title: 'x' })).toEqual({ name: 'hs_timestamp', message: 'hs_timestamp is required' });
    const email: Record<string, string> = { hs_timestamp: '2026-11-21T14:00:00.000Z', hs_email_headers: '{"from":{"email":"a@b.example"}}' };
    expect(completeEngagement('emails', email)).toBeNull();
    expect(email.hs_email_from_email).toBe('a@b.example');
  });

  it('knows its object types', () => {
    expect(['emails', 'meetings', 'calls', 'notes'].map(isEngagement)).toEqual([true, true, true, false]);
  });
});
