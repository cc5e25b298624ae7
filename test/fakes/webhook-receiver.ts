import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

// A backend receiving otpgate's webhooks on 127.0.0.1, verifying each signature with the
// `standardwebhooks` package exactly as the README tells receivers to. `answer` decides the
// status per request (n counts requests from 1); 'hang' never answers.

export interface ReceivedHook {
  id: string;
  type: string;
  verificationId: string;
  body: any;
  headers: IncomingHttpHeaders;
  /** The signature verified with the receiver's secret. */
  verified: boolean;
}

export type Answer = number | 'hang' | { status: number; headers?: Record<string, string>; body?: string };

export async function startReceiver(secret: string, answer: (n: number, hook: ReceivedHook) => Answer = () => 204) {
  const hooks: ReceivedHook[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let n = 0;
  let connections = 0;
  const wh = new Webhook(secret);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        wh.verify(raw, req.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
      const body = JSON.parse(raw);
      const hook: ReceivedHook = { id: String(req.headers['webhook-id']), type: body.type, verificationId: body.data?.id, body, headers: req.headers, verified };
      hooks.push(hook);
      const a = receiver.answer(++n, hook);
      if (a === 'hang') {
        hanging.add(res);
        return;
      }
      const { status, headers = {}, body: out = '' } = typeof a === 'number' ? { status: a } : a;
      res.writeHead(status, headers).end(out);
    });
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const receiver = {
    url,
    hooks,
    answer,
    /** Delivered (2xx-answered) hooks would need the answer; tests look at what arrived. */
    ofVerification: (id: string) => hooks.filter((h) => h.verificationId === id),
    sockets: () => sockets.size,
    /** Every TCP connection ever accepted. */
    connections: () => connections,
    async close() {
      for (const r of hanging) r.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return receiver;
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('otpgate-test-webhook-secret-0123456789').toString('base64')}`;
