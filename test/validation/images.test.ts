import { describe, expect, it } from 'vitest';
import { isPinnedImage, parseImageRef } from '../../lib/validation/images';

describe('pinned images (shared by lib/mesh and lib/observability)', () => {
  it('reads tag and digest; a colon before the last "/" is a registry port', () => {
    expect(parseImageRef('localhost:5000/cart')).toEqual({ tag: undefined, digest: undefined });
    expect(parseImageRef('localhost:5000/cart:1.2')).toEqual({ tag: '1.2', digest: undefined });
    expect(parseImageRef('cart:1@sha256:ab')).toEqual({ tag: '1', digest: 'sha256:ab' });
  });

  it('pinned: a valid tag other than latest, or a valid digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(['cart:1.4.2', 'ghcr.io/acme/cart:v2_rc.1', `cart@${digest}`, `cart:latest@${digest}`, 'localhost:5000/cart:1'].map(isPinnedImage)).toEqual([true, true, true, true, true]);
    expect(['cart', 'cart:latest', 'cart:', 'localhost:5000/cart', 'cart:-bad', 'cart@', 'cart@sha256'].map(isPinnedImage)).toEqual([false, false, false, false, false, false, false]);
  });
});
