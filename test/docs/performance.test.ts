import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { ROOT, readDoc } from './markdown';

/**
 * docs/performance.md quotes the benchmark; its targets table must be the
 * one in bench/results.json (what `npm run bench` last wrote), so a new
 * benchmark run without a docs update fails here.
 */

interface Target {
  readonly name: string;
  readonly limit: string;
  readonly min: number;
  readonly median: number;
  readonly cpu: number;
  readonly pass: boolean;
}

const results = JSON.parse(fs.readFileSync(path.join(ROOT, 'bench/results.json'), 'utf8')) as {
  readonly environment: { readonly commit: string };
  readonly targets: readonly Target[];
};

function targetsTable(text: string): string[] {
  const lines = text.split('\n');
  const marker = lines.findIndex((l) => l.trim() === '<!-- bench-targets -->');
  if (marker < 0) return [];
  const start = lines.findIndex((l, i) => i > marker && l.startsWith('|'));
  const rows: string[] = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i]);
  return rows;
}

describe('docs/performance.md and bench/results.json', () => {
  const text = readDoc('docs/performance.md');

  it('the targets table is the one in bench/results.json', () => {
    const expected = results.targets.map(
      (t) => `| ${t.name} | ${t.limit} | ${t.min.toFixed(2)}× | ${t.median.toFixed(2)}× | ${t.cpu.toFixed(2)}× | ${t.pass ? 'met' : 'missed'} |`,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(targetsTable(text)).toEqual(expected);
  });

  it('names the commit the numbers were measured at', () => {
    expect(text).toContain(`commit \`${results.environment.commit}\``);
  });
});
