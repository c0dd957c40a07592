import { arr, isObject, obj, str, stringMap } from './manifest';

/**
 * Kubernetes label selector matching (`metav1.LabelSelector`): every
 * `matchLabels` pair and every `matchExpressions` requirement must hold
 * (k8s.io/apimachinery pkg/apis/meta/v1/helpers.go LabelSelectorAsSelector,
 * pkg/labels/selector.go Requirement.Matches). A selector the API server would
 * reject (unknown operator, In/NotIn without values, Exists with values)
 * matches nothing here.
 */
export interface ParsedSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly expressions: readonly { readonly key: string; readonly operator: string; readonly values: readonly string[] }[];
  /** False when the selector is malformed: it then matches nothing. */
  readonly valid: boolean;
  /** True when the selector has no requirement at all (`{}`). */
  readonly empty: boolean;
}

export function parseSelector(selector: unknown): ParsedSelector {
  const s = obj(selector);
  const matchLabels = stringMap(s.matchLabels);
  let valid = isObject(selector);
  const expressions = arr(s.matchExpressions).map((e) => {
    const x = obj(e);
    const key = str(x.key) ?? '';
    const operator = str(x.operator) ?? '';
    const values = arr(x.values).filter((v): v is string => typeof v === 'string');
    const needsValues = operator === 'In' || operator === 'NotIn';
    const noValues = operator === 'Exists' || operator === 'DoesNotExist';
    if (key === '' || (!needsValues && !noValues) || (needsValues && values.length === 0) || (noValues && values.length > 0)) valid = false;
    return { key, operator, values };
  });
  return { matchLabels, expressions, valid, empty: Object.keys(matchLabels).length === 0 && expressions.length === 0 };
}

/** Whether `labels` satisfy the selector. An empty selector matches everything (policy/v1 semantics). */
export function selectorMatches(selector: ParsedSelector, labels: Readonly<Record<string, string>>): boolean {
  if (!selector.valid) return false;
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false;
  for (const { key, operator, values } of selector.expressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      default: // DoesNotExist
        if (has) return false;
    }
  }
  return true;
}
