/**
 * Test and benchmark support (not shipped): a local OpenAI-compatible chat-completions server on
 * 127.0.0.1 (Fastify). Well-behaved, it answers intent with a keyword rule (quote, contract, buy →
 * high, else medium) and summaries with one fixed sentence; its other modes answer junk in every
 * way seen in the field.
 */
import Fastify, { type FastifyInstance } from 'fastify';

export type FakeLlmMode =
  | 'good'
  | 'wrong-label'
  | 'malformed'
  | 'prose'
  | 'refusal'
  | 'slow'
  | 'error500'
  | 'too-long'
  | 'extra-key';

export interface FakeLlmRequest {
  body: {
    model: string;
    messages: { role: string; content: string }[];
    response_format?: {
      type: string;
      json_schema?: { schema: { properties: Record<string, { enum?: string[] }> } };
    };
  };
  auth: string | undefined;
}

function completion(content: string | null, refusal: string | null = null) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_764_320_000,
    model: 'fake-1',
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal }, finish_reason: 'stop', logprobs: null },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

export async function fakeLlm(
  mode: () => FakeLlmMode,
  seen: FakeLlmRequest[] = [],
): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify();
  app.post('/v1/chat/completions', async (req, reply) => {
    const body = req.body as FakeLlmRequest['body'];
    seen.push({ body, auth: req.headers.authorization });
    const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
    const isSummary = body.messages[0].content.startsWith('Summarise');
    const good = isSummary
      ? { summary: 'Budget $40k; proposal by Friday.' }
      : {
          label: /quote|contract|buy/i.test(user) ? 'high' : 'medium',
          confidence: 0.9,
          reason: 'Asks for a quote.',
        };
    switch (mode()) {
      case 'good':
        return completion(JSON.stringify(good));
      case 'wrong-label':
        return completion(JSON.stringify({ label: 'urgent', confidence: 0.99, reason: 'very keen' }));
      case 'malformed':
        return completion('{"label": "high", "confidence": 0.9,');
      case 'prose':
        return completion(
          `Sure! Here is the classification:\n${JSON.stringify(good)}\nLet me know if you need more.`,
        );
      case 'refusal':
        return completion(null, 'I cannot help with that.');
      case 'slow':
        // well past the client's timeout, which leaves a loaded machine room for a good answer
        await new Promise((r) => setTimeout(r, 8000));
        return completion(JSON.stringify(good));
      case 'error500':
        return reply.code(500).send({ error: { message: 'upstream overloaded', type: 'server_error' } });
      case 'too-long':
        return completion(
          JSON.stringify(
            isSummary
              ? { summary: 'x'.repeat(500) }
              : { label: 'High', confidence: 0.9, reason: 'label, not value' },
          ),
        );
      case 'extra-key':
        return completion(JSON.stringify({ ...good, value: 'high', sql: 'DROP TABLE' }));
    }
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { app, url: `http://127.0.0.1:${addr.port}/v1` };
}
