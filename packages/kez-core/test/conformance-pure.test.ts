import { purePrimitives } from '../src/index.js';
import { conformanceSuite } from './shared/conformance.js';

conformanceSuite('pure', () => purePrimitives);
