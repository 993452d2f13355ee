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
  /** Recreate the statements when this changes (AnkifyFunction.replacedWithFunction). @default never */
  readonly replaceTriggeredBy?: string[];
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
      ...lifecycleOf(props),
    });
    // Since October 2025 AWS also requires lambda:InvokeFunction for Function URL calls;
    // invoked_via_function_url limits it to calls that come through the URL.
    this.invokeFunction = new LambdaPermission(this, "invoke-function", {
      statementId: "AllowCloudFrontInvokeFunctionViaUrl",
      action: "lambda:InvokeFunction",
      functionName: props.functionName,
      principal: "cloudfront.amazonaws.com",
      sourceArn: props.distributionArn,
      ...lifecycleOf(props),
    });
    // Not in the 6.25 provider bindings (added in AWS provider 6.28.0); the stack raises the
    // provider constraint accordingly.
    this.invokeFunction.addOverride("invoked_via_function_url", true);
  }
}

export interface PublicFunctionUrlPermissionProps {
  readonly functionName: string;
  /** Recreate the statements when this changes (AnkifyFunction.replacedWithFunction). @default never */
  readonly replaceTriggeredBy?: string[];
}

/**
 * secret-header mode: the two statements that open a `NONE` Function URL to everyone (the function's
 * origin guard then refuses whatever lacks CloudFront's secret). Since October 2025 AWS requires
 * both `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` for Function URL calls.
 *
 * The AWS provider (>= 6.28) adds similar statements by itself, but only when it creates a `NONE`
 * URL, and never removes them: a switch from oac (an in-place update to `NONE`) would get none, and
 * a switch to oac would keep `Principal *` behind. These are resources, so a switch adds or removes
 * them; their statement ids differ from the provider's (FunctionURLAllowPublicAccess,
 * FunctionURLAllowInvokeAction), which AddPermission would refuse as duplicates.
 */
export class PublicFunctionUrlPermission extends Construct {
  public readonly invokeFunctionUrl: LambdaPermission;
  public readonly invokeFunction: LambdaPermission;

  constructor(scope: Construct, id: string, props: PublicFunctionUrlPermissionProps) {
    super(scope, id);
    this.invokeFunctionUrl = new LambdaPermission(this, "invoke-function-url", {
      statementId: "AnkifyPublicInvokeFunctionUrl",
      action: "lambda:InvokeFunctionUrl",
      functionName: props.functionName,
      principal: "*",
      functionUrlAuthType: "NONE",
      ...lifecycleOf(props),
    });
    this.invokeFunction = new LambdaPermission(this, "invoke-function", {
      statementId: "AnkifyPublicInvokeFunctionViaUrl",
      action: "lambda:InvokeFunction",
      functionName: props.functionName,
      principal: "*",
      ...lifecycleOf(props),
    });
    // Only calls through the Function URL; not in the 6.25 bindings (AWS provider 6.28.0).
    this.invokeFunction.addOverride("invoked_via_function_url", true);
  }
}

/** A statement lives in the function's policy: deleting the function deletes it, so it follows the function. */
function lifecycleOf(props: { readonly replaceTriggeredBy?: string[] }) {
  return props.replaceTriggeredBy && props.replaceTriggeredBy.length > 0 ? { lifecycle: { replaceTriggeredBy: props.replaceTriggeredBy } } : {};
}
