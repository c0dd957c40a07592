import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/synth';
import { SynthNotice, defineApp } from '../../lib';
import { tmpDir } from '../helpers';

describe('SynthNotice', () => {
  it('synth prints it after writing dist/, under the app folder and with the construct path', () => {
    const dir = path.join(tmpDir(), 'dist');
    const lines: string[] = [];
    const app = defineApp({
      name: 'web',
      description: 'a notice',
      build(a: App) {
        const chart = new Chart(a, 'base');
        new kplus.Namespace(chart, 'ns', { metadata: { name: 'web' } });
        new SynthNotice(chart, 'wide', 'this matches every host');
      },
    });
    expect(main({ apps: [app], outdir: dir, log: (l) => lines.push(l) })).toBe(0);
    expect(lines.at(-1)).toBe(`${path.relative(process.cwd(), path.join(dir, 'web'))}: base/wide: this matches every host`);
  });

  it('is one non-empty line (INVALID_SYNTH_NOTICE)', () => {
    for (const text of ['', ' ', 'a\nb']) {
      expect(() => new SynthNotice(new Chart(new App(), 'c'), 'n', text)).toThrowError(
        `[c/n] invalid synth notice; field: text; value: ${JSON.stringify(text)}; expected: one non-empty line`,
      );
    }
  });
});
