import { AppDefinition } from '../lib';
import observability from './observability';
import sandbox from './sandbox';
import shop from './shop';

export { gitops } from './gitops';

/**
 * Every app that `npm run synth` renders into dist/<name>/. A test fails if a
 * folder under apps/ is missing here.
 */
export const apps: readonly AppDefinition[] = [observability, sandbox, shop];
