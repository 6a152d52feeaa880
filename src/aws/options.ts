import type { Env } from "../config/env.js";
import type { Router } from "../handlers/router.js";

export interface LambdaIngressOptions {
  /** A handler module's router: its responders answer inline (options, modal validation, command replies). */
  router?: Router;
  /** Configuration; default the process environment (Lambda's function configuration). */
  env?: Env;
  maxBodyBytes?: number;
}
