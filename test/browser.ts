/**
 * Debian's chromium for browser tests, driven by playwright-core, started
 * with the flags this offline machine needs. Where chromium is missing the
 * test is skipped, except under CI, where it fails (scripts/setup.sh --test
 * installs it).
 *
 * @example
 * const browser = await launchChromium(t); if (browser === null) return;
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** A headless chromium, or null when the test was skipped for want of one. */
export async function launchChromium(t: TestContext): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === undefined) {
      t.skip(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh --test) to run the browser tests`);
      return null;
    }
    assert.fail(`${CHROMIUM} is missing under CI: scripts/setup.sh --test installs Debian's chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
