// A cold-start reference: a handler module that imports the three AWS SDK clients the Lambda ingress
// loads on its first invocation (SNS, SQS, DynamoDB), and answers 200. Its import time is what
// loading the SDK alone costs a fresh process.
import "@aws-sdk/client-dynamodb";
import "@aws-sdk/client-sns";
import "@aws-sdk/client-sqs";

export { handler } from "../servers/bare-lambda.mjs";
