import { Construct } from "constructs";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";

export interface OriginAccessControlProps {
  readonly name: string;
}

/** oac mode: CloudFront signs every origin request with SigV4 so the `AWS_IAM` Function URL accepts it. */
export class OriginAccessControl extends Construct {
  public readonly oac: CloudfrontOriginAccessControl;

  constructor(scope: Construct, id: string, props: OriginAccessControlProps) {
    super(scope, id);
    this.oac = new CloudfrontOriginAccessControl(this, "this", {
      name: props.name,
      description: "CloudFront signs requests to the Ankify Function URL",
      originAccessControlOriginType: "lambda",
      // always: sign every request, whatever the viewer sent.
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
  }
}

export interface CloudFrontInvokePermissionProps {
  readonly functionName: string;
  /** Only this distribution may invoke the function. */
  readonly distributionArn: string;
}

/**
 * oac mode: lets CloudFront's service principal invoke the function through its URL, scoped by
 * SourceArn to our distribution (without it, any distribution in any account could).
 */
export class CloudFrontInvokePermission extends Construct {
  public readonly invokeFunctionUrl: LambdaPermission;
  public readonly invokeFunction: LambdaPermission;

  constructor(scope: Construct, id: string, props: CloudFrontInvokePermissionProps) {
    super(scope, id);
    this.invokeFunctionUrl = new LambdaPermission(this, "invoke-function-url", {
      statementId: "AllowCloudFrontInvokeFunctionUrl",
      action: "lambda:InvokeFunctionUrl",
      functionName: props.functionName,
      principal: "cloudfront.amazonaws.com",
      sourceArn: props.distributionArn,
      functionUrlAuthType: "AWS_IAM",
    });
    // Since October 2025 AWS also requires lambda:InvokeFunction for Function URL calls;
    // invoked_via_function_url limits it to calls that come through the URL.
    this.invokeFunction = new LambdaPermission(this, "invoke-function", {
      statementId: "AllowCloudFrontInvokeFunctionViaUrl",
      action: "lambda:InvokeFunction",
      functionName: props.functionName,
      principal: "cloudfront.amazonaws.com",
      sourceArn: props.distributionArn,
    });
    // Not in the 6.25 provider bindings (added in AWS provider 6.28.0); the stack raises the
    // provider constraint accordingly.
    this.invokeFunction.addOverride("invoked_via_function_url", true);
  }
}
