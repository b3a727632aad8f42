// An empty module, substituted in the Lambda bundles for optional dependencies that are never used
// there (see bundlingOptions in ../triage-function.ts).
module.exports = {};
