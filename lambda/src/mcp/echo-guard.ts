/**
 * The SDK repeats client input in its error answers: an unknown tool's name, a header that disagrees
 * with the body, a protocol version it does not speak, field names in validation messages. Any of
 * these can be as long as the request (6 MB), so every error answer leaving the SDK is checked here
 * against the long strings of the request it answers, and each one it repeats is cut to an excerpt
 * (http/echo.ts). Successful answers pass untouched: what they repeat (deck_name) is bounded by the
 * tool's schema. Ids and progress tokens are repeated by every answer, so they are refused when long.
 */
import { boundEcho, MAX_ECHO } from "../http/echo";

/**
 * Strings over MAX_ECHO characters in the request — the message's values and keys, and the header
 * values — longest first: what an answer might repeat. The walk is iterative: a body nested a million
 * levels deep must not overflow the stack.
 */
export function longClientStrings(message: unknown, headers: Headers): string[] {
  const found = new Set<string>();
  headers.forEach((value) => {
    if (value.length > MAX_ECHO) found.add(value);
  });
  const stack: unknown[] = [message];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") {
      if (value.length > MAX_ECHO) found.add(value);
    } else if (Array.isArray(value)) stack.push(...value);
    else if (value !== null && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        if (key.length > MAX_ECHO) found.add(key);
        stack.push(inner);
      }
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Which identifier of `message` every answer would repeat whole and is too long to, if any. */
export function overlongIdentifier(message: unknown): "id" | "progressToken" | undefined {
  const m = message as { id?: unknown; params?: { _meta?: { progressToken?: unknown } } } | null;
  if (typeof m?.id === "string" && m.id.length > MAX_ECHO) return "id";
  const token = m?.params?._meta?.progressToken;
  if (typeof token === "string" && token.length > MAX_ECHO) return "progressToken";
  return undefined;
}

/** Characters compared, at most, while looking for repeats in one answer's text before cutting it short. */
const MAX_SCAN = 50_000_000;

/** `text` with each long client string in it cut to an excerpt. */
export function boundRepeats(text: string, echoes: readonly string[]): string {
  let out = text;
  let scanned = 0;
  for (const echo of echoes) {
    if (out.length <= MAX_ECHO) break;
    if (echo.length > out.length) continue;
    scanned += out.length;
    // So many long strings that checking them all would cost more than the request is worth: the
    // whole text is cut instead, which bounds what it can repeat just the same.
    if (scanned > MAX_SCAN) return boundEcho(out, 10 * MAX_ECHO);
    if (out.includes(echo)) out = out.split(echo).join(boundEcho(echo));
  }
  return out;
}

type JsonRpcAnswer = {
  error?: { message?: unknown; data?: unknown };
  result?: { isError?: unknown; content?: Array<{ type?: unknown; text?: unknown }> };
};

/** An answer with its error texts bounded; anything else is returned as it was. */
function boundAnswerMessage(message: JsonRpcAnswer, echoes: readonly string[]): JsonRpcAnswer {
  if (message.error && typeof message.error === "object") {
    const { message: text, data, ...rest } = message.error;
    return {
      ...message,
      error: {
        ...rest,
        ...(typeof text === "string" ? { message: boundRepeats(text, echoes) } : {}),
        ...(data !== undefined ? { data: boundStrings(data, echoes) } : {}),
      },
    };
  }
  if (message.result?.isError === true && Array.isArray(message.result.content)) {
    return {
      ...message,
      result: { ...message.result, content: message.result.content.map((part) => (typeof part.text === "string" ? { ...part, text: boundRepeats(part.text, echoes) } : part)) },
    };
  }
  return message;
}

function boundStrings(value: unknown, echoes: readonly string[]): unknown {
  if (typeof value === "string") return boundRepeats(value, echoes);
  if (Array.isArray(value)) return value.map((item) => boundStrings(item, echoes));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [boundRepeats(key, echoes), boundStrings(inner, echoes)]));
  }
  return value;
}

function rewrite(json: string, echoes: readonly string[]): string {
  if (!json.includes('"error"') && !json.includes('"isError"')) return json;
  try {
    return JSON.stringify(boundAnswerMessage(JSON.parse(json) as JsonRpcAnswer, echoes));
  } catch {
    return boundRepeats(json, echoes);
  }
}

/**
 * The SDK's answer with every error text bounded: a JSON body as a whole, an SSE body event by event
 * as it streams (keep-alive comments and progress pass as they come).
 */
export async function boundAnswer(response: Response, echoes: readonly string[]): Promise<Response> {
  if (echoes.length === 0 || !response.body) return response;
  const type = response.headers.get("content-type") ?? "";
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  const init = { status: response.status, statusText: response.statusText, headers };
  if (type.startsWith("application/json")) return new Response(rewrite(await response.text(), echoes), init);
  if (!type.startsWith("text/event-stream")) return response;
  let pending = "";
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const events = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      const end = pending.lastIndexOf("\n\n");
      if (end < 0) return;
      const complete = pending.slice(0, end + 2);
      pending = pending.slice(end + 2);
      controller.enqueue(encoder.encode(complete.replace(/^data: (.*)$/gm, (_line, json: string) => `data: ${rewrite(json, echoes)}`)));
    },
    flush(controller) {
      if (pending) controller.enqueue(encoder.encode(pending));
    },
  });
  return new Response(response.body.pipeThrough(events), init);
}
