// The handler module of the responders case (`slackline gateway --handlers ...`): responders that
// answer inline, as an external select's options and a slash command's immediate reply do. No queued
// route wants block_suggestion, so those are answered without a publish; the command is published
// durably and answered once it is.
export const OPTIONS = 10;

export default (router) => {
  router.respond(
    "block_suggestion",
    (payload) => ({
      options: Array.from({ length: OPTIONS }, (_, i) => ({
        text: { type: "plain_text", text: `${payload.value} ${i}` },
        value: `${payload.value}-${i}`,
      })),
    }),
    { actionId: "bench_pick" },
  );
  router.respond("/bench", (command) => ({ response_type: "ephemeral", text: `Deploying ${command.text}` }));
};
