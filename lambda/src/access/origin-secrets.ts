/**
 * Where the origin guard gets the `x-origin-verify` values it accepts (secret-header mode).
 *
 * Deployed, the values live in two SSM SecureString parameters and the function holds only their
 * names, so `lambda:GetFunctionConfiguration` reveals nothing. It reads them on first use, keeps
 * them at most a minute, and re-reads early when a request presents a value it does not know: a
 * rotation writes SSM first and CloudFront takes minutes to start sending the new value, so by the
 * time it arrives a re-read finds it. The dev server is given its secret directly.
 */
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";

/** A rotation (or a retired value) reaches every warm copy of the function within this long. */
export const ORIGIN_SECRET_CACHE_MS = 60_000;
/** A presented value that matches neither secret makes the function re-read SSM, at most this often. */
export const ORIGIN_SECRET_RECHECK_MS = 5_000;
/** One read of both parameters may take this long; a hung SSM then means 503, never a pass. */
export const ORIGIN_SECRET_READ_TIMEOUT_MS = 3_000;
/** After a failed read, requests fail fast for this long instead of each waiting on SSM again. */
export const ORIGIN_SECRET_RETRY_MS = 1_000;
/** Shorter than this is no generated secret (the stack makes 48 characters). */
const MIN_SECRET_LENGTH = 16;

export interface OriginSecrets {
  /** The accepted values, current first. Rejects when they cannot be read. */
  accepted(): Promise<readonly string[]>;
  /**
   * After a presented value matched none: fresher values if a re-read is due (the copy is older
   * than ORIGIN_SECRET_RECHECK_MS), or undefined when the copy stands. Rejects when a re-read fails.
   */
  recheck(): Promise<readonly string[] | undefined>;
}

/** Secrets known up front: the dev server's ANKIFY_ORIGIN_SECRET (and _PREVIOUS). */
export class StaticOriginSecrets implements OriginSecrets {
  constructor(private readonly secrets: readonly string[]) {}
  async accepted(): Promise<readonly string[]> {
    return this.secrets;
  }
  async recheck(): Promise<undefined> {
    return undefined;
  }
}

export interface OriginSecretParameterNames {
  /** The value CloudFront sends now. */
  readonly current: string;
  /** The value it sent before the last rotation. @default none */
  readonly previous?: string;
}

export interface SsmOriginSecretsOptions {
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** @default ORIGIN_SECRET_READ_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

export class SsmOriginSecrets implements OriginSecrets {
  private cached?: { readonly readAt: number; readonly secrets: readonly string[] };
  private failed?: { readonly at: number; readonly error: Error };
  private reading?: Promise<readonly string[]>;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly ssm: SSMClient, private readonly names: OriginSecretParameterNames, options: SsmOriginSecretsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? ORIGIN_SECRET_READ_TIMEOUT_MS;
  }

  accepted(): Promise<readonly string[]> {
    if (this.cached && this.now() - this.cached.readAt < ORIGIN_SECRET_CACHE_MS) return Promise.resolve(this.cached.secrets);
    return this.read();
  }

  async recheck(): Promise<readonly string[] | undefined> {
    // Also the rate limit: a flood of wrong values costs one read per ORIGIN_SECRET_RECHECK_MS.
    if (this.cached && this.now() - this.cached.readAt < ORIGIN_SECRET_RECHECK_MS) return undefined;
    return this.read();
  }

  private read(): Promise<readonly string[]> {
    if (this.failed && this.now() - this.failed.at < ORIGIN_SECRET_RETRY_MS) return Promise.reject(this.failed.error);
    this.reading ??= this.load().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async load(): Promise<readonly string[]> {
    const startedAt = this.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      // Current first, then previous, one after the other: the stack writes previous before current,
      // so whatever moment these reads fall on, the pair includes the value CloudFront was sending.
      const current = await this.get(this.names.current, signal);
      const previous = this.names.previous !== undefined ? await this.get(this.names.previous, signal) : undefined;
      const secrets = previous !== undefined ? [current, previous] : [current];
      // Dated from the start: the values may be that old.
      this.cached = { readAt: startedAt, secrets };
      this.failed = undefined;
      return secrets;
    } catch (error) {
      const reason = signal.aborted ? new Error(`SSM did not answer within ${this.timeoutMs} ms`) : (error as Error);
      this.failed = { at: this.now(), error: reason };
      throw reason;
    }
  }

  private async get(name: string, abortSignal: AbortSignal): Promise<string> {
    const output = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }), { abortSignal });
    const value = output.Parameter?.Value ?? "";
    if (value.length < MIN_SECRET_LENGTH) throw new Error(`SSM parameter ${name} holds no origin secret (fewer than ${MIN_SECRET_LENGTH} characters)`);
    return value;
  }
}
