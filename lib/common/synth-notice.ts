import { Construct, IConstruct } from 'constructs';
import { MeshforgeError } from '../validation/meshforge-error';

/** Marks SynthNotice instances across copies of this module. */
const SYNTH_NOTICE = Symbol.for('meshforge.SynthNotice');

/**
 * (In lib/common so that construct folders can add one and lib/synth can
 * collect them: neither may import the other.)
 *
 * One line synth prints after writing dist/, prefixed with the app's folder
 * and the construct path: a valid choice the user should know the
 * consequence of (e.g. a gateway host `*` that matches every host), not an
 * error.
 */
export class SynthNotice extends Construct {
  /** The notices under `scope`, in construct-tree order. */
  public static of(scope: IConstruct): SynthNotice[] {
    return scope.node.findAll().filter((c): c is SynthNotice => typeof c === 'object' && c !== null && SYNTH_NOTICE in c);
  }

  /** The line, without the path prefix. */
  public readonly text: string;

  constructor(scope: Construct, id: string, text: string) {
    super(scope, id);
    Object.defineProperty(this, SYNTH_NOTICE, { value: true });
    if (text.trim() === '' || text.includes('\n')) {
      throw new MeshforgeError('invalid synth notice', { code: 'INVALID_SYNTH_NOTICE', path: this.node.path, field: 'text', value: text, expected: 'one non-empty line' });
    }
    this.text = text;
  }
}
