import { AppDefinition, IstioApiLevel } from '../lib';
import observability from './observability';
import sandbox from './sandbox';
import shop from './shop';

export { gitops } from './gitops';
export { environments } from './environments';

/**
 * Istio API versions of dist/: "v1" (networking/security/telemetry.istio.io/v1) needs
 * Istio >= 1.22; "v1beta1" is for Istio 1.18-1.21. One setting for every app.
 */
export const istioApiLevel: IstioApiLevel = 'v1';

/**
 * Every app that `npm run synth` renders into dist/<environment>/<name>/ for
 * each environment it deploys to. A test fails if a folder under apps/ is
 * missing here.
 */
// Apps that others read come first (observability builds the shop to monitor its services), so a
// mistake in the shop is reported as the shop's, not as the observability app's.
export const apps: readonly AppDefinition[] = [shop, sandbox, observability];
