import { cdktfJsonContext, loadSettings, type Settings, type SettingKey } from "../stacks/settings";

/** The defaults from the real cdktf.json, with some settings replaced. (No cdktf: the function's tests use it too.) */
export function settingsWith(overrides: Partial<Record<SettingKey, unknown>> = {}): Settings {
  return loadSettings({ context: { ...cdktfJsonContext(), ...overrides } });
}
