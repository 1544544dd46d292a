import fc from 'fast-check';

// Property tests run with one fixed seed by default, so a run on CI is
// repeatable; set FC_SEED to explore other inputs (a failure prints its seed).
const seed = process.env.FC_SEED === undefined ? 20261126 : Number(process.env.FC_SEED);
fc.configureGlobal({ seed });
