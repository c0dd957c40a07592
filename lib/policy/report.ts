import { ENVIRONMENT_RULE_IDS } from './environment/policies';
import { ObjectRef, PolicyReport } from './types';

/** `Deployment/shop/web`, or `ClusterRole/reader` for objects without a namespace. */
export function objectName(ref: ObjectRef): string {
  return ref.namespace !== undefined ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** A stable key of the object's position: file, document and List item. */
export function positionKey(ref: ObjectRef): string {
  return `${ref.file}\u0000${ref.index}\u0000${(ref.item ?? []).join('.')}`;
}

/** The file as shown in reports; a List item adds its position (`all.yaml items[2]`). */
export function fileLabel(ref: ObjectRef): string {
  return ref.item && ref.item.length > 0 ? `${ref.file} ${ref.item.map((i) => `items[${i}]`).join('.')}` : ref.file;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** With an ENVIRONMENT column first when some row belongs to an environment (`-` for the others). */
function withEnvironment(header: readonly string[], rows: readonly { ref: ObjectRef; cells: readonly string[] }[]): string {
  if (!rows.some((r) => r.ref.environment !== undefined)) return renderTable(header, rows.map((r) => r.cells));
  return renderTable(
    ['ENVIRONMENT', ...header],
    rows.map((r) => [r.ref.environment ?? '-', ...r.cells]),
  );
}

/** The report the CLI prints: a summary, the violations table, then honoured and unused exceptions (per object, then per environment). */
export function renderReport(report: PolicyReport): string {
  const { violations, exceptions, unusedExceptions, environmentExceptions, unusedEnvironmentExceptions } = report;
  // Objects per environment, e.g. "environments: dev 7, prod 8".
  const environments = report.environments.length > 0 ? `environments: ${report.environments.map((e) => `${e.name} ${e.objects}`).join(', ')}` : '';
  const scope = `${plural(report.objects, 'object')} in ${plural(report.files, 'file')}`;
  const out: string[] = [];
  if (violations.length === 0) {
    const envExceptions = report.environments.length > 0 ? `, ${plural(environmentExceptions.length, 'environment exception')}` : '';
    out.push(`Policy check passed: ${scope}${environments ? ` (${environments})` : ''}, no violations, ${plural(exceptions.length, 'honoured exception')}${envExceptions}.`);
  } else {
    const failing = new Set(violations.map((v) => positionKey(v.object))).size;
    out.push(`Policy check FAILED: ${plural(violations.length, 'violation')} in ${plural(failing, 'object')} (${scope} checked${environments ? `; ${environments}` : ''}).`);
    out.push('');
    out.push(
      withEnvironment(
        ['OBJECT', 'FILE', 'RULE', 'MESSAGE', 'FIX'],
        violations.map((v) => ({ ref: v.object, cells: [objectName(v.object), fileLabel(v.object), v.rule, v.message, v.fix] })),
      ),
    );
  }
  if (exceptions.length > 0) {
    out.push('');
    out.push(`Honoured exceptions (${exceptions.length}):`);
    out.push(
      withEnvironment(
        ['OBJECT', 'FILE', 'RULE', 'REASON', 'SUPPRESSED'],
        exceptions.map((e) => ({ ref: e.object, cells: [objectName(e.object), fileLabel(e.object), e.rule, e.reason, plural(e.suppressed.length, 'finding')] })),
      ),
    );
  }
  if (unusedExceptions.length > 0) {
    out.push('');
    out.push(`Unused exceptions (${unusedExceptions.length}): the rule passes without them; remove the annotations:`);
    out.push(withEnvironment(['OBJECT', 'FILE', 'RULE', 'REASON'], unusedExceptions.map((e) => ({ ref: e.object, cells: [objectName(e.object), fileLabel(e.object), e.rule, e.reason] }))));
  }
  if (environmentExceptions.length > 0) {
    out.push('');
    out.push(`Environment exceptions (${environmentExceptions.length}):`);
    out.push(
      renderTable(
        ['ENVIRONMENT', 'RULE', 'REASON', 'SUPPRESSED'],
        environmentExceptions.map((e) => [
          e.environment,
          e.rule,
          e.reason,
          `${plural(e.suppressed.length, 'finding')} in ${plural(new Set(e.suppressed.map((v) => positionKey(v.object))).size, 'object')}`,
        ]),
      ),
    );
  }
  if (unusedEnvironmentExceptions.length > 0) {
    out.push('');
    out.push(`Unused environment exceptions (${unusedEnvironmentExceptions.length}): the rule passes in the environment without them; remove them from its policy:`);
    out.push(renderTable(['ENVIRONMENT', 'RULE', 'REASON'], unusedEnvironmentExceptions.map((e) => [e.environment, e.rule, e.reason])));
  }
  if (violations.length > 0) {
    out.push('');
    out.push('An exception is declared per object with the annotation policy.meshforge.io/allow-<rule>: "<reason>" (see docs/security.md, "Exceptions").');
    if (violations.some((v) => v.object.environment !== undefined && (ENVIRONMENT_RULE_IDS as readonly string[]).includes(v.rule))) {
      out.push('An environment relaxes an env-* rule only by an exception { rule, reason } in its policy (see docs/security.md, "Environment policy").');
    }
  }
  return out.join('\n');
}
