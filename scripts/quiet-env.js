// Preloaded by the npm scripts (node -r ./scripts/quiet-env.js …) and the tests: no output that is
// not about Ankify. The first two can be turned back on by setting them in the environment.
//  - CHECKPOINT_DISABLE: cdktf and Terraform call checkpoint-api.hashicorp.com for version news; offline
//    that prints a red "getaddrinfo ENOTFOUND" on every command.
//  - AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: the AWS SDK warns on Node 20 that its releases
//    after January 2027 need Node 22; the function itself runs on Node 22 (lambda/Dockerfile), and the
//    README's prerequisites recommend it for local runs.
//  - TF_CLI_CONFIG_FILE naming a file that does not exist: every terraform call (cdktf's version check
//    included) prints a red "Unable to open CLI configuration file" block. Such a setting configures
//    nothing, so the npm scripts point it at an empty file instead, which configures nothing silently.
const { existsSync } = require("node:fs");
const { devNull } = require("node:os");

process.env.CHECKPOINT_DISABLE ??= "1";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
if (process.env.TF_CLI_CONFIG_FILE && !existsSync(process.env.TF_CLI_CONFIG_FILE)) process.env.TF_CLI_CONFIG_FILE = devNull;
