import { connect } from "node:net";

/**
 * Integration tests need real services. On a developer's machine a missing service skips its suite
 * with a printed reason; in CI (SLACKLINE_REQUIRE_SERVICES=1) a missing service is a failure.
 */
export const servicesRequired = process.env.SLACKLINE_REQUIRE_SERVICES === "1";

export function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Resolves true when the service answers. When it does not: throws in CI, else prints why the suite
 * is skipped and resolves false. Use with top-level await and `describe.skipIf(!available)`.
 */
export async function requireService(name: string, url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const ok = await tcpReachable(hostname || "127.0.0.1", Number(port));
  if (ok) return true;
  const message = `${name} is not answering at ${url}`;
  if (servicesRequired)
    throw new Error(`${message} (SLACKLINE_REQUIRE_SERVICES=1, so this fails instead of skipping)`);
  console.warn(`SKIP: ${message}; its integration tests are skipped`);
  return false;
}

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
export const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
