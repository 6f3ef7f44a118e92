import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { catalog } from '../../models/index.ts';
import { haveChromium, launchChromium } from '../testing/chromium.ts';
import { loopbackHost, startExplorer, type RunningExplorer } from './explorerServer.ts';
import { prepareExplorer } from './runExplore.ts';

const flagship = catalog.find((m) => m.name === 'hmm/v5.2-valid-flag')!;

function get(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('explorer server', () => {
  let server: RunningExplorer;
  beforeAll(async () => {
    const { model, info } = prepareExplorer(flagship, { params: { driver: 'doc' }, check: false });
    server = await startExplorer(model, info, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => server?.close());

  it('listens on 127.0.0.1 and refuses requests addressed to other hosts', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = new URL(server.url).port;
    expect(await get(server.url, `127.0.0.1:${port}`)).toBe(200);
    expect(await get(server.url, `localhost:${port}`)).toBe(200);
    expect(await get(server.url, `evil.example:${port}`)).toBe(403);
    expect(await get(server.url, `127.0.0.1:${Number(port) + 1}`)).toBe(403);
    expect(await get(`${server.url}api/position?path=a/b`, `127.0.0.1:${port}`)).toBe(400);
  });

  it('--host accepts loopback names only', () => {
    expect(loopbackHost('localhost')).toBe('127.0.0.1');
    expect(loopbackHost('::1')).toBe('::1');
    expect(() => loopbackHost('0.0.0.0')).toThrow('--host must be a loopback address');
    expect(() => loopbackHost('192.168.1.5')).toThrow('--host must be a loopback address');
  });
});

describe.skipIf(!haveChromium())('explorer in chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let server: RunningExplorer;
  let violation: string;
  beforeAll(async () => {
    const { model, info } = prepareExplorer(flagship, { params: { driver: 'doc' }, check: true });
    violation = info.violation!.path;
    server = await startExplorer(model, info, { host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const at = async (page: Page, path: string): Promise<void> => {
    await page.locator(`body[data-path="${path}"]`).waitFor({ state: 'attached' });
  };

  it('drives the stale-mapping counterexample by clicks, goes back, restarts and jumps to the violation', async () => {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await at(page, '');
    for (const actor of ['driver', 'munmap', 'reclaim']) expect(await page.locator(`#steps .actor[data-actor="${actor}"]`).count()).toBe(1);
    const stale = page.locator('#properties li[data-name="no stale device mapping"]');
    expect(await stale.getAttribute('data-status')).toBe('holds');

    const choices = violation.split('/');
    for (let k = 0; k < choices.length; k++) {
      await page.locator(`#steps button.choice[data-choice="${choices[k]}"]`).click();
      await at(page, choices.slice(0, k + 1).join('/'));
    }
    expect(await stale.getAttribute('data-status')).toBe('fails');
    await expect(page.locator('#problem').textContent()).resolves.toContain('"no stale device mapping" violated');
    expect(await page.locator('#history li').count()).toBe(choices.length);
    await page.screenshot({ path: 'reports/explorer.png', fullPage: true });

    await page.locator('#back').click();
    await at(page, choices.slice(0, -1).join('/'));
    expect(await stale.getAttribute('data-status')).toBe('holds');

    await page.locator('#history li[data-step="3"]').click();
    await at(page, choices.slice(0, 3).join('/'));

    await page.locator('#restart').click();
    await at(page, '');
    expect(await page.locator('#back').isDisabled()).toBe(true);

    await page.locator('#jump').click();
    await at(page, violation);
    expect(await stale.getAttribute('data-status')).toBe('fails');
  });
});
