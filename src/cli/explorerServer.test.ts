import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileModel } from '../core/model.ts';
import { model as violating } from '../testing/fixtures/violating.ts';
import { startExplorer, type RunningExplorer } from './explorerServer.ts';

/** Sends raw bytes and returns the status line of the answer (or '' when the server closed without one). */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
  });
}

describe('the explorer server survives any request (issue 13, defect 10)', () => {
  let server: RunningExplorer;
  let port: number;
  beforeAll(async () => {
    server = await startExplorer(compileModel(violating), { model: 'fixtures/violating', params: {}, verdict: 'violation' }, { host: '127.0.0.1', port: 0 });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());

  const host = (): string => `Host: 127.0.0.1:${port}\r\n`;
  const cases = (): string[] => [
    `GET http://[ HTTP/1.1\r\n${host()}\r\n`,
    `GET //[::1 HTTP/1.1\r\n${host()}\r\n`,
    `GET /api/position?path=%zz HTTP/1.1\r\n${host()}\r\n`,
    `GET /api/position?path=99/99/99 HTTP/1.1\r\n${host()}\r\n`,
    `GET /api/position?path=${'0/'.repeat(5000)}0 HTTP/1.1\r\n${host()}\r\n`,
    `GET / HTTP/1.1\r\nHost: [\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil\r\n\r\n`,
    `BREW /\r\n\r\n`,
    `GET / HTTP/9.9\r\n${host()}\r\n`,
    `\u0000\u0001\u0002garbage\r\n\r\n`,
    `GET /${'a'.repeat(20000)} HTTP/1.1\r\n${host()}\r\n`,
    `GET / HTTP/1.1\r\n${host()}Content-Length: -1\r\n\r\n`,
    `POST /api/position HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
  ];

  it('answers malformed request lines, headers and paths, and keeps serving', async () => {
    for (const request of cases()) {
      const status = await raw(port, request);
      expect(status === '' || /^HTTP\/1\.[01] [1-5]\d\d/.test(status), `${JSON.stringify(request.slice(0, 40))} → ${status}`).toBe(true);
      const ok = await fetch(server.url);
      expect(ok.status).toBe(200);
    }
  });

  it('random request lines do not end it either', async () => {
    let seed = 13;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const alphabet = 'GET /?=&%[]:@#\\\r\n\u0000\u00ff0123456789abcHTTP/1.';
    for (let i = 0; i < 60; i++) {
      const junk = Array.from({ length: 1 + rand(60) }, () => alphabet[rand(alphabet.length)]).join('');
      await raw(port, `${junk}\r\n${host()}\r\n`);
    }
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('forbids framing by another origin', async () => {
    const r = await fetch(server.url);
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });
});
