/**
 * What `npm run deploy` needs on this machine besides Terraform, checked before cdktf starts: without
 * them a deploy fails minutes in, with some resources made and the image not built. One line per
 * problem, each with its fix:
 *  - docker with buildx and a running daemon, when the deploy builds the function's image (no
 *    ANKIFY_IMAGE_URI): scripts/build-image.sh builds it with `docker buildx` for the function's
 *    architecture and pushes it;
 *  - the aws CLI: the build logs in to ECR with it, and these checks ask it about the credentials;
 *  - AWS credentials that work (`aws sts get-caller-identity`), which Terraform will use too.
 */
import { spawnSync } from "node:child_process";

export interface DeployNeeds {
  /** The deploy builds and pushes lambda/'s image (no ANKIFY_IMAGE_URI). */
  readonly buildsImage: boolean;
  /** The app region, for the credentials check (the aws CLI may have no default region). */
  readonly region: string;
}

/** Whether a command ran and succeeded (a missing one did not), and the first line it printed on stderr (or stdout). */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): { readonly ok: boolean; readonly said: string } {
  // Generous: the credentials check may have to reach STS (or refresh an SSO token) over a slow link.
  const result = spawnSync(command, args, { env, encoding: "utf8", timeout: 60_000 });
  const said = `${result.stderr ?? ""}\n${result.stdout ?? ""}`.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";
  return { ok: result.status === 0, said };
}

/** The problems that would stop a deploy on this machine (PATH and credentials from `env`), one line each. */
export function deployProblems(needs: DeployNeeds, env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const mac = process.platform === "darwin";
  if (needs.buildsImage) {
    const docker = run("docker", ["--version"], env);
    if (!docker.ok) {
      problems.push("docker is missing: the deploy builds the function's image with it (or set ANKIFY_IMAGE_URI to run an image you pushed). " +
        `Install ${mac ? "Docker Desktop (brew install --cask docker)" : "Docker Engine: https://docs.docker.com/engine/install/"}.`);
    } else {
      if (!run("docker", ["buildx", "version"], env).ok) {
        problems.push("docker buildx is missing: the image is built with it for the function's architecture. " +
          `Install it: ${mac ? "Docker Desktop includes it" : "sudo apt-get install docker-buildx-plugin (Docker's apt repository), or https://github.com/docker/buildx#installing"}.`);
      }
      const daemon = run("docker", ["info", "--format", "{{.ServerVersion}}"], env);
      if (!daemon.ok) {
        problems.push(`docker cannot reach its daemon (${daemon.said || "docker info failed"}): ${mac ? "start Docker Desktop" : "sudo systemctl start docker"}, then retry.`);
      }
    }
  }
  const aws = run("aws", ["--version"], env);
  if (!aws.ok) {
    problems.push(`the aws CLI is missing: the deploy checks your credentials with it${needs.buildsImage ? " and logs in to ECR with it to push the image" : ""}. ` +
      `Install it: ${mac ? "brew install awscli" : "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"}.`);
  } else {
    const identity = run("aws", ["sts", "get-caller-identity", "--region", needs.region, "--output", "text", "--query", "Account"], env);
    if (!identity.ok) {
      problems.push(`AWS credentials do not work (aws sts get-caller-identity: ${identity.said || "failed"}): ` +
        "run aws configure (or aws sso login), or set AWS_PROFILE to a profile that works, then retry.");
    }
  }
  return problems;
}
