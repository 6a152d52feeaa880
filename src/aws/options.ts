import type { Env } from "../config/env.js";
import type { Router } from "../handlers/router.js";

export interface LambdaIngressOptions {
  /** A handler module's router: its responders answer inline (options, modal validation, command replies). */
  router?: Router;
  /** Configuration; default the process environment (Lambda's function configuration). */
  env?: Env;
  maxBodyBytes?: number;
}

export interface SqsWorkerOptions {
  /** What a handler module exports (a Router, a handler class or instance, a function (router) => void): the routes `slackline worker --handlers` runs. */
  handlers: Router | object | ((router: Router) => unknown);
  /** Configuration; default the process environment (Lambda's function configuration). */
  env?: Env;
  /** The consumer group (default SLACKLINE_GROUP, else "default"): it names processed-markers. */
  group?: string;
}
