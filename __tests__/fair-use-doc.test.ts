import { readFileSync } from "node:fs";
import { join } from "node:path";
import { busyMessage, quotaMessage } from "../lambda/src/access/fair-use";
import { DEFAULT_CLIENT_CONCURRENCY, DEFAULT_CLIENT_DAILY_CHARACTERS } from "../lambda/src/limits";
import { DECK_METRIC_NAMES, DECK_OUTCOMES, METRICS_NAMESPACE } from "../lambda/src/metrics";
import { USAGE_DAYS_KEPT } from "../lambda/src/storage/usage-table";
import { DECK_TIMEOUT_ALARM_THRESHOLD } from "../stacks/edge/deck-alarms";
import { DEFAULT_CLIENT_RATE_LIMIT, DEFAULT_RATE_LIMIT } from "../stacks/settings/rules";
import { SETTINGS } from "../stacks/settings/table";
import { PROJECT_ROOT } from "../testing/paths";

/** docs/fair-use.md states what the code does; this holds the two together. */
const doc = readFileSync(join(PROJECT_ROOT, "docs", "fair-use.md"), "utf8");
/** The page's prose with quoted lines joined, as a reader sees it. */
const prose = doc.replace(/\n> /g, " ").replace(/\n(?=[a-z`"(])/g, " ");
const figure = (n: number) => n.toLocaleString("en-US");

describe("docs/fair-use.md", () => {
  it("gives the defaults the settings have", () => {
    expect(prose).toContain(`\`ANKIFY_CLIENT_DAILY_CHARACTERS\` (default **${figure(DEFAULT_CLIENT_DAILY_CHARACTERS)}**`);
    expect(prose).toContain(`\`ANKIFY_CLIENT_CONCURRENCY\` (default **${DEFAULT_CLIENT_CONCURRENCY}**`);
    expect(prose).toContain(`| \`rate-limit\` | client IP address | **${figure(DEFAULT_RATE_LIMIT)}** |`);
    expect(prose).toContain(`| \`client-rate-limit\` | value of the \`Authorization\` header | **${DEFAULT_CLIENT_RATE_LIMIT}** |`);
    expect(prose).toContain(`\`ANKIFY_ACCESS_LOG_DAYS\` (default **${SETTINGS.accessLogDays.default}**`);
    expect(prose).toContain(`The table keeps ${USAGE_DAYS_KEPT} days (\`--days\` up to ${USAGE_DAYS_KEPT})`);
    expect(prose).toContain(`≥ ${DECK_TIMEOUT_ALARM_THRESHOLD} decks out of time in 5 minutes`);
  });

  it("quotes the refusals exactly as a client reads them", () => {
    expect(prose).toContain(quotaMessage(12_345, 198_000, 200_000, Date.parse("2026-11-30T18:48:00Z")));
    expect(prose).toContain(busyMessage(2, 45));
  });

  it("names every metric and outcome the function emits, in its namespace", () => {
    expect(prose).toContain(`namespace **\`${METRICS_NAMESPACE}\`**`);
    for (const name of DECK_METRIC_NAMES) expect(prose).toContain(`\`${name}\``);
    expect(prose).toContain(`\`Outcome\` (${DECK_OUTCOMES.map((o) => `\`${o}\``).join(", ")})`);
  });
});
