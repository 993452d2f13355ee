import { Construct } from "constructs";
import { Fn, type Precondition } from "cdktf";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import type { ITerraformDependable } from "cdktf";
import { ALL_VIEWER_EXCEPT_HOST_HEADER, CACHING_DISABLED } from "./managed-policies";

/** The header CloudFront adds in secret-header mode and the function checks. */
export const ORIGIN_VERIFY_HEADER = "x-origin-verify";

const ORIGIN_ID = "ankify-function-url";

export interface DistributionProps {
  /** The alias viewers use; must be covered by the certificate. */
  readonly domain: string;
  /** ARN of the *validated* certificate in us-east-1. */
  readonly certificateArn: string;
  /** The Function URL, `https://<id>.lambda-url.<region>.on.aws/`. */
  readonly functionUrl: string;
  /** Seconds to wait for the origin's first byte and between packets (a number or a Terraform expression). 1..quota. */
  readonly originReadTimeout: number;
  /** Checks Terraform makes at plan time before creating or changing the distribution. @default none */
  readonly preconditions?: Precondition[];
  /** Seconds to keep idle origin connections. 1..60. */
  readonly originKeepaliveTimeout: number;
  /** Optional overall limit on one origin response, ≥ originReadTimeout. */
  readonly responseCompletionTimeout?: number;
  /** secret-header mode: the value to send in `x-origin-verify`. */
  readonly originSecret?: string;
  /** oac mode: the Origin Access Control to sign with. */
  readonly originAccessControlId?: string;
  /** Apply these first (the function's configuration, so it accepts a rotated secret before CloudFront sends it). */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * oac mode: the *version* ARN of the Lambda@Edge function that hashes request bodies, run on origin
   * request with the body. @default undefined: no edge function
   */
  readonly originRequestFunctionArn?: string;
  /** ARN of a WAF web ACL (scope CLOUDFRONT) to filter every request. @default undefined: no web ACL */
  readonly webAclArn?: string;
  /** ID of the response headers policy added to every answer (HSTS and friends). @default undefined: none */
  readonly responseHeadersPolicyId?: string;
  /** @default "PriceClass_100" (North America and Europe edges; cheapest) */
  readonly priceClass?: string;
}

/** The CloudFront distribution: HTTPS on the custom domain, proxying every method to the Function URL uncached. */
export class Distribution extends Construct {
  public readonly distribution: CloudfrontDistribution;

  constructor(scope: Construct, id: string, props: DistributionProps) {
    super(scope, id);
    if ((props.originSecret === undefined) === (props.originAccessControlId === undefined)) {
      throw new Error("Distribution: set exactly one of originSecret (secret-header mode) or originAccessControlId (oac mode).");
    }
    this.distribution = new CloudfrontDistribution(this, "this", {
      enabled: true,
      comment: `Ankify MCP server on ${props.domain}`,
      aliases: [props.domain],
      httpVersion: "http2and3",
      isIpv6Enabled: true,
      priceClass: props.priceClass ?? "PriceClass_100",
      origin: [
        {
          originId: ORIGIN_ID,
          // "https://abc.lambda-url.eu-west-1.on.aws/" -> "abc.lambda-url.eu-west-1.on.aws"
          domainName: Fn.element(Fn.split("/", props.functionUrl), 2),
          customOriginConfig: {
            httpPort: 80,
            httpsPort: 443,
            originProtocolPolicy: "https-only",
            originSslProtocols: ["TLSv1.2"],
            // The default 30 s answers 504 while text-to-speech is still running (30–60 s).
            originReadTimeout: props.originReadTimeout,
            originKeepaliveTimeout: props.originKeepaliveTimeout,
          },
          ...(props.responseCompletionTimeout !== undefined ? { responseCompletionTimeout: props.responseCompletionTimeout } : {}),
          ...(props.originSecret !== undefined
            ? { customHeader: [{ name: ORIGIN_VERIFY_HEADER, value: props.originSecret }] }
            : { originAccessControlId: props.originAccessControlId }),
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: ORIGIN_ID,
        // MCP is POST; CloudFront never retries a POST, so the read timeout is the only safety net.
        allowedMethods: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
        cachedMethods: ["GET", "HEAD"],
        // MCP clients are configured with an https URL. A redirect would not help a POST: clients
        // that follow a 301 replay it as a GET, so plain HTTP is refused (403) instead.
        viewerProtocolPolicy: "https-only",
        cachePolicyId: CACHING_DISABLED,
        // Forwards every viewer header but Host, so clients' Authorization and x-api-key reach the
        // function: with caching disabled, AWS allows Authorization in an all-viewer origin
        // request policy (re:Post knowledge center, "cloudfront-authorization-header").
        originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: true,
        ...(props.responseHeadersPolicyId !== undefined ? { responseHeadersPolicyId: props.responseHeadersPolicyId } : {}),
        ...(props.originRequestFunctionArn !== undefined
          ? {
              // include_body: the function must see the body to hash it (CloudFront exposes up to 1 MB).
              lambdaFunctionAssociation: [{ eventType: "origin-request", lambdaArn: props.originRequestFunctionArn, includeBody: true }],
            }
          : {}),
      },
      viewerCertificate: {
        acmCertificateArn: props.certificateArn,
        sslSupportMethod: "sni-only",
        // The newest policies CloudFront offers (the provider validates against its API's list:
        // TLSv1.2_2025 and TLSv1.3_2025). TLS 1.2 with the 2025 ciphers (ECDHE with AES-GCM or
        // ChaCha20 only) rather than TLS 1.3 only, which would shut out clients whose runtime still
        // stops at TLS 1.2 and gain nothing against the ciphers that remain.
        minimumProtocolVersion: "TLSv1.2_2025",
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      // For WAFv2 CloudFront takes the web ACL's ARN here, not its ID.
      ...(props.webAclArn !== undefined ? { webAclId: props.webAclArn } : {}),
      dependsOn: props.dependsOn,
      ...(props.preconditions && props.preconditions.length > 0 ? { lifecycle: { precondition: props.preconditions } } : {}),
    });
  }
}
