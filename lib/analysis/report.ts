import { fileLabel, objectName, renderTable } from '../policy/report';
import { AnalysisReport } from './types';

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The analyzer's part of the `npm run check` report: a summary line, then one row per finding. */
export function renderAnalysis(report: AnalysisReport): string {
  const { findings } = report;
  const errors = findings.filter((f) => f.level === 'error').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  const infos = findings.filter((f) => f.level === 'info').length;
  const suppressed = report.suppressed.length > 0 ? `, ${report.suppressed.length} suppressed by galley.istio.io/analyze-suppress` : '';
  const out: string[] = [];
  if (findings.length === 0) {
    out.push(`Mesh analysis passed: no findings${suppressed}.`);
    return out.join('\n');
  }
  out.push(`Mesh analysis ${errors > 0 ? 'FAILED' : 'passed'}: ${count(errors, 'error')}, ${count(warnings, 'warning')}, ${infos} info${suppressed}.`);
  out.push('');
  out.push(
    renderTable(
      ['LEVEL', 'CODE', 'OBJECT', 'FILE', 'MESSAGE', 'FIX'],
      findings.map((f) => [f.level.toUpperCase(), `${f.code} ${f.name}`, objectName(f.object), fileLabel(f.object), f.message, f.fix]),
    ),
  );
  return out.join('\n');
}
