import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import type { StateSettings } from "./environments";

/**
 * Where a stack keeps its state. Without a state bucket: a local file at the repository root
 * (`terraform.<stack>.tfstate`), written as a path relative to the stack's synth folder so the
 * configuration is the same on every machine. With one: S3, encrypted, with S3-native locking.
 */
export function configureStateBackend(stack: TerraformStack, stackName: string, state: StateSettings | undefined): void {
  if (!state) {
    // Terraform runs in cdktf.out/stacks/<stack>; three levels up is the repository root.
    new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
    return;
  }
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: `${state.keyPrefix}${stackName}.tfstate`,
    region: state.region,
    encrypt: true,
  });
  // S3-native locking (a .tflock object beside the state; Terraform >= 1.10) replaces the DynamoDB
  // table. cdktf 0.21's S3BackendConfig predates it, so it has no field for it.
  backend.addOverride("use_lockfile", true);
}
