/** `slackline/testing`: helpers for testing Slack apps built on Slackline. */

export type { RecentDetail as HandledEvent, SettledView as Settlement } from "../dashboard/api-types.js";
export { checkSlackSignature, signSlackRequest, verifySlackSignature } from "../ingress/signature.js";
export { MemoryQueue } from "../queue/backends/memory.js";
export { type SentRequest, TestApp, type TestAppOptions } from "./app.js";
export { DeliveryCollector } from "./collector.js";
export { sampleEnvelope, uniqueTopic } from "./envelopes.js";
export type { FakeResponse } from "./fake-slack/response-urls.js";
export type {
  BotSeed,
  ChannelSeed,
  FakeBot,
  FakeCaller,
  FakeChannel,
  FakeEphemeral,
  FakeFile,
  FakePin,
  FakeReaction,
  FakeSlackCall,
  FakeSlackSeed,
  FakeTeam,
  FakeUser,
  FakeUsergroup,
  FakeUserToken,
  FileSeed,
  MessageMetadata,
  MessageSeed,
  UsergroupSeed,
  UserSeed,
  UserTokenSeed,
} from "./fake-slack/types.js";
export {
  DEFAULT_FAKE_TOKEN,
  type FakeMessage,
  FakeSlack,
  type FakeSlackOptions,
  generatedUsers,
  type RateLimitConfig,
} from "./fake-slack.js";
export { type SlackLambdaEventOptions, slackLambdaEvent } from "./lambda-events.js";
export {
  DEFAULT_APP_TOKEN,
  type DisconnectReason,
  type SendOptions,
  type SocketEnvelopeType,
  type SocketModeAck,
  type SocketModeAttempt,
  type SocketModeConnectionInfo,
  type SocketModeDelivery,
  SocketModeServer,
  type SocketModeServerOptions,
} from "./socket-mode/index.js";
