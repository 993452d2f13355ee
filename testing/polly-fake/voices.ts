/**
 * The fake's voices: those Ankify asks for, with the engines Polly's "Available voices" table gives
 * them and their language, and the espeak-ng voice that stands in for each (the fake's own table,
 * not Ankify's: a request for a voice with an engine Polly does not offer fails here as it would there).
 */
export type PollyEngine = "standard" | "neural" | "generative" | "long-form";
export const POLLY_ENGINES: readonly PollyEngine[] = ["standard", "neural", "generative", "long-form"];

export interface FakeVoice {
  readonly language: string;
  readonly engines: readonly PollyEngine[];
  /**
   * espeak-ng voice and variant (voices of one language sound apart). Variants without breath noise:
   * a break is digital silence, which encoders write as empty frames.
   */
  readonly espeak: string;
}

export const FAKE_VOICES: Readonly<Record<string, FakeVoice>> = {
  Joanna: { language: "en-US", engines: ["standard", "neural"], espeak: "en-us+f1" },
  Ruth: { language: "en-US", engines: ["neural", "generative", "long-form"], espeak: "en-us" },
  Matthew: { language: "en-US", engines: ["standard", "neural", "generative"], espeak: "en-us+m3" },
  Amy: { language: "en-GB", engines: ["standard", "neural", "generative"], espeak: "en-gb+f1" },
  Lucia: { language: "es-ES", engines: ["standard", "neural", "generative"], espeak: "es+f1" },
  Lupe: { language: "es-US", engines: ["standard", "neural", "generative"], espeak: "es-419+f1" },
  Lea: { language: "fr-FR", engines: ["standard", "neural", "generative"], espeak: "fr+f1" },
  Vicki: { language: "de-DE", engines: ["standard", "neural", "generative"], espeak: "de+f1" },
  Bianca: { language: "it-IT", engines: ["standard", "neural", "generative"], espeak: "it+f1" },
  Camila: { language: "pt-BR", engines: ["standard", "neural", "generative"], espeak: "pt-br+f1" },
  Takumi: { language: "ja-JP", engines: ["standard", "neural"], espeak: "ja+m3" },
  Seoyeon: { language: "ko-KR", engines: ["standard", "neural"], espeak: "ko+f1" },
  Zhiyu: { language: "cmn-CN", engines: ["standard", "neural"], espeak: "cmn+f1" },
  Laura: { language: "nl-NL", engines: ["neural", "generative"], espeak: "nl+f1" },
  Lotte: { language: "nl-NL", engines: ["standard"], espeak: "nl" },
};
