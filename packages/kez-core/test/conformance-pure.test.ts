import { purePrimitives } from '../src/index.js';
import { conformanceSuite } from '@kez/test-kit/conformance';

conformanceSuite('pure', () => purePrimitives);
