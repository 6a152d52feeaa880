/**
 * `slackline/aws`: the serverless path. `lambdaIngress()` answers Slack from API Gateway or a
 * Function URL; `sqsWorker()` runs handlers from an SQS event source. Importing this loads no AWS
 * SDK client: each part loads what its backend needs on its first invocation.
 */

export { groupQueueNames, snsTopicName } from "../queue/backends/sqs/names.js";
export type {
  ApiGatewayV1Event,
  ApiGatewayV2Event,
  LambdaHttpEvent,
  LambdaHttpResult,
} from "./lambda-events.js";
export { type LambdaIngressHandler, type LambdaIngressOptions, lambdaIngress } from "./lambda-ingress.js";
export type { SqsBatchResponse, SqsEvent, SqsRecord } from "./sqs-records.js";
export { type SqsWorkerHandler, type SqsWorkerOptions, sqsWorker } from "./sqs-worker.js";
