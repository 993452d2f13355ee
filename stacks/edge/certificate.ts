import { Construct } from "constructs";
import { TerraformIterator, Token } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";

export interface CertificateProps {
  /** The name the certificate covers. */
  readonly domain: string;
  /** Route 53 zone that receives the DNS validation records. */
  readonly zoneId: string;
  /** A provider in us-east-1: CloudFront only accepts ACM certificates from us-east-1. */
  readonly usEast1: AwsProvider;
}

/** A DNS-validated ACM certificate for the CloudFront alias, renewed by ACM as long as the records stay. */
export class Certificate extends Construct {
  public readonly certificate: AcmCertificate;
  /** Give CloudFront this ARN (the validation's): the distribution then waits until the certificate is issued. */
  public readonly validatedCertificateArn: string;

  constructor(scope: Construct, id: string, props: CertificateProps) {
    super(scope, id);
    this.certificate = new AcmCertificate(this, "this", {
      provider: props.usEast1,
      domainName: props.domain,
      validationMethod: "DNS",
      // A certificate in use by CloudFront cannot be deleted: create the new one first.
      lifecycle: { createBeforeDestroy: true },
    });

    const options = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "validation", {
      forEach: options,
      zoneId: props.zoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 60,
      // A re-created certificate for the same name reuses the same record.
      allowOverwrite: true,
    });

    const validation = new AcmCertificateValidation(this, "validation-wait", {
      provider: props.usEast1,
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty("fqdn")),
    });
    this.validatedCertificateArn = validation.certificateArn;
  }
}
