import { AppDefinition } from '../lib';
import observability from './observability';
import sandbox from './sandbox';

/**
 * Every app that `npm run synth` renders into dist/<name>/. A test fails if a
 * folder under apps/ is missing here.
 */
export const apps: readonly AppDefinition[] = [observability, sandbox];
