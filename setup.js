// The same quiet environment the npm scripts run in (no checkpoint calls, no SDK Node-version notice).
require("./scripts/quiet-env.js");
// The function's structured log stays out of test output; tests that read it set their own level.
process.env.ANKIFY_LOG_LEVEL ??= "silent";
// What earlier test files in this worker left running on every promise (testing/left-storages.js).
require("./testing/left-storages.js").disableEarlierFilesStorages();
