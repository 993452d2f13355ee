/**
 * How a job's work starts once its record is stored. In Lambda: an asynchronous invocation of this
 * same function (InvocationType "Event"), which Lambda queues and runs in an execution environment
 * of its own, for up to the function's timeout, whatever happens to the request that made the job.
 * The stack allows the function to invoke only itself, and sets the asynchronous invocation to no
 * retries and a maximum event age (stacks/edge/ankify-function.ts); a duplicate delivery finds the
 * job taken and does nothing (worker.ts). Locally: the same worker, in this process.
 */
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { log } from "../log";
import { deckJobEvent } from "./event";

export interface JobLauncher {
  /** Starts the job's worker; resolves once it is on its way (not when it ends). `signal` bounds the wait. */
  launch(jobId: string, signal?: AbortSignal): Promise<void>;
}

/** Lambda: the function invokes itself with the job event. */
export class SelfInvokeLauncher implements JobLauncher {
  constructor(
    private readonly client: LambdaClient,
    /** This function's name (Lambda sets AWS_LAMBDA_FUNCTION_NAME). */
    private readonly functionName: string,
  ) {}

  async launch(jobId: string, signal?: AbortSignal): Promise<void> {
    // The SDK has no request timeout of its own: a Lambda API that never answers would hold the
    // request that made the job past its deadline without the caller's signal (deadline.ts).
    const answer = await this.client.send(new InvokeCommand({
      FunctionName: this.functionName,
      InvocationType: "Event",
      Payload: new TextEncoder().encode(JSON.stringify(deckJobEvent(jobId))),
    }), signal ? { abortSignal: signal } : {});
    // Event invocations answer 202 once Lambda has queued the event.
    if (answer.StatusCode !== 202) throw new Error(`Lambda answered ${answer.StatusCode ?? "no status"} to the job's invocation`);
  }
}

/**
 * The dev server and tests: the worker runs in this process, started on the next turn of the event
 * loop (as Lambda would start it a moment later), and nothing awaits it but `idle()`.
 */
export class InProcessLauncher implements JobLauncher {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly run: (jobId: string) => Promise<void>) {}

  async launch(jobId: string): Promise<void> {
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(jobId))
      .catch((error: Error) => log("error", "job.worker_crashed", { jobId, error: { name: error.name, message: error.message, stack: error.stack } }))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  /** Resolves when every job started here has ended. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
