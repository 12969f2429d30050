import { describe, expect, it } from 'vitest';
import { deliveredUrl } from './ingress.js';

/** A delivery as the server sees it behind a TLS-terminating proxy: http, the internal Host. */
const behindProxy = (headers: Record<string, string> = {}) => ({ url: 'http://10.0.0.5:4600/webhooks/hubspot?portal=1', headers });

describe('the address a webhook was posted to (what HubSpot signs)', () => {
  it('is the request’s own URL when nothing says otherwise', () => {
    expect(deliveredUrl(behindProxy())).toBe('http://10.0.0.5:4600/webhooks/hubspot?portal=1');
  });

  it('takes scheme, host and port from server.publicUrl, keeping the request’s path and query', () => {
    expect(deliveredUrl(behindProxy(), { publicUrl: 'https://crm-hooks.example.com' })).toBe('https://crm-hooks.example.com/webhooks/hubspot?portal=1');
    expect(deliveredUrl(behindProxy(), { publicUrl: 'https://crm-hooks.example.com:8443/' })).toBe('https://crm-hooks.example.com:8443/webhooks/hubspot?portal=1');
    // publicUrl is what the operator said; a forwarded header does not override it
    expect(deliveredUrl(behindProxy({ 'x-forwarded-host': 'evil.example' }), { publicUrl: 'https://crm-hooks.example.com', trustProxy: true })).toBe(
      'https://crm-hooks.example.com/webhooks/hubspot?portal=1',
    );
  });

  it('believes X-Forwarded-Proto and X-Forwarded-Host only with server.trustProxy', () => {
    const forwarded = behindProxy({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm-hooks.example.com' });
    expect(deliveredUrl(forwarded)).toBe('http://10.0.0.5:4600/webhooks/hubspot?portal=1');
    expect(deliveredUrl(forwarded, { trustProxy: true })).toBe('https://crm-hooks.example.com/webhooks/hubspot?portal=1');
    // a chain of proxies: the first (client-facing) value counts
    expect(deliveredUrl(behindProxy({ 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'a.example, b.internal' }), { trustProxy: true })).toBe(
      'https://a.example/webhooks/hubspot?portal=1',
    );
    // only the scheme forwarded: the request's own host stays
    expect(deliveredUrl(behindProxy({ 'x-forwarded-proto': 'https' }), { trustProxy: true })).toBe('https://10.0.0.5:4600/webhooks/hubspot?portal=1');
    // a scheme that is not http(s) is not believed
    expect(deliveredUrl(behindProxy({ 'x-forwarded-proto': 'javascript' }), { trustProxy: true })).toBe('http://10.0.0.5:4600/webhooks/hubspot?portal=1');
  });
});
