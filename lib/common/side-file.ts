import { Construct, IConstruct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';

/** Properties of a SideFile. */
export interface SideFileProps {
  /**
   * Path under `dist/<app>/`, e.g. `istio/mesh-config.yaml`: relative, `/`
   * separated, inside a sub-folder, and not a `.k8s.yaml` manifest name.
   */
  readonly path: string;
  /** The file's content; called once at synth, after every construct was added. */
  readonly content: () => string;
  /**
   * One line synth prints after writing dist/, prefixed with the file's path:
   * what the user must do with the file.
   * @default - none
   */
  readonly notice?: string;
}

/** A line synth prints about a side file. */
export interface SideFileNotice {
  /** Path under dist/<app>/. */
  readonly file: string;
  readonly text: string;
}

/** Marks SideFile instances across copies of this module. */
const SIDE_FILE = Symbol.for('meshforge.SideFile');

/**
 * (In lib/common so that construct folders can add one and lib/synth can
 * collect them: neither may import the other.)
 *
 * A file written under `dist/<app>/` that is NOT listed in `kustomization.yaml`,
 * so Argo CD, Flux and `kubectl apply -k` never apply it: configuration for
 * something meshforge does not own (e.g. the Istio install's mesh config),
 * kept next to the manifests that depend on it and regenerated with them.
 * It lives in a sub-folder, so `kubectl apply -f dist/<app>/` (not recursive)
 * does not pick it up either.
 */
export class SideFile extends Construct {
  /** Whether `x` is a SideFile. */
  public static isSideFile(x: unknown): x is SideFile {
    return typeof x === 'object' && x !== null && SIDE_FILE in x;
  }

  /** The side files under `scope`, in construct-tree order. */
  public static of(scope: IConstruct): SideFile[] {
    return scope.node.findAll().filter((c): c is SideFile => SideFile.isSideFile(c));
  }

  public readonly path: string;
  public readonly notice?: string;
  private readonly produce: () => string;

  constructor(scope: Construct, id: string, props: SideFileProps) {
    super(scope, id);
    Object.defineProperty(this, SIDE_FILE, { value: true });
    const p = props.path;
    const segments = p.split('/');
    const valid =
      segments.length >= 2 &&
      segments.every((s) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s) && s !== '..') &&
      !p.endsWith('.k8s.yaml') &&
      // kustomize would read one as a nested kustomization (lib/synth writes the real one; common cannot import synth)
      segments[segments.length - 1] !== 'kustomization.yaml';
    if (!valid) {
      throw new MeshforgeError('invalid side file path', {
        code: 'INVALID_SIDE_FILE_PATH',
        path: this.node.path,
        field: 'path',
        value: p,
        expected: 'a relative path inside a sub-folder of dist/<app>/ (e.g. "istio/mesh-config.yaml"), not ending in .k8s.yaml and not a kustomization.yaml',
      });
    }
    if (props.notice !== undefined && (props.notice.trim() === '' || props.notice.includes('\n'))) {
      throw new MeshforgeError('invalid side file notice', {
        code: 'INVALID_SIDE_FILE_NOTICE',
        path: this.node.path,
        field: 'notice',
        value: props.notice,
        expected: 'one non-empty line',
      });
    }
    this.path = p;
    this.notice = props.notice;
    this.produce = props.content;
  }

  /** Renders the content. */
  public render(): string {
    return this.produce();
  }
}
