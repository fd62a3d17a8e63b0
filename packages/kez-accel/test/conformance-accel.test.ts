// The same vector and negative suite as @kez/core's pure backend, on the fast primitives.
import { describe, expect, it } from 'vitest';
import { fastPrimitives } from '../src/index.js';
import { conformanceSuite } from '@kez/test-kit/conformance';
import { getPrimitives } from '@kez/core';

describe('side effect', () => {
  it('importing @kez/accel installs the fast primitives in @kez/core', () => {
    expect(getPrimitives()).toBe(fastPrimitives);
  });
});

conformanceSuite('accel', () => fastPrimitives);
