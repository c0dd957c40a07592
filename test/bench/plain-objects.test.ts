import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { addK8sService } from '../../bench/k8s-service';
import { plainServiceObjects } from '../../bench/plain-objects';
import { benchServiceSpec } from '../../bench/spec';

describe('benchmark plain objects', () => {
  it.each([0, 7, 1234])('are exactly what cdk8s renders for service %i (values and key order)', (i) => {
    const spec = benchServiceSpec(i);
    for (const chartId of ['services', spec.name]) {
      const app = new App({ outdir: '/nonexistent' });
      const chart = new Chart(app, chartId);
      addK8sService(chart, spec);
      const rendered = chart.toJson();
      expect(JSON.stringify(plainServiceObjects(spec, chartId))).toBe(JSON.stringify(rendered));
    }
  });
});
