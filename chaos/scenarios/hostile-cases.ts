// The hostile requests: each case says how to send it and which answers are right.
import { connect } from "node:net";
import { type Answer, eventBody, eventId, send, signedHeaders } from "../lib/load.js";

export interface HostileCase {
  category: string;
  /** Set for a valid, signed delivery: it must be handled, once. */
  id: string | null;
  /** The answers that are right for it. */
  expect: readonly (number | string)[];
  send(url: string): Promise<Answer>;
}

/** A small seeded generator, so a run can be repeated (`--seed`). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";
const MAX_BODY = 1024 * 1024;

function randomBytes(rand: () => number, max: number): Buffer {
  const n = Math.floor(rand() * max);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

const post = (headers: Record<string, string | string[]>, body: string | Buffer) => (url: string) =>
  send(url, { headers, body, timeoutMs: 10_000 });

/** Bytes straight onto a socket (requests node:http would not send); the status line of the answer. */
function raw(bytes: string | Buffer) {
  return (url: string): Promise<Answer> => {
    const { hostname, port } = new URL(url);
    const started = performance.now();
    return new Promise((resolve) => {
      const socket = connect({ host: hostname, port: Number(port) });
      let got = "";
      let done = false;
      const finish = (status: Answer["status"]) => {
        if (done) return;
        done = true;
        socket.destroy();
        resolve({ status, ms: performance.now() - started });
      };
      socket.setTimeout(5000, () => finish("timeout"));
      socket.on("data", (chunk) => {
        got += chunk.toString("latin1");
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
        if (m) finish(Number(m[1]));
      });
      socket.on("error", () => finish("error"));
      socket.on("close", () => finish("closed"));
      socket.end(bytes);
    });
  };
}

function signedEvent(extra: Record<string, unknown> = {}): HostileCase {
  const id = eventId("Hos");
  const body = eventBody(id, extra);
  return { category: "valid control", id, expect: [200], send: post(signedHeaders(body), body) };
}

/** Every way a signature can be wrong, on an otherwise valid event. */
function signatureFaults(): HostileCase[] {
  const now = Math.floor(Date.now() / 1000);
  const body = eventBody(eventId("Sig"));
  const good = signedHeaders(body);
  const sig = good["x-slack-signature"]!;
  const ts = good["x-slack-request-timestamp"]!;
  const with_ = (h: Record<string, string | string[] | undefined>) => {
    const headers: Record<string, string | string[]> = { "content-type": JSON_TYPE };
    for (const [k, v] of Object.entries(h)) if (v !== undefined) headers[k] = v;
    return headers;
  };
  const fault = (name: string, headers: Record<string, string | string[] | undefined>, b: string = body) => ({
    category: `signature: ${name}`,
    id: null,
    expect: [401],
    send: post(with_(headers), b),
  });
  const other = eventBody(eventId("Sig"));
  const stale = signedHeaders(body, undefined, now - 330);
  const future = signedHeaders(body, undefined, now + 330);
  const foreign = signedHeaders(body, "not-the-secret");
  return [
    fault("no headers", {}),
    fault("no timestamp", { "x-slack-signature": sig }),
    fault("no signature", { "x-slack-request-timestamp": ts }),
    fault("empty values", { "x-slack-signature": "", "x-slack-request-timestamp": "" }),
    fault("non-numeric timestamp", { "x-slack-signature": sig, "x-slack-request-timestamp": "abc" }),
    fault("decimal timestamp", { "x-slack-signature": sig, "x-slack-request-timestamp": `${ts}.0` }),
    fault("negative timestamp", { "x-slack-signature": sig, "x-slack-request-timestamp": `-${ts}` }),
    fault("huge timestamp", { "x-slack-signature": sig, "x-slack-request-timestamp": "9".repeat(40) }),
    fault("stale (-330 s)", stale),
    fault("future (+330 s)", future),
    fault("wrong secret", foreign),
    fault("other body's signature", { ...signedHeaders(other) }),
    fault("timestamp not the signed one", {
      "x-slack-signature": sig,
      "x-slack-request-timestamp": String(now - 5),
    }),
    fault("v1 scheme", { "x-slack-signature": sig.replace("v0=", "v1="), "x-slack-request-timestamp": ts }),
    fault("truncated", { "x-slack-signature": sig.slice(0, -2), "x-slack-request-timestamp": ts }),
    fault("one char more", { "x-slack-signature": `${sig}0`, "x-slack-request-timestamp": ts }),
    fault("not hex", { "x-slack-signature": `v0=${"z".repeat(64)}`, "x-slack-request-timestamp": ts }),
    fault("repeated header", { "x-slack-signature": [sig, sig], "x-slack-request-timestamp": ts }),
    fault(
      "body changed after signing",
      { "x-slack-signature": sig, "x-slack-request-timestamp": ts },
      `${body} `,
    ),
  ];
}

type Rand = () => number;
const oneOf = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const bodyOf = (tag: string) => eventBody(eventId(tag));

function randomBytesCase(rand: Rand): HostileCase {
  const bytes = randomBytes(rand, 4096);
  const type = oneOf(rand, [JSON_TYPE, FORM_TYPE, "text/plain", "", "application/json; charset=utf-16"]);
  const signed = rand() < 0.5;
  const headers: Record<string, string> = signed ? signedHeaders(bytes) : {};
  if (type) headers["content-type"] = type;
  else delete headers["content-type"];
  const expect = !type || type === "text/plain" ? [415] : signed ? [400] : [401];
  return {
    category: `random bytes (${signed ? "signed" : "unsigned"})`,
    id: null,
    expect,
    send: post(headers, bytes),
  };
}

function nestingCase(rand: Rand): HostileCase {
  const depth = Math.floor(1000 + rand() * 50_000);
  const deep = `${"[".repeat(depth)}${"]".repeat(depth)}`;
  if (rand() < 0.5)
    return {
      category: "deep nesting, not an event",
      id: null,
      expect: [400],
      send: post(signedHeaders(deep), deep),
    };
  const id = eventId("Deep");
  const text = eventBody(id).replace('"text":"chaos"', `"text":"chaos","deep":${deep}`);
  return {
    category: "deep nesting inside an event",
    id,
    expect: [200],
    send: post(signedHeaders(text), text),
  };
}

function sizeCase(rand: Rand): HostileCase {
  const id = eventId("Size");
  const cases: Array<() => HostileCase> = [
    () => {
      const text = eventBody(id, { huge: "x".repeat(MAX_BODY - 2000) });
      return {
        category: "huge field (under 1 MiB)",
        id,
        expect: [200],
        send: post(signedHeaders(text), text),
      };
    },
    () => {
      const text = eventBody(id, { huge: "x".repeat(MAX_BODY + 10) });
      return {
        category: "body over 1 MiB",
        id: null,
        expect: [413, "error"],
        send: post(signedHeaders(text), text),
      };
    },
    () => {
      const text = eventBody(id);
      const headers = { ...signedHeaders(text), "x-filler": "y".repeat(20_000) };
      return { category: "header over 16 KiB", id: null, expect: [431, "error"], send: post(headers, text) };
    },
    () => {
      const text = eventBody(id);
      const headers: Record<string, string> = signedHeaders(text);
      for (let i = 0; i < 500; i++) headers[`x-h${i}`] = String(i);
      return { category: "500 headers", id, expect: [200, 431], send: post(headers, text) };
    },
  ];
  return oneOf(rand, cases)();
}

function encodingCase(rand: Rand): HostileCase {
  const id = eventId("Enc");
  const base = eventBody(id);
  const json = (name: string, bytes: Buffer, ok: boolean) => ({ name, bytes, ok, type: JSON_TYPE });
  const form = (name: string, bytes: Buffer) => ({ name, bytes, ok: false, type: FORM_TYPE });
  const c = oneOf(rand, [
    json(
      "invalid UTF-8 in a string",
      Buffer.from(base.replace('"chaos"', '"\\u0063\xff\xfe"'), "latin1"),
      true,
    ),
    json("lone surrogate escape", Buffer.from(base.replace('"chaos"', '"\\ud800"')), true),
    json("byte order mark", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(base)]), false),
    json("UTF-16", Buffer.from(base, "utf16le"), false),
    json("NUL in a string", Buffer.from(base.replace('"chaos"', '"a\u0000b"')), false),
    form("broken percent-encoding", Buffer.from("payload=%E0%A4%A&x=%%")),
    form("form payload not JSON", Buffer.from(`payload=${encodeURIComponent("{'type':1}")}`)),
  ]);
  const headers = { ...signedHeaders(c.bytes), "content-type": c.type };
  return {
    category: `encoding: ${c.name}`,
    id: c.ok ? id : null,
    expect: c.ok ? [200] : [400],
    send: post(headers, c.bytes),
  };
}

function methodCase(rand: Rand): HostileCase {
  const text = bodyOf("Meth");
  return oneOf<HostileCase>(rand, [
    { category: "GET", id: null, expect: [405], send: (u) => send(u, { method: "GET" }) },
    {
      category: "PUT",
      id: null,
      expect: [405],
      send: (u) => send(u, { method: "PUT", headers: signedHeaders(text), body: text }),
    },
    {
      category: "unknown path",
      id: null,
      expect: [404],
      send: (u) => send(u, { path: "/nope", headers: signedHeaders(text), body: text }),
    },
    {
      category: "url_verification unsigned",
      id: null,
      expect: [401],
      send: post({ "content-type": JSON_TYPE }, '{"type":"url_verification","challenge":"x"}'),
    },
    {
      category: "ssl_check",
      id: null,
      expect: [200],
      send: post({ "content-type": FORM_TYPE }, "ssl_check=1&token=x"),
    },
  ]);
}

function malformedHttpCase(rand: Rand): HostileCase {
  const [name, bytes] = oneOf<[string, string]>(rand, [
    ["garbage request line", "GARBAGE\r\n\r\n"],
    ["header without colon", "POST /slack/events HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"],
    [
      "Content-Length and Transfer-Encoding",
      "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ],
    [
      "bad chunk size",
      "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ],
    [
      "two Content-Lengths",
      "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    ],
    ["control bytes", "\x00\x01\x02\x03\r\n\r\n"],
    ["request line over 16 KiB", `GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ]);
  return {
    category: `malformed HTTP: ${name}`,
    id: null,
    expect: [400, 413, 414, 431, "closed"],
    send: raw(bytes),
  };
}

/** Each category with its share of the requests. */
const CATEGORIES: Array<[number, (rand: Rand) => HostileCase]> = [
  [0.1, () => signedEvent()],
  [0.2, randomBytesCase],
  [0.06, nestingCase],
  [0.04, sizeCase],
  [0.15, encodingCase],
  [0.25, (rand) => oneOf(rand, signatureFaults())],
  [0.08, methodCase],
  [0.12, malformedHttpCase],
];

/** One hostile request, drawn from every category. */
export function hostileCase(rand: Rand): HostileCase {
  let pick = rand();
  for (const [share, make] of CATEGORIES) {
    if (pick < share) return make(rand);
    pick -= share;
  }
  return malformedHttpCase(rand);
}
