export { DEFAULT_APP_TOKEN, SocketModeServer, type SocketModeServerOptions, type Target } from "./server.js";
export type {
  DisconnectReason,
  SendOptions,
  SocketEnvelopeType,
  SocketModeAck,
  SocketModeAttempt,
  SocketModeConnectionInfo,
  SocketModeDelivery,
} from "./types.js";
