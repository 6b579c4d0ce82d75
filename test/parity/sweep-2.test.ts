import { sweepHalf } from './sweep-ci.js';

sweepHalf(1);
