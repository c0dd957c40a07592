import { Construct } from 'constructs';
import { PlainJson, PlainResource, reorderChildren } from './fast-render';

/**
 * The stand-ins of a MeshService's cdk8s-plus objects (ServiceAccount,
 * ConfigMap, Service, Deployments): while active, each is a `PlainResource`
 * holding its final JSON; the first escape hatch or `addSidecar` builds the
 * real objects in their place, at the same paths and in the same order (see
 * fast-render.ts for why).
 */
export class StandIns {
  /** How to build each stand-in's cdk8s-plus object, in creation order. */
  private readonly builders: { readonly id: string; readonly build: () => void }[] = [];
  private standingIn: boolean;

  /** `active`: whether this service may use stand-ins at all (else every object is built right away). */
  constructor(private readonly scope: Construct, active: boolean) {
    this.standingIn = active;
  }

  /** Whether the objects are (still) stand-ins. */
  public get active(): boolean {
    return this.standingIn;
  }

  /** Adds the cdk8s-plus object `id`: a stand-in holding `json` while active, else built now by `build`. */
  public defer(id: string, json: PlainJson, build: () => void): void {
    if (this.standingIn) {
      new PlainResource(this.scope, id, json);
      this.builders.push({ id, build });
    } else {
      build();
    }
  }

  /** Replaces the stand-ins by the real cdk8s-plus objects, at the same paths and in the same order. */
  public materialize(): void {
    if (!this.standingIn) return;
    this.standingIn = false;
    const order = this.scope.node.children.map((c) => c.node.id);
    for (const { id, build } of this.builders) {
      this.scope.node.tryRemoveChild(id);
      build();
    }
    this.builders.length = 0;
    reorderChildren(this.scope, order);
  }
}
