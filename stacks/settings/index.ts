/**
 * The app's settings, described once in table.ts and read, checked, documented and guarded from typos
 * by the modules beside it. `import … from "./stacks/settings"` gets the public API; nothing here
 * loads cdktf or the provider (commands and tests that only read settings stay fast).
 */
export { SETTINGS, AUTO_MAX_CONCURRENCY, DEFAULT_OAUTH_CALLBACK_URLS, DEFAULT_OAUTH_SCOPE, DEFAULT_ORIGIN_READ_TIMEOUT_CAP, LAMBDA_MAX_TIMEOUT, RETIRED_SETTINGS,
  MAX_CLIP_CACHE_DAYS, MAX_ORIGIN_KEEPALIVE_TIMEOUT, MAX_RESERVED_CONCURRENCY, type Scope, type SettingName, type SettingSpec } from "./table";
export { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from "./rules";
export {
  loadSettings, readSettings, readStateSettings, SETTING_SOURCES, SettingsError,
  type Architecture, type ClientAuthMode, type InvokeMode, type OriginProtection, type SettingKey, type Settings, type SettingsInput, type StateSettings,
} from "./load";
export { KNOWN_ANKIFY_NAMES, checkContextKeys, checkEnvNames, type NameCheck, type Reader } from "./names";
export { cdktfJsonContext } from "./context";
export { NOTHING_KNOWN, type Found, type Kind, type Known } from "./kinds";
export { deckStreamBudgetSeconds, functionTimeoutSeconds, requestBudgetSeconds } from "./budgets";
export {
  AWS_REGIONS, POLLY_NEURAL_REGIONS, COUNTRY_CODES, callbackUrlProblem, checkRegion, countryCodeProblem, dnsNameProblem, emailProblem, httpsUrlProblem, parseEcrImageUri,
  type EcrImageUri,
} from "./validators";
