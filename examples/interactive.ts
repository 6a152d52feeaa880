// Answering Slack inline: an external select's options, a modal's validation, and a slash command's
// immediate reply with a follow-up. Run it with
//   slackline start --dev --handlers examples/interactive.ts
// and try it with
//   slackline send examples/payloads/block_suggestion.json     # prints the options Slack would show
//   slackline send examples/payloads/view_submission.json      # prints the field error
//   slackline send examples/payloads/deploy_command.json --fresh  # the immediate reply
// The follow-up goes to the command's response_url, which only Slack (or the fake Slack of
// slackline/testing, see docs/testing.md) serves: offline it is retried, then dead-lettered.
import { Router } from "slackline";

const SERVICES = ["api", "billing", "search", "web"];

const router = new Router();

// The external select asks for options as the user types: answered inline, never queued (no queued
// route is registered for block_suggestion).
router.respond(
  "block_suggestion",
  (payload) => ({
    options: SERVICES.filter((s) => s.startsWith(payload.value)).map((s) => ({
      text: { type: "plain_text" as const, text: s },
      value: s,
    })),
  }),
  { actionId: "pick_service" },
);

// The modal's validation: an error beside the field keeps it open; nothing closes it.
router.respond(
  "view_submission",
  (payload) => {
    const picked = payload.view.state.values.service?.pick_service as { selected_option?: { value: string } };
    const service = picked?.selected_option?.value;
    if (!service || !SERVICES.includes(service))
      return { response_action: "errors" as const, errors: { service: "Pick one of the services" } };
    return undefined;
  },
  { callbackId: "deploy_modal" },
);

// A valid submission is queued too: the worker runs this once.
router.on("view_submission", (payload, { logger }) => {
  logger.info({ callback: payload.view.callback_id }, "deploy submitted");
});

// The command's immediate reply (inside Slack's 3 s) ...
router.respond("/deploy", (command) => ({ response_type: "ephemeral", text: `Deploying ${command.text}…` }));

// ... and the follow-up, once the work is done, through the command's response_url.
router.command("/deploy", async (command, { respond, logger }) => {
  logger.info({ text: command.text }, "deploying");
  await respond({ response_type: "in_channel", text: `Deployed ${command.text}.` });
});

export default router;
