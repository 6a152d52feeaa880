import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../config/config.js";
import { handlerLoadError } from "./load-error.js";
import { Router } from "./router.js";

const TS_EXTENSION = /\.(c|m)?tsx?$/;
let tsLoaderRegistered = false;

/**
 * Lets `import()` load TypeScript handler modules (and what they import) through tsx. Both of its
 * hooks: outside a `"type": "module"` package tsx reads a `.ts` file as CommonJS, which Node then
 * loads through require(); without the require hook that ended in a misleading "Cannot require() ES
 * Module ... in a cycle".
 */
async function registerTypeScript(): Promise<void> {
  if (tsLoaderRegistered) return;
  const [esm, cjs] = await Promise.all([import("tsx/esm/api"), import("tsx/cjs/api")]);
  cjs.register();
  esm.register();
  tsLoaderRegistered = true;
}

/**
 * The module's default export. A module compiled to CommonJS (a `.ts` file outside a `"type":
 * "module"` package) is seen by import() as `{ default: module.exports }`, and its own
 * `export default` is one level further down, flagged `__esModule`.
 */
function defaultExport(module: Record<string, unknown>): unknown {
  const exported = module.default as { __esModule?: unknown; default?: unknown } | undefined;
  if (
    typeof exported === "object" &&
    exported !== null &&
    exported.__esModule === true &&
    "default" in exported
  )
    return exported.default;
  return exported;
}

/** A Bolt App (duck-typed: nothing of Bolt is loaded for users who do not use it). */
const looksLikeBoltApp = (value: unknown): value is object =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { processEvent?: unknown }).processEvent === "function" &&
  typeof (value as { event?: unknown }).event === "function" &&
  typeof (value as { command?: unknown }).command === "function";

async function boltAppRouter(app: object, what: string): Promise<Router> {
  const [{ SlacklineReceiver }, { boltRouter }] = await Promise.all([
    import("../bolt/receiver.js"),
    import("../bolt/router.js"),
  ]);
  const receiver = SlacklineReceiver.of(app);
  if (!receiver)
    throw new ConfigError(
      `${what}: a Bolt App that was not built with Slackline's receiver; construct it with new App({ ..., receiver: new SlacklineReceiver() }) from "slackline/bolt"`,
    );
  return boltRouter(receiver);
}

const isClass = (fn: unknown): fn is new () => object =>
  typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));

/**
 * Loads a handler module into a router. Its default export is a Router, a handler class or
 * instance (onAppMention-style methods), or a function that receives a router.
 */
export async function loadHandlers(modulePath: string, router: Router = new Router()): Promise<Router> {
  const file = resolve(modulePath);
  if (!existsSync(file))
    throw new ConfigError(`handler module ${modulePath} does not exist; check --handlers`);
  const typescript = TS_EXTENSION.test(file);
  if (typescript) await registerTypeScript();
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw handlerLoadError(modulePath, file, typescript, err);
  }
  return routerFrom(defaultExport(module), `the default export of handler module ${modulePath}`, router);
}

/**
 * A router from what a handler module exports: a Router, a Bolt App (built with SlacklineReceiver),
 * a handler class or instance (onAppMention-style methods), or a function that receives a router.
 */
export async function routerFrom(
  exported: unknown,
  what: string,
  router: Router = new Router(),
): Promise<Router> {
  if (Router.isRouter(exported)) return exported;
  if (looksLikeBoltApp(exported)) return boltAppRouter(exported, what);
  if (isClass(exported)) return router.use(exported);
  if (typeof exported === "function") {
    await (exported as (r: Router) => unknown)(router);
    return router;
  }
  if (typeof exported === "object" && exported !== null) return router.use(exported);
  throw new ConfigError(
    `${what}: not a Router, a handler class or instance, or a function (router) => void; export one of them`,
  );
}
