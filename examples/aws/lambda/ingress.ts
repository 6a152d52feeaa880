// The ingress Lambda behind the Function URL: Slack's Request URL is <function URL>/slack/events.
// lambdaIngress() verifies the signature over the raw bytes, drops Slack's retries (DynamoDB),
// publishes to SNS and answers 200 only once the publish is durable. Its configuration comes from
// the environment the stack sets (lib/stack.ts).
import { lambdaIngress } from "slackline/aws";

export const handler = lambdaIngress();
