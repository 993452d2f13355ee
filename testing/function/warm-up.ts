import { until } from "./clock";

/**
 * Makes a client's first request before a test's short deadline starts. That request loads the AWS
 * SDK's lazily required parts, which on a loaded machine can take longer than a 300 ms or 3 s
 * deadline: the call under test would then be given up before its service ever saw it. `send` gets
 * an abort signal; against a service that answers, the request simply finishes; against one that
 * hangs, it is given up once `reached()` says the service has it.
 */
export async function warmUp(send: (abortSignal: AbortSignal) => Promise<unknown>, reached: () => boolean = () => false): Promise<void> {
  const abort = new AbortController();
  let settled = false;
  const sent = send(abort.signal).then(() => undefined, () => undefined).finally(() => (settled = true));
  await until(() => settled || reached(), "a warm-up request to be answered or reach its service");
  abort.abort();
  await sent;
}
