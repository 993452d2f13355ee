/**
 * Imported first, before ext-apps: hosts allow no eval (the MCP Apps spec's CSP has no
 * 'unsafe-eval'), and without this zod tries `new Function` once, while the modules load, to find
 * out; the browser reports that attempt as a policy violation.
 */
import { config } from "zod";

config({ jitless: true });
