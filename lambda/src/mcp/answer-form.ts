/**
 * The answer in the form the client accepts. The SDK's 2025-era fallback answers every request as an
 * SSE stream, and reads Accept only for substrings: a client that refuses streams
 * (`text/event-stream;q=0`) would still get one. Such a client gets the stream's JSON-RPC response as
 * one JSON body instead. Only a client that accepts streams is sent progress, so the stream of a
 * request for JSON holds nothing but that response and keep-alive comments.
 */

/** The SSE answer's JSON-RPC response as a JSON answer; any other answer as it is. */
export async function asJsonAnswer(response: Response): Promise<Response> {
  if (!response.body || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) return response;
  const text = await response.text();
  let answer: string | undefined;
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).replace(/^ /, "")).join("\n");
    if (!data) continue;
    try {
      const message = JSON.parse(data) as { id?: unknown; result?: unknown; error?: unknown };
      if (message.id !== undefined && (message.result !== undefined || message.error !== undefined)) answer = data;
    } catch {
      // not a JSON-RPC message: nothing to answer with
    }
  }
  const headers = new Headers(response.headers);
  headers.set("content-type", "application/json");
  headers.delete("content-length");
  if (answer === undefined) return new Response(null, { status: 204, headers });
  return new Response(answer, { status: response.status, headers });
}
