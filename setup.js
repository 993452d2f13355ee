// Registers cdktf's jest matchers (toHaveResource, toHaveResourceWithProperties, ...).
const { Testing } = require("cdktf");
Testing.setupJest();
// The function's structured log stays out of test output; tests that read it set their own level.
process.env.ANKIFY_LOG_LEVEL ??= "silent";
