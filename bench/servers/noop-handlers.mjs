// The handlers `slackline worker` runs in the soak: one no-op listener for the benchmark's events.
export default (router) => {
  router.appMention(() => {});
};
