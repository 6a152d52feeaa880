import { EVENT_ID_HEADER, OUTCOME_HEADER } from "../../ingress/results.js";

/** What the ingress said about one request `slackline send` made. */
export interface SendAnswer {
  status: number;
  statusText: string;
  /** The envelope id, when the ingress explained a delivery. */
  id: string | null;
  /** accepted, duplicate, answered, unavailable; null when the answer was not explained. */
  outcome: string | null;
  body: string;
}

export async function readAnswer(res: Response): Promise<SendAnswer> {
  return {
    status: res.status,
    statusText: res.statusText,
    id: res.headers.get(EVENT_ID_HEADER),
    outcome: res.headers.get(OUTCOME_HEADER),
    body: (await res.text()).trim(),
  };
}

/**
 * One line per request: the status, what became of the delivery, then any body (an inline answer,
 * or why it was refused), last, so a JSON answer can be read off the end of the line.
 */
export function describeAnswer(answer: SendAnswer): string {
  const head = `${answer.status} ${answer.statusText}`;
  const note = outcomeNote(answer);
  return [head, note ? `(${note})` : "", answer.body].filter(Boolean).join(" ");
}

function outcomeNote({ outcome, id, body }: SendAnswer): string {
  switch (outcome) {
    case "accepted":
      return body ? `queued as ${id}; answered inline` : `queued as ${id}`;
    case "duplicate":
      return `duplicate of ${id}, nothing queued`;
    case "answered":
      return "answered inline, nothing queued";
    case "unavailable":
      return "the queue did not take it; Slack would retry";
    default:
      return "";
  }
}
