import type { DestinationStream } from 'pino';

// Human-readable log lines for a terminal (`npm run dev`, `npm start` by hand): time, level,
// message, then the other fields as key=value. Anything else (a pipe, a file, a container log
// driver) gets the JSON lines untouched.

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

export function formatLine(line: string, color = true): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = Number(o.level);
  const time = new Date(Number(o.time) || Date.now()).toISOString().slice(11, 23);
  const name = LEVELS[level] ?? String(o.level);
  const tag = color ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name;
  const rest = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => {
      if (k === 'err' && v && typeof v === 'object' && 'stack' in v) return `\n    ${String((v as { stack: unknown }).stack).replace(/\n/g, '\n    ')}`;
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    })
    .join(' ');
  return `${time} ${tag} ${String(o.msg ?? '')}${rest ? ` ${rest}` : ''}\n`;
}

export function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void out.write(formatLine(line)) };
}
