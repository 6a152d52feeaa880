import { signSlackRequest } from "../../src/ingress/signature.js";

/** POSTs an Events API body to `<baseUrl>/slack/events`, signed as Slack signs it; resolves with the status. */
export async function postSignedEvent(
  baseUrl: string,
  secret: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const { timestamp, signature } = signSlackRequest(secret, body);
  const res = await fetch(`${baseUrl}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": signature,
      ...headers,
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}
