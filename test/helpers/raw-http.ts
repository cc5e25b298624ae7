import { connect } from 'node:net';

// Raw HTTP over a socket: what a hostile or broken client sends, byte for byte, and what the
// server answers before it closes (or until `waitMs`).

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
  /** The server closed the connection. */
  closed: boolean;
}

export function rawRequest(port: number, data: string | Buffer, waitMs = 3000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(raw, closed));
    };
    const timer = setTimeout(done, waitMs);
    socket.on('error', (err) => (raw ? done() : reject(err)));
    socket.on('data', (d) => {
      raw += d.toString('latin1');
      // One complete answer with a body of known length is enough.
      const a = parseAnswer(raw, false);
      if (a.status && a.headers['content-length'] !== undefined && Buffer.byteLength(a.body, 'latin1') >= Number(a.headers['content-length'])) done();
    });
    socket.on('close', () => {
      closed = true;
      done();
    });
    socket.write(data);
  });
}

export function parseAnswer(raw: string, closed: boolean): RawAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const head = end >= 0 ? raw.slice(0, end) : raw;
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]) || 0, headers, body: end >= 0 ? raw.slice(end + 4) : '', raw, closed };
}
