import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { describe, expect, it } from 'vitest';
import { writeReports } from '../../lib/report/report';
import { tmpDir } from '../helpers';
import { colourStats, decodePng } from './png';

/**
 * The pages as a person sees them: Debian's chromium (installed by .ci/run) renders
 * each report headless; the DOM must carry the services and weights and the
 * screenshot must show a picture. Set MESHFORGE_SKIP_BROWSER=1 to skip on a machine
 * without chromium (CI never sets it).
 */
const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM ?? 'chromium';
const skip = process.env.MESHFORGE_SKIP_BROWSER === '1';

function chromium(args: string[]): Buffer {
  const profile = tmpDir('meshforge-chromium-');
  try {
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--hide-scrollbars',
      // Paint every tile before the screenshot: on a busy machine chromium otherwise captures a half-painted page.
      '--run-all-compositor-stages-before-draw'];
    return execFileSync(CHROMIUM, [...flags, ...args], { maxBuffer: 64 << 20, timeout: 90_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

describe.skipIf(skip)('reports rendered by headless chromium', () => {
  it('chromium is installed (.ci/run installs Debian chromium)', () => {
    const r = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' });
    expect(r.error, `${CHROMIUM} not found: run .ci/run or apt-get install chromium, or set MESHFORGE_SKIP_BROWSER=1`).toBeUndefined();
    expect(r.stdout).toMatch(/Chromium \d+/);
  });

  const out = tmpDir('meshforge-report-');
  const pages = writeReports('dist', out, { cwd: ROOT }).map((f) => path.resolve(ROOT, f));

  it.each(pages.map((p) => [path.relative(out, p), p]))('%s renders: DOM and a non-blank screenshot', (name, page) => {
    // One browser start does both: the DOM after load on stdout, the screenshot to a file.
    const png = path.join(out, `${name.replace(/\W/g, '_')}.png`);
    const dom = chromium(['--window-size=1400,1000', `--screenshot=${png}`, '--dump-dom', `file://${page}`]).toString('utf8');
    expect(dom).toContain('<h1>meshforge topology · ');
    expect(dom).toContain('<section id="services"><h2>Services, ports and versions</h2>');
    const stats = colourStats(decodePng(fs.readFileSync(png)));
    // A blank page is one colour; the header, boxes, text and anti-aliasing give hundreds.
    expect(stats.colours).toBeGreaterThan(50);
    expect(stats.foreground).toBeGreaterThan(0.03);

    if (name === 'shop.html') {
      expect(dom).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="graph"');
      for (const service of ['storefront', 'cart', 'catalog', 'orders-db']) expect(dom).toContain(`data-id="service:shop/${service}"`);
      expect(dom).toMatch(/v1 90% · cart:[^<]+<\/text>/);
      expect(dom).toMatch(/v2 10% · cart:[^<]+<\/text>/);
      expect(dom).toContain('shop.example.com');
      expect(dom).toContain('paths /api/cart, /api/cart/*');
    }
    // A browser start takes 10-30 s on a busy 2-core machine.
  }, 180_000);

  it('the PNG check sees a blank image as blank', () => {
    // A 64×64 white RGBA image with filter 0 rows: one colour, no foreground.
    const ihdr = Buffer.from([0, 0, 0, 64, 0, 0, 0, 64, 8, 6, 0, 0, 0]);
    const raw = Buffer.concat(Array.from({ length: 64 }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(64 * 4, 255)])));
    const chunk = (type: string, data: Buffer): Buffer => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
    };
    const file = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
    expect(colourStats(decodePng(file))).toEqual({ colours: 1, foreground: 0 });
  });
});
