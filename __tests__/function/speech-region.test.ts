import { ConfigError, loadConfig } from "../../lambda/src/config";
import { pollyClient } from "../../lambda/src/index";

/** The stack tells the function where Polly has neural voices (ANKIFY_SPEECH_REGION); the function calls Polly there. */
describe("speech region", () => {
  const base = { ANKIFY_ORIGIN_PROTECTION: "oac", ANKIFY_DECK_BUCKET: "b", ANKIFY_CLIENT_AUTH: "none" };

  it("is read from ANKIFY_SPEECH_REGION, and absent when unset (the SDK's region then: the function's own)", () => {
    expect(loadConfig({ ...base, ANKIFY_SPEECH_REGION: "eu-central-1" }).speechRegion).toBe("eu-central-1");
    expect(loadConfig(base)).not.toHaveProperty("speechRegion");
  });

  it("refuses what is not a region code", () => {
    expect(() => loadConfig({ ...base, ANKIFY_SPEECH_REGION: "Frankfurt" })).toThrow(
      new ConfigError(['ANKIFY_SPEECH_REGION = "Frankfurt" must be an AWS region code like eu-west-1.']),
    );
  });

  it("is the region the function's Polly client signs for and calls", async () => {
    const client = pollyClient(loadConfig({ ...base, ANKIFY_SPEECH_REGION: "eu-central-1" }));
    try {
      expect(await client.config.region()).toBe("eu-central-1");
      expect(await client.config.maxAttempts()).toBe(1);
    } finally {
      client.destroy();
    }
  });
});
