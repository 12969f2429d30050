/**
 * How the simulators post their webhooks: plain node:http on keep-alive connections, as a CRM's
 * delivery service would. Each simulator has its own sender, closed with it.
 */
import http from 'node:http';
import https from 'node:https';

export interface WebhookAnswer {
  /** The HTTP status; 0 when the receiver could not be reached or did not answer in time. */
  status: number;
  body: string;
}

export interface WebhookSender {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<WebhookAnswer>;
  /** Drops the kept-alive connections. */
  close(): void;
}

export function webhookSender(): WebhookSender {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };
  return {
    post(url, headers, body, timeoutMs) {
      return new Promise<WebhookAnswer>((resolve) => {
        let target: URL;
        try {
          target = new URL(url);
        } catch {
          return resolve({ status: 0, body: '' });
        }
        const secure = target.protocol === 'https:';
        const payload = Buffer.from(body);
        const req = (secure ? https : http).request(
          target,
          { method: 'POST', headers: { ...headers, 'content-length': String(payload.length) }, agent: secure ? agents.https : agents.http, timeout: timeoutMs },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', () => resolve({ status: 0, body: '' }));
          },
        );
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', () => resolve({ status: 0, body: '' }));
        req.end(payload);
      });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
