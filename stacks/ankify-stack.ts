import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import type { Settings } from "./settings";
import { ImageRepository } from "./edge/image-repository";
import { FunctionImage } from "./edge/function-image";
import { DeckBucket } from "./edge/deck-bucket";
import { OriginSecret } from "./edge/origin-secret";
import { AnkifyFunction, type FunctionClientAuth } from "./edge/ankify-function";
import { OAuthAuthorizer } from "./edge/oauth-authorizer";
import { Certificate } from "./edge/certificate";
import { CloudFrontInvokePermission, OriginAccessControl, PublicFunctionUrlPermission } from "./edge/origin-access-control";
import { Distribution } from "./edge/distribution";
import { DnsRecords } from "./edge/dns-records";
import { clientCredentialHeaders, WebAcl } from "./edge/web-acl";
import { SecurityHeaders } from "./edge/security-headers";
import { Alarms } from "./edge/alarms";
import { OriginReadTimeout } from "./edge/origin-read-timeout";
import { BUFFERED_READ_TIMEOUT_MINIMUM, functionTimeouts } from "./edge/function-timeouts";
import { ConcurrencyReservation } from "./edge/concurrency-reservation";
import { ContentHashEdgeFunction } from "./edge/content-hash-edge-function";
import { UsageTable } from "./edge/usage-table";
import { Insight } from "./edge/insight";
import { configureStateBackend } from "./state-backend";
import { clientKeyPath, originSecretPath, usageTableName, type StateSettings } from "./environments";

/**
 * AWS provider range for every stack. The bindings are generated for 6.25.0, but the oac mode's
 * `invoked_via_function_url` (and the provider adding the matching InvokeFunction statement for
 * `NONE` Function URLs) arrived in 6.28.0; AWS requires both since October 2025.
 */
export const AWS_PROVIDER_CONSTRAINT = ">= 6.28.0, < 7.0.0";

export interface AnkifyStackProps {
  /** Validated settings (see loadSettings). */
  readonly settings: Settings;
  /** Repository root: holds `lambda/` and the lockfile the image is built from. */
  readonly projectRoot: string;
  /** Prefix for resource names (function, role, repository, ...). @default the stack's id */
  readonly resourceName?: string;
  /** Remote state in S3; local state when undefined. */
  readonly state?: StateSettings;
}

/** Ankify behind CloudFront on a custom HTTPS domain, with the Function URL reachable only through CloudFront. */
export class AnkifyStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: AnkifyStackProps) {
    super(scope, id);
    const { settings } = props;
    const name = props.resourceName ?? id;
    const defaultTags = [{ tags: { Project: "ankify", Stack: id, ManagedBy: "cdktf" } }];
    configureStateBackend(this, id, props.state);

    new AwsProvider(this, "aws", { region: settings.region, defaultTags });
    // CloudFront only accepts ACM certificates (and WAF web ACLs, and Lambda@Edge functions) from
    // us-east-1, and publishes its metrics there, whatever the app region is.
    const usEast1 = new AwsProvider(this, "aws-us-east-1", { alias: "us_east_1", region: "us-east-1", defaultTags });
    this.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER_CONSTRAINT);

    const account = new DataAwsCallerIdentity(this, "account");
    const zone = new DataAwsRoute53Zone(this, "zone", { name: settings.zone, privateZone: false });

    // ANKIFY_IMAGE_URI: run an image someone else builds (e.g. a Python Ankify); then there is nothing
    // to build here, and no repository to build into.
    const built = settings.imageUri === undefined ? this.buildImage(name, settings, account, props.projectRoot) : undefined;
    const decks = new DeckBucket(this, "decks", {
      namePrefix: `${name}-decks-`,
      // ANKIFY_CLIP_CACHE_DAYS = 0: no cache, no rule, no permission.
      ...(settings.clipCacheDays > 0 ? { clipCacheDays: settings.clipCacheDays } : {}),
    });

    // random: the origin secret (secret-header mode) or the Lambda@Edge function's name (oac mode).
    new RandomProvider(this, "random");
    let originSecret: OriginSecret | undefined;
    if (settings.originProtection === "secret-header") {
      originSecret = new OriginSecret(this, "origin-secret", { version: settings.originSecretVersion, parameterPath: originSecretPath(name) });
    }

    const clientAuth = this.clientAuth(name, settings, account);

    const readTimeout = new OriginReadTimeout(this, "cloudfront-response-timeout", {
      ...(settings.originReadTimeout !== undefined ? { explicit: settings.originReadTimeout } : {}),
      ...(settings.invokeMode === "BUFFERED" ? { minimum: BUFFERED_READ_TIMEOUT_MINIMUM } : {}),
      usEast1,
    });
    // What the function may take, fitted to the read timeout by the invoke mode.
    const timeouts = functionTimeouts(settings, readTimeout);

    const usage = new UsageTable(this, "usage", { name: usageTableName(name) }).table;
    const concurrency = new ConcurrencyReservation(this, "lambda-concurrency", { maxConcurrency: settings.maxConcurrency, region: settings.region });

    const fn = new AnkifyFunction(this, "function", {
      name,
      imageUri: built ? built.image.imageUri : settings.imageUri!,
      ...(built ? { dependsOn: [built.image.build, built.repository.pullPolicy] } : {}),
      architecture: settings.architecture,
      invokeMode: settings.invokeMode,
      timeout: timeouts.timeout,
      ...(concurrency.reservedConcurrentExecutions !== undefined ? { reservedConcurrency: concurrency.reservedConcurrentExecutions } : {}),
      requestBudget: timeouts.timeBudget,
      preconditions: [...timeouts.preconditions, ...concurrency.preconditions],
      ...(timeouts.streamBudget !== undefined ? { streamBudget: timeouts.streamBudget } : {}),
      deckBucketName: decks.bucket.bucket,
      deckBucketArn: decks.bucket.arn,
      deckPrefix: decks.deckPrefix,
      ...(decks.clipPrefix !== undefined ? { clipPrefix: decks.clipPrefix } : {}),
      noteTimesPrefix: decks.noteTimesPrefix,
      jobsPrefix: decks.jobsPrefix,
      inlineSeconds: settings.inlineSeconds,
      accountId: account.accountId,
      region: settings.region,
      originProtection: settings.originProtection,
      ...(originSecret
        ? {
            originSecretParameters: {
              // Plain names (known at synth), so the function's environment never waits on SSM.
              current: { name: `${originSecretPath(name)}/current`, arn: originSecret.currentParameter.arn },
              previous: { name: `${originSecretPath(name)}/previous`, arn: originSecret.previousParameter.arn },
            },
          }
        : {}),
      clientAuth: clientAuth.function,
      maxSpeechCharacters: settings.maxSpeechCharacters,
      speechRegion: settings.speechRegion,
      fairUse: { tableName: usage.name, tableArn: usage.arn, dailyCharacters: settings.clientDailyCharacters, concurrency: settings.clientConcurrency },
    });

    const certificate = new Certificate(this, "certificate", { domain: settings.domain, zoneId: zone.zoneId, usEast1 });
    const oac = settings.originProtection === "oac" ? new OriginAccessControl(this, "origin-access-control", { name }) : undefined;
    // OAC signs the request but not its body; Lambda refuses a signed POST without the body's hash,
    // which MCP clients don't send. This edge function adds it, so clients need nothing special.
    const contentHash = oac
      ? new ContentHashEdgeFunction(this, "content-sha256", { name, projectRoot: props.projectRoot, accountId: account.accountId, usEast1 })
      : undefined;

    // ANKIFY_RATE_LIMIT = 0 means no web ACL at all: no WAF rules and no WAF charges.
    const webAcl = settings.rateLimit > 0
      ? new WebAcl(this, "web-acl", {
          name,
          rateLimit: settings.rateLimit,
          ...(settings.allowedCountries ? { allowedCountries: settings.allowedCountries } : {}),
          ...(settings.clientRateLimit > 0 && settings.clientAuth !== "none"
            ? { clientRate: { limit: settings.clientRateLimit, headers: clientCredentialHeaders(settings.clientAuth, settings.originProtection) } }
            : {}),
          usEast1,
        })
      : undefined;

    const distribution = new Distribution(this, "cdn", {
      domain: settings.domain,
      certificateArn: certificate.validatedCertificateArn,
      functionUrl: fn.functionUrl.functionUrl,
      originReadTimeout: readTimeout.seconds,
      preconditions: readTimeout.distributionPreconditions,
      originKeepaliveTimeout: settings.originKeepaliveTimeout,
      ...(settings.responseCompletionTimeout !== undefined ? { responseCompletionTimeout: settings.responseCompletionTimeout } : {}),
      ...(originSecret ? { originSecret: originSecret.current } : {}),
      ...(oac ? { originAccessControlId: oac.oac.id } : {}),
      ...(webAcl ? { webAclArn: webAcl.webAcl.arn } : {}),
      ...(contentHash ? { originRequestFunctionArn: contentHash.versionArn } : {}),
      responseHeadersPolicyId: new SecurityHeaders(this, "security-headers", { name }).policy.id,
      // A rotated secret must be in SSM (where the function reads it) before CloudFront sends it.
      dependsOn: [fn.function, ...(originSecret ? [originSecret.currentParameter] : [])],
    }).distribution;

    if (oac) {
      new CloudFrontInvokePermission(this, "cloudfront-invoke", {
        functionName: fn.function.functionName,
        distributionArn: distribution.arn,
        replaceTriggeredBy: [fn.replacedWithFunction],
      });
    } else {
      new PublicFunctionUrlPermission(this, "public-invoke", { functionName: fn.function.functionName, replaceTriggeredBy: [fn.replacedWithFunction] });
    }

    const alarms = new Alarms(this, "alarms", {
      name,
      functionName: fn.function.functionName,
      logGroupName: fn.logGroupName,
      // The resource's name, so the job-failure metric filter waits for the log group.
      jobs: { logGroupName: fn.logGroup.name },
      // Computed from the timeout itself, so the alarm follows when the timeout settings change.
      durationThresholdMs: timeouts.durationAlarm.thresholdMs,
      durationThresholdSeconds: timeouts.durationAlarm.thresholdSeconds,
      durationDeadline: timeouts.durationAlarm.deadline,
      throttleCause: concurrency.throttleCause,
      distributionId: distribution.id,
      ...(webAcl ? { webAcl: { metricName: webAcl.metricName, rateRuleMetricName: webAcl.rateRuleMetricName, rateLimit: settings.rateLimit } } : {}),
      ...(settings.alarmEmail !== undefined ? { email: settings.alarmEmail } : {}),
      usEast1,
    });

    const insight = new Insight(this, "insight", {
      name, region: settings.region, functionName: fn.function.functionName, logGroupName: fn.logGroupName,
      distributionId: distribution.id, distributionArn: distribution.arn, alarmTopicArn: alarms.topic.arn,
      accessLogDays: settings.accessLogDays, usEast1, ...(webAcl ? { webAcl } : {}),
    });

    new DnsRecords(this, "dns", {
      zoneId: zone.zoneId,
      domain: settings.domain,
      targetDomainName: distribution.domainName,
      targetZoneId: distribution.hostedZoneId,
    });

    new TerraformOutput(this, "url", { value: `https://${settings.domain}/mcp`, description: "MCP endpoint for clients" });
    new TerraformOutput(this, "function_concurrency", { value: concurrency.summary, description: "The function's reserved concurrency (ANKIFY_MAX_CONCURRENCY), and why" });
    new TerraformOutput(this, "origin_read_timeout", { value: readTimeout.summary, description: "How long CloudFront waits for the function, and why" });
    new TerraformOutput(this, "distribution_domain", { value: distribution.domainName, description: "CloudFront's own name for the distribution" });
    new TerraformOutput(this, "distribution_id", { value: distribution.id, description: "For invalidations and the CloudFront console" });
    // Sensitive: it answers only CloudFront, but calling it directly bypasses the web ACL's rate limit
    // and still costs an invocation. Kept (terraform output -raw function_url) for troubleshooting.
    new TerraformOutput(this, "function_url", {
      value: fn.functionUrl.functionUrl,
      sensitive: true,
      description: "Direct Function URL (bypasses CloudFront and the web ACL); answers 403 to anyone but CloudFront",
    });
    new TerraformOutput(this, "image_uri", { value: built ? built.image.imageUri : settings.imageUri!, description: "The image the function runs" });
    if (built) {
      new TerraformOutput(this, "ecr_repository_url", { value: built.repository.repository.repositoryUrl });
      new TerraformOutput(this, "image_tag", { value: built.image.tag, description: "Content hash of lambda/ the function runs" });
    }
    new TerraformOutput(this, "deck_bucket", { value: decks.bucket.bucket });
    new TerraformOutput(this, "usage_table", { value: usage.name, description: "Per-client characters and build slots (npm run client-key -- usage)" });
    new TerraformOutput(this, "dashboard_url", { value: insight.dashboard.url, description: "The CloudWatch dashboard" });
    new TerraformOutput(this, "alarm_topic_arn", { value: alarms.topic.arn, description: "SNS topic for the function's alarms (app region)" });
    new TerraformOutput(this, "edge_alarm_topic_arn", { value: alarms.edgeTopic.arn, description: "SNS topic for CloudFront and WAF alarms (us-east-1)" });
    if (webAcl) new TerraformOutput(this, "web_acl_arn", { value: webAcl.webAcl.arn, description: "WAF web ACL in front of the distribution (us-east-1)" });
    new TerraformOutput(this, "client_auth", { value: settings.clientAuth, description: "Who may call /mcp" });
    if (clientAuth.function.mode === "api-key") {
      new TerraformOutput(this, "client_key_path", { value: clientAuth.function.keyPath, description: "SSM path of the client key digests (npm run client-key)" });
    }
    if (clientAuth.function.mode === "oauth") {
      new TerraformOutput(this, "oauth_issuer", { value: clientAuth.function.issuer, description: "Authorization server the function trusts" });
      new TerraformOutput(this, "oauth_scope", { value: clientAuth.function.scope, description: "Scope a token needs" });
    }
    if (clientAuth.authorizer) {
      new TerraformOutput(this, "oauth_client_id", { value: clientAuth.authorizer.client.id, description: "Cognito app client id: enter it in MCP clients that ask for one" });
      new TerraformOutput(this, "oauth_login_domain", {
        value: `https://${clientAuth.authorizer.domain.domain}.auth.${settings.region}.amazoncognito.com`,
        description: "Cognito managed login",
      });
      new TerraformOutput(this, "oauth_user_pool_id", { value: clientAuth.authorizer.userPool.id, description: "Add users with aws cognito-idp admin-create-user" });
    }
    if (originSecret) {
      new TerraformOutput(this, "origin_secret", {
        value: originSecret.current,
        sensitive: true,
        description: "Current x-origin-verify value (terraform output -raw origin_secret)",
      });
    }
  }

  /**
   * Who may call /mcp: api-key reads digests from the stack's SSM path; oauth trusts an external
   * issuer, or a Cognito user pool made here; none lets anyone in (synth warns).
   */
  private clientAuth(name: string, settings: Settings, account: DataAwsCallerIdentity): { function: FunctionClientAuth; authorizer?: OAuthAuthorizer } {
    const resource = `https://${settings.domain}/mcp`;
    switch (settings.clientAuth) {
      case "none":
        return { function: { mode: "none" } };
      case "api-key": {
        const keyPath = clientKeyPath(name);
        return { function: { mode: "api-key", keyPath, keyPathArn: `arn:aws:ssm:${settings.region}:${account.accountId}:parameter${keyPath}` } };
      }
      case "oauth": {
        if (settings.oauthIssuer !== undefined) {
          return { function: { mode: "oauth", resource, issuer: settings.oauthIssuer, audience: settings.oauthAudience!, scope: settings.oauthScope } };
        }
        const authorizer = new OAuthAuthorizer(this, "oauth", { name, resource, scope: settings.oauthScope, callbackUrls: settings.oauthCallbackUrls });
        return {
          authorizer,
          // Cognito access tokens carry no aud: the app client's id stands in for it.
          function: { mode: "oauth", resource, issuer: authorizer.issuer, clientIds: [authorizer.client.id], scope: authorizer.scope },
        };
      }
    }
  }

  /** The ECR repository and the image built from `lambda/` into it. */
  private buildImage(name: string, settings: Settings, account: DataAwsCallerIdentity, projectRoot: string) {
    const repository = new ImageRepository(this, "image-repository", {
      name,
      pullingFunctionArn: `arn:aws:lambda:${settings.region}:${account.accountId}:function:${name}`,
    });
    const image = new FunctionImage(this, "image", {
      repositoryUrl: repository.repository.repositoryUrl,
      region: settings.region,
      architecture: settings.architecture,
      projectRoot,
    });
    return { repository, image };
  }
}
