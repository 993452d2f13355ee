import { Construct } from "constructs";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";

/** Two years: what hstspreload.org asks for, and long enough that one visit keeps clients on HTTPS. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

export interface SecurityHeadersProps {
  /** Prefix of the policy's name, unique per account. */
  readonly name: string;
}

/**
 * The headers CloudFront adds to every answer: HSTS, so a client that once reached the domain never
 * tries plain HTTP again; nosniff; no framing (nothing here is meant to be embedded; an MCP App's view
 * is served inside MCP, not from this domain); and no Referer leaking the endpoint to links in decks.
 *
 * Its own policy rather than AWS's managed SecurityHeadersPolicy: the values are visible in the plan,
 * and the managed one allows SAMEORIGIN framing and sends a Referer. `override`: CloudFront's values
 * win over anything the function sends. No `preload`: that commits the whole parent domain to HTTPS.
 */
export class SecurityHeaders extends Construct {
  public readonly policy: CloudfrontResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: SecurityHeadersProps) {
    super(scope, id);
    this.policy = new CloudfrontResponseHeadersPolicy(this, "this", {
      name: `${props.name}-security-headers`,
      comment: "Ankify: HSTS, nosniff, no framing, no Referer",
      securityHeadersConfig: {
        strictTransportSecurity: { accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS, includeSubdomains: true, preload: false, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: "DENY", override: true },
        referrerPolicy: { referrerPolicy: "no-referrer", override: true },
      },
    });
  }
}
