/** One IAM policy statement; values may hold Terraform references (cdktf tokens). */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: string | Record<string, string | readonly string[]>;
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, string>>;
}

/**
 * A policy as a JSON string. Tokens inside become `${...}` interpolations, so the synthesized value
 * is still plain JSON, and reads as JSON in `terraform plan`.
 */
export function policyDocument(...statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
