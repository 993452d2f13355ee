import { Construct } from "constructs";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";

export interface DnsRecordsProps {
  readonly zoneId: string;
  readonly domain: string;
  /** The distribution's `*.cloudfront.net` name and its hosted zone ID. */
  readonly targetDomainName: string;
  readonly targetZoneId: string;
}

/** `A` and `AAAA` alias records: the custom domain answers with CloudFront's IPv4 and IPv6 addresses. */
export class DnsRecords extends Construct {
  public readonly ipv4: Route53Record;
  public readonly ipv6: Route53Record;

  constructor(scope: Construct, id: string, props: DnsRecordsProps) {
    super(scope, id);
    const alias = (type: "A" | "AAAA") =>
      new Route53Record(this, type.toLowerCase(), {
        zoneId: props.zoneId,
        name: props.domain,
        type,
        alias: { name: props.targetDomainName, zoneId: props.targetZoneId, evaluateTargetHealth: false },
      });
    this.ipv4 = alias("A");
    this.ipv6 = alias("AAAA");
  }
}
