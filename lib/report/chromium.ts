// Headless Chromium for looking at reports: find the browser and screenshot a local HTML file.
// Debian / Ubuntu: `apt-get install -y chromium`; or point CHROMIUM at any Chrome / Chromium binary.
import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** `$CHROMIUM`, else the first of chromium / chromium-browser / google-chrome on PATH; null if none. */
export async function findChromium(): Promise<string | null> {
  const candidates = process.env.CHROMIUM
    ? [process.env.CHROMIUM]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .flatMap((dir) => NAMES.map((name) => join(dir, name)));
  for (const path of candidates) {
    try {
      await fs.access(path, constants.X_OK);
      return path;
    } catch {
      // not there: try the next
    }
  }
  return null;
}

export interface ScreenshotOptions {
  readonly width?: number;
  readonly height?: number;
  readonly timeoutMs?: number;
}

/** Render `htmlPath` in headless Chromium (no sandbox, no GPU, no network needed) and save a PNG screenshot. */
export async function screenshotHtml(chromium: string, htmlPath: string, pngPath: string, options: ScreenshotOptions = {}): Promise<void> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--no-first-run',
    `--window-size=${options.width ?? 1280},${options.height ?? 1600}`,
    `--screenshot=${resolve(pngPath)}`,
    pathToFileURL(resolve(htmlPath)).href,
  ];
  await promisify(execFile)(chromium, args, { timeout: options.timeoutMs ?? 60_000 });
  await fs.access(pngPath);
}
