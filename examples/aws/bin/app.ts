#!/usr/bin/env node
// `npm run synth` / `npm run deploy`: the Lambda code comes from dist/, which `npm run build` bundles.
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SlacklineStack } from "../lib/stack.js";

const app = new App();
const groups = (app.node.tryGetContext("groups") as string | undefined)?.split(",").map((g) => g.trim());
new SlacklineStack(app, "Slackline", {
  code: lambda.Code.fromAsset(join(import.meta.dirname, "../dist")),
  ...(groups ? { groups } : {}),
});
