import { ReplyError } from "ioredis";

/**
 * The error code of a Redis error reply (`NOGROUP`, `BUSYGROUP`, `NOSCRIPT`, ...): Redis puts it as
 * the first word of the message. Null for anything that is not a reply from the server (a timeout, a
 * closed connection).
 */
export function redisReplyCode(err: unknown): string | null {
  if (!(err instanceof ReplyError)) return null;
  const message = (err as Error).message;
  const space = message.indexOf(" ");
  return space === -1 ? message : message.slice(0, space);
}

/** The server answered with this error code. */
export const isRedisReply = (err: unknown, code: string): boolean => redisReplyCode(err) === code;
