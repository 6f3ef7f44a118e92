import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { runCli } from '../cli/cli.ts';
import type { Output } from '../cli/output.ts';
import { haveChromium, launchChromium } from '../testing/chromium.ts';

const quiet: Output = { stdout: () => {}, stderr: () => {}, status: () => {}, stderrIsTTY: false, color: false };

async function checkJson(...argv: string[]): Promise<any> {
  let text = '';
  await runCli([...argv, '--json'], { ...quiet, stdout: (t) => (text += t) });
  return JSON.parse(text);
}

/** Opens a report and records every request the page makes. */
async function open(context: BrowserContext, file: string): Promise<{ page: Page; requests: string[] }> {
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  return { page, requests };
}

describe.skipIf(!haveChromium())('HTML report in chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    mkdirSync('reports', { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => browser?.close());

  it('hmm/v5.2-valid-flag: every actor and step is in the diagram, a click shows the state, no network', async () => {
    const file = resolve('reports/v5.2.html');
    expect(await runCli(['check', 'hmm/v5.2-valid-flag', '--html', file], quiet)).toBe(1);
    const json = await checkJson('check', 'hmm/v5.2-valid-flag');
    const { page, requests } = await open(browser.context, file);

    for (const actor of ['driver', 'munmap', 'reclaim']) {
      await expect(page.locator(`.lifeline[data-actor="${actor}"] .actor-name`).textContent()).resolves.toBe(actor);
    }
    const steps = page.locator('svg .step');
    expect(await steps.count()).toBe(json.trace.steps.length);
    for (const [i, s] of (json.trace.steps as { actor: string; label: string }[]).entries()) {
      const g = page.locator(`svg .step[data-step="${i + 1}"]`);
      expect(await g.getAttribute('data-actor')).toBe(s.actor);
      expect(await g.locator('title').textContent()).toBe(`${i + 1}. ${s.actor}: ${s.label}`);
    }
    expect(await page.locator('svg .step.violating').count()).toBe(1);
    await expect(page.locator('svg .violation text').textContent()).resolves.toContain('lock discipline');
    expect(await page.locator('svg .seg.holding').count()).toBeGreaterThan(0);
    expect(await page.locator('svg .seg.waiting').count()).toBeGreaterThan(0);

    await page.locator('svg .step[data-step="2"]').click();
    await expect(page.locator('#details h2').textContent()).resolves.toBe('Step 2: driver');
    await expect(page.locator('#changes').textContent()).resolves.toContain('hmm.lock.owner');
    await expect(page.locator('#state tr.changed').first().textContent()).resolves.toContain('held by driver');
    await page.screenshot({ path: 'reports/v5.2-report.png', fullPage: true });

    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
  });

  it('model text that looks like markup renders as text and runs nothing', async () => {
    const file = resolve('reports/hostile-labels.html');
    expect(await runCli(['check', 'src/testing/fixtures/hostile-labels.ts', '--html', file], quiet)).toBe(1);
    const { page } = await open(browser.context, file);
    expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('.lifeline').first().getAttribute('data-actor')).toBe('A<script>window.pwned = 3</script>');
    await expect(page.locator('.lifeline .actor-name').first().textContent()).resolves.toMatch(/^A<script>/);
    await expect(page.locator('svg .step[data-step="1"] title').textContent()).resolves.toContain('<script>window.pwned = 1</script>');
    await expect(page.locator('svg .step[data-step="1"] .label').textContent()).resolves.toContain('<script>window.pwned');
    await page.locator('svg .step[data-step="2"]').click();
    await expect(page.locator('#details .label').textContent()).resolves.toBe('wrote[tid] = 1 </script><img src=x onerror="window.pwned = 2">');
    await expect(page.locator('header').textContent()).resolves.toContain('</script><script>window.pwned = 4</script>');
  });
});
