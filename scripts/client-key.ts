/**
 * `npm run client-key -- add NAME | list | revoke NAME [--env ENV]`: the API keys of an api-key-mode
 * stack; `usage [NAME] [--days N]`: what each client used per day (scripts/usage-report.ts), in any mode. A key is random (32 bytes, base64url, `ank_` prefix) and printed once; SSM keeps only its
 * SHA-256, as a SecureString under the stack's path, one parameter per client. The function reads
 * the path at most a minute late, so a revoked key stops working within a minute. Keys are not
 * Terraform resources: they never pass through state or plans.
 */
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  PutParameterCommand,
  SSMClient,
  type ParameterMetadata,
} from "@aws-sdk/client-ssm";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { apiKeyDigest, CLIENT_NAME_PATTERN, newApiKey } from "../lambda/src/access/api-keys";
import { clientKeyPath, loadTargets, usageTableName, type EnvironmentTarget } from "../stacks/environments";
import { cdktfJsonContext, SettingsError } from "../stacks/settings";
import { daysProblem, DEFAULT_USAGE_DAYS, usageReport } from "./usage-report";

export class UsageError extends Error {}

const USAGE = "usage: npm run client-key -- <add NAME | list | revoke NAME | usage [NAME] [--days N]> [--env ENV]";

export interface Output {
  /** What the user keeps (the key) or reads (the list): stdout. */
  out(line: string): void;
  /** Guidance around it: stderr. */
  note(line: string): void;
}

/** Runs one command; `ssmFor(region)` and `dynamoFor(region)` make the clients (tests point them at loopback fakes). */
export async function clientKey(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  context: Readonly<Record<string, unknown>>,
  output: Output,
  ssmFor: (region: string) => SSMClient = (region) => new SSMClient({ region }),
  dynamoFor: (region: string) => DynamoDBClient = (region) => new DynamoDBClient({ region }),
): Promise<void> {
  const args = [...argv];
  const envFlag = args.indexOf("--env");
  let environment = env["ANKIFY_ENVIRONMENT"]?.trim() || undefined;
  if (envFlag >= 0) {
    environment = args[envFlag + 1];
    if (!environment || environment.startsWith("-")) throw new UsageError(`--env needs an environment name. ${USAGE}`);
    args.splice(envFlag, 2);
  }
  const daysFlag = args.indexOf("--days");
  let days = DEFAULT_USAGE_DAYS;
  if (daysFlag >= 0) {
    const problem = daysProblem(args[daysFlag + 1]);
    if (problem) throw new UsageError(problem);
    days = Number(args[daysFlag + 1]);
    args.splice(daysFlag, 2);
  }
  const [command, name, ...extra] = args;
  if (command === "usage") {
    if (extra.length > 0) throw new UsageError(USAGE);
    return usage(name, days, resolveTarget(environment, env, context), output, dynamoFor);
  }
  if (daysFlag >= 0) throw new UsageError(`--days is for the usage command. ${USAGE}`);
  if (command !== "add" && command !== "list" && command !== "revoke") throw new UsageError(USAGE);
  if (command === "list" ? name !== undefined : name === undefined || extra.length > 0) throw new UsageError(USAGE);
  if (name !== undefined && !CLIENT_NAME_PATTERN.test(name)) {
    throw new UsageError(`"${name}" is not a client name: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. laptop, claude-code, ci).`);
  }

  const target = resolveTarget(environment, env, context);
  if (target.settings.clientAuth !== "api-key") {
    throw new UsageError(`${target.stackName} uses ANKIFY_CLIENT_AUTH = "${target.settings.clientAuth}": its function reads no API keys. Set clientAuth to "api-key" and deploy first.`);
  }
  const path = clientKeyPath(target.stackName);
  const ssm = ssmFor(target.settings.region);
  const where = `${path} (${target.settings.region})`;

  try {
    if (command === "add") {
      const key = newApiKey();
      await ssm.send(new PutParameterCommand({
        Name: `${path}/${name}`,
        Type: "SecureString",
        Value: apiKeyDigest(key),
        Description: "SHA-256 of an Ankify client API key (npm run client-key)",
        Overwrite: false,
      }));
      output.out(key);
      output.note(`Added client "${name}" to ${target.stackName}. This is the only time the key is shown: store it in the client now.`);
      const how = target.settings.originProtection === "oac"
        ? '"x-api-key: <key>" (in oac mode CloudFront replaces the Authorization header)'
        : '"Authorization: Bearer <key>" or "x-api-key: <key>"';
      output.note(`It works within a minute. Clients send it as ${how}.`);
    } else if (command === "list") {
      const clients = await listClients(ssm, path);
      if (clients.length === 0) output.note(`No client keys under ${where}. Add one: npm run client-key -- add <name>${environment ? ` --env ${environment}` : ""}`);
      for (const client of clients) output.out(`${client.name}\tadded ${client.added}`);
    } else {
      await ssm.send(new DeleteParameterCommand({ Name: `${path}/${name}` }));
      output.note(`Revoked client "${name}" of ${target.stackName}: its key stops working within a minute.`);
    }
  } catch (error) {
    throw explain(error, { command, name: name ?? "", where, region: target.settings.region });
  }
}

async function usage(client: string | undefined, days: number, target: EnvironmentTarget, output: Output, dynamoFor: (region: string) => DynamoDBClient): Promise<void> {
  const table = usageTableName(target.stackName);
  const region = target.settings.region;
  try {
    const report = await usageReport(dynamoFor(region), { table, ...(client !== undefined ? { client } : {}), days, dailyCharacters: target.settings.clientDailyCharacters });
    output.note(report.heading);
    if (report.lines.length === 0) output.note(client !== undefined ? `No usage by "${client}" in those days.` : "No usage in those days.");
    for (const line of report.lines) output.out(line);
  } catch (error) {
    const name = (error as { name?: string }).name ?? "";
    if (name === "ResourceNotFoundException") throw new UsageError(`No usage table ${table} in ${region}: deploy ${target.stackName} first (the table came with per-client limits).`);
    if (name === "AccessDeniedException") {
      throw new UsageError(`AWS refused: ${(error as Error).message}. The usage command needs dynamodb:Query and dynamodb:Scan on the table ${table} (${region}).`);
    }
    throw explain(error, { command: "usage", name: client ?? "", where: `${table} (${region})`, region, service: "DynamoDB" });
  }
}

function resolveTarget(environment: string | undefined, env: Readonly<Record<string, string | undefined>>, context: Readonly<Record<string, unknown>>): EnvironmentTarget {
  const declared = context["environments"] as Record<string, unknown> | undefined;
  const names = declared ? Object.keys(declared) : [];
  if (!declared && environment !== undefined) throw new UsageError(`"${environment}" names an environment, but cdktf.json declares none; run without --env for the single "ankify" stack.`);
  if (declared && environment === undefined) throw new UsageError(`Name the environment whose keys to manage: --env <${names.join("|")}>.`);
  if (declared && !names.includes(environment!)) throw new UsageError(`"${environment}" is not a declared environment; use one of: ${names.join(", ")}.`);
  return loadTargets({ context, env: { ...env, ...(environment ? { ANKIFY_ENVIRONMENT: environment } : {}) } })[0]!;
}

async function listClients(ssm: SSMClient, path: string): Promise<Array<{ name: string; added: string }>> {
  const found: ParameterMetadata[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Path", Option: "OneLevel", Values: [path] }], NextToken }));
    found.push(...(page.Parameters ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return found
    .map((p) => ({ name: p.Name!.slice(path.length + 1), added: p.LastModifiedDate ? new Date(p.LastModifiedDate).toISOString().slice(0, 10) : "?" }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The AWS error as a sentence that says what to do. */
function explain(error: unknown, context: { command: string; name: string; where: string; region: string; service?: string }): Error {
  const name = (error as { name?: string }).name ?? "";
  const message = (error as Error).message ?? String(error);
  if (name === "ParameterAlreadyExists") {
    return new UsageError(`Client "${context.name}" already has a key under ${context.where}. Revoke it first (npm run client-key -- revoke ${context.name}), or add the new key under another name and revoke the old one once clients use it: a rotation without downtime.`);
  }
  if (name === "ParameterNotFound") return new UsageError(`No client named "${context.name}" under ${context.where}; see npm run client-key -- list.`);
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    return new UsageError(`No AWS credentials: the client-key command talks to ${context.service ?? "SSM"} in ${context.region}. Set AWS_PROFILE, run "aws sso login" or "aws configure", then retry.`);
  }
  if (name === "AccessDeniedException" || name === "AccessDenied") {
    return new UsageError(`AWS refused: ${message}. The command needs ssm:PutParameter, ssm:DescribeParameters and ssm:DeleteParameter on ${context.where}.`);
  }
  if (name === "ExpiredTokenException" || name === "UnrecognizedClientException") return new UsageError(`Your AWS credentials were refused (${name}); refresh them (aws sso login) and retry.`);
  return error as Error;
}

if (require.main === module) {
  const io: Output = { out: (line) => console.log(line), note: (line) => console.error(line) };
  clientKey(process.argv.slice(2), process.env, cdktfJsonContext(), io).catch((error: unknown) => {
    if (!(error instanceof UsageError || error instanceof SettingsError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  });
}
