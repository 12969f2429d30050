/**
 * Webhook signatures against the published test vectors (reference §8.4).
 */
import { describe, expect, it } from 'vitest';
import { signV1, signV3 } from './webhooks.js';

const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';

describe('signatures (§8.4)', () => {
  it.each([
    [
      'POST',
      'https://www.example.com/webhook_uri',
      "{'example_field':'example_value'}",
      '1693657560000',
      'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=',
    ],
    [
      'POST',
      'https://www.example.com/webhook_uri',
      "{'example_field':'example_value'}",
      '1700000300000',
      'RnbPH7+UMKVkbV32P8bz450N4M56aPmcru1+D3kSDtw=',
    ],
    [
      'POST',
      'https://www.example.com/webhook_uri',
      '{"example_field":"example_value"}',
      '1700000000000',
      'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=',
    ],
  ])('v3 %s %s %s %s', (method, uri, body, ts, want) =>
    expect(signV3(SECRET, method, uri, body, ts)).toBe(want),
  );

  it('v1 of the SDK fixture body', () => {
    const body =
      '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
    expect(signV1(SECRET, body)).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
  });
});
