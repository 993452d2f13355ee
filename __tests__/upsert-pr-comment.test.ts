import { randomBytes } from "node:crypto";
import { upsertComment } from "../scripts/upsert-pr-comment";
import { FakeGitHub } from "../testing/fake-github";

describe("upsertComment", () => {
  const token = randomBytes(16).toString("hex");
  let github: FakeGitHub;
  let apiUrl: string;
  const input = (body: string, marker = "<!-- ankify-plan:ankify-dev -->") =>
    ({ apiUrl, token, repository: "acme/ankify", pullRequest: 7, marker, body: `${marker}\n${body}` });

  beforeEach(async () => {
    github = new FakeGitHub("acme/ankify", 7, token);
    apiUrl = await github.start();
  });
  afterEach(() => github.stop());

  it("creates the comment when none carries the marker", async () => {
    github.seed(2, (i) => `a human comment ${i}`);
    const result = await upsertComment(input("first plan"));
    expect(result.action).toBe("created");
    expect(github.comments).toHaveLength(3);
    expect(github.comments[2]!.body).toBe("<!-- ankify-plan:ankify-dev -->\nfirst plan");
  });

  it("updates the existing comment instead of adding another", async () => {
    const first = await upsertComment(input("first plan"));
    const second = await upsertComment(input("second plan"));
    expect(second).toEqual({ action: "updated", id: first.id });
    expect(github.comments.map((c) => c.body)).toEqual(["<!-- ankify-plan:ankify-dev -->\nsecond plan"]);
  });

  it("keeps one comment per stack", async () => {
    await upsertComment(input("dev plan"));
    await upsertComment(input("prod plan", "<!-- ankify-plan:ankify-prod -->"));
    await upsertComment(input("dev plan again"));
    expect(github.comments.map((c) => c.body)).toEqual([
      "<!-- ankify-plan:ankify-dev -->\ndev plan again",
      "<!-- ankify-plan:ankify-prod -->\nprod plan",
    ]);
  });

  it("finds its comment past the first page of a busy pull request", async () => {
    github.seed(150, (i) => `review comment ${i}`);
    github.comments[120]!.body = "<!-- ankify-plan:ankify-dev -->\nold plan";
    const result = await upsertComment(input("new plan"));
    expect(result).toEqual({ action: "updated", id: github.comments[120]!.id });
    expect(github.comments).toHaveLength(150);
    expect(github.requests.filter((r) => r.startsWith("GET"))).toEqual([
      "GET /repos/acme/ankify/issues/7/comments?per_page=100&page=1",
      "GET /repos/acme/ankify/issues/7/comments?per_page=100&page=2",
    ]);
  });

  it("reports API errors with the status", async () => {
    await expect(upsertComment({ ...input("x"), token: "wrong" })).rejects.toThrow(
      'GitHub API GET /repos/acme/ankify/issues/7/comments?per_page=100&page=1 answered 401: {"message":"Bad credentials"}',
    );
  });

  it("refuses a body without its marker", async () => {
    await expect(upsertComment({ ...input("x"), body: "no marker" })).rejects.toThrow("must contain its marker");
    expect(github.requests).toEqual([]);
  });
});
