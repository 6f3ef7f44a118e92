/**
 * `interleave explore`: a small HTTP server on the loopback interface only. It answers the page and
 * `/api/position?path=…`; requests whose Host header is not a loopback name (DNS rebinding) get 403.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelError, UsageError } from '../core/errors.ts';
import type { Model } from '../core/model.ts';
import { parsePath } from '../explorer/result.ts';
import { explorerPage, type ExplorerInfo } from '../report/explorerPage.ts';
import { position } from '../trace/exploration.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Accepts only loopback names for `--host`; the explorer serves one developer's machine. */
export function loopbackHost(host: string): string {
  if (!LOOPBACK.has(host)) throw new UsageError(`--host must be a loopback address (127.0.0.1, localhost or ::1), got "${host}": the explorer is not meant to be reachable from other machines`);
  return host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, '');
}

function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  return m !== null && LOOPBACK.has(m[1]!) && (m[2] === undefined || Number(m[2]) === port);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // No other page may frame the explorer (clickjacking its step buttons).
    'content-security-policy': "frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  });
  res.end(body);
}

/** The request target as a URL, or undefined when it cannot be one (`GET http://[ HTTP/1.1`). */
function targetOf(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

export interface RunningExplorer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startExplorer<G>(model: Model<G>, info: ExplorerInfo, options: { host: string; port: number }): Promise<RunningExplorer> {
  const page = explorerPage(info);
  let port = options.port;
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    if (!hostAllowed(req, port)) {
      send(res, 403, 'text/plain; charset=utf-8', 'refused: the explorer answers only requests addressed to 127.0.0.1 or localhost\n');
      return;
    }
    const url = targetOf(req);
    if (url === undefined) return send(res, 400, 'text/plain; charset=utf-8', 'malformed request target\n');
    if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n');
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', page);
    if (url.pathname === '/api/position') {
      const path = parsePath(url.searchParams.get('path') ?? '');
      if (path === undefined) return send(res, 400, 'application/json', JSON.stringify({ error: 'path must look like 0/2/1/4' }));
      try {
        return send(res, 200, 'application/json', JSON.stringify(position(model, path)));
      } catch (e) {
        if (e instanceof ModelError) return send(res, 400, 'application/json', JSON.stringify({ error: e.message }));
        throw e;
      }
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };
  // One bad request must not end the server: whatever a request makes throw is answered with 500.
  const server = createServer((req, res) => {
    try {
      answer(req, res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    }
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new UsageError(`port ${options.port} is in use; pick another with --port`) : e),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
