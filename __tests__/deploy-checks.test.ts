// `npm run deploy` checks docker (when it builds), the aws CLI and credentials before cdktf starts.
// The commands are stand-ins on a PATH of their own, answering as the real ones do (messages and exit
// codes of Docker 28 and AWS CLI 2); no real AWS.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployProblems } from "../scripts/deploy-checks";
import { PROJECT_ROOT, TS_REGISTER } from "../testing/paths";

type Docker = "ok" | "no buildx" | "no daemon" | "missing";
type Aws = "ok" | "no credentials" | "missing";

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A PATH holding only stand-in `docker` and `aws` (as asked) and node; the aws stand-in logs its arguments. */
function machine(docker: Docker, aws: Aws): { env: NodeJS.ProcessEnv; awsCalls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "ankify-tools-"));
  dirs.push(dir);
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  if (docker !== "missing") {
    script("docker", `case "$1" in
  --version) echo "Docker version 28.0.1, build 068a01e" ;;
  buildx) ${docker === "no buildx" ? `echo "docker: 'buildx' is not a docker command." >&2; echo "See 'docker --help'" >&2; exit 1` : `echo "github.com/docker/buildx v0.21.1 7c2359c"`} ;;
  info) ${docker === "no daemon" ? `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1` : "echo 28.0.1"} ;;
  *) exit 1 ;;
esac`);
  }
  if (aws !== "missing") {
    script("aws", `echo "$*" >> "${join(dir, "aws-calls")}"
case "$1" in
  --version) echo "aws-cli/2.24.0 Python/3.12.9 Linux/6.8.0 exe/x86_64.ubuntu.24" ;;
  sts) ${aws === "no credentials" ? `echo >&2; echo 'Unable to locate credentials. You can configure credentials by running "aws configure".' >&2; exit 253` : "echo 123456789012"} ;;
  *) exit 1 ;;
esac`);
  }
  symlinkSync(process.execPath, join(dir, "node"));
  return {
    env: { PATH: dir, HOME: dir },
    awsCalls: () => { try { return readFileSync(join(dir, "aws-calls"), "utf8").trim().split("\n"); } catch { return []; } },
  };
}

const mac = process.platform === "darwin";
const NO_DOCKER = "docker is missing: the deploy builds the function's image with it (or set ANKIFY_IMAGE_URI to run an image you pushed). " +
  `Install ${mac ? "Docker Desktop (brew install --cask docker)" : "Docker Engine: https://docs.docker.com/engine/install/"}.`;
const NO_BUILDX = "docker buildx is missing: the image is built with it for the function's architecture. " +
  `Install it: ${mac ? "Docker Desktop includes it" : "sudo apt-get install docker-buildx-plugin (Docker's apt repository), or https://github.com/docker/buildx#installing"}.`;
const NO_DAEMON = "docker cannot reach its daemon (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?): " +
  `${mac ? "start Docker Desktop" : "sudo systemctl start docker"}, then retry.`;
const NO_AWS = (building: boolean) => `the aws CLI is missing: the deploy checks your credentials with it${building ? " and logs in to ECR with it to push the image" : ""}. ` +
  `Install it: ${mac ? "brew install awscli" : "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"}.`;
const NO_CREDENTIALS = 'AWS credentials do not work (aws sts get-caller-identity: Unable to locate credentials. You can configure credentials by running "aws configure".): ' +
  "run aws configure (or aws sso login), or set AWS_PROFILE to a profile that works, then retry.";

describe("what npm run deploy checks first", () => {
  it.each<[string, Docker, Aws, boolean, string[]]>([
    ["everything there", "ok", "ok", true, []],
    ["no docker", "missing", "ok", true, [NO_DOCKER]],
    ["no docker, but an image to run", "missing", "ok", false, []],
    ["docker without buildx", "no buildx", "ok", true, [NO_BUILDX]],
    ["docker without its daemon", "no daemon", "ok", true, [NO_DAEMON]],
    ["no aws CLI", "ok", "missing", true, [NO_AWS(true)]],
    ["no aws CLI, an image to run", "missing", "missing", false, [NO_AWS(false)]],
    ["no credentials", "ok", "no credentials", true, [NO_CREDENTIALS]],
    ["nothing at all", "missing", "missing", true, [NO_DOCKER, NO_AWS(true)]],
  ])("%s: one line per problem, with the fix", (_case, docker, aws, buildsImage, problems) => {
    expect(deployProblems({ buildsImage, region: "eu-west-1" }, machine(docker, aws).env)).toEqual(problems);
  });

  it("asks for the caller's identity in the app region (the CLI may have no default region)", () => {
    const tools = machine("ok", "ok");
    deployProblems({ buildsImage: false, region: "ap-southeast-2" }, tools.env);
    expect(tools.awsCalls()).toEqual(["--version", "sts get-caller-identity --region ap-southeast-2 --output text --query Account"]);
  });

  it("stops npm run deploy before cdktf starts, exit status 1", () => {
    const tools = machine("missing", "no credentials");
    const run = spawnSync(join(tools.env["PATH"]!, "node"), ["-r", "./scripts/quiet-env.js", "-r", TS_REGISTER, "scripts/cdktf-env.ts", "deploy"], {
      cwd: PROJECT_ROOT, env: tools.env, encoding: "utf8", timeout: 30_000,
    });
    expect(run.stderr.trim().split("\n")).toEqual([`deploy: ${NO_DOCKER}`, `deploy: ${NO_CREDENTIALS}`]);
    expect(run.status).toBe(1);
  }, 30_000);
});
