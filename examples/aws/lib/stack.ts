import { CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { groupQueueNames, snsTopicName } from "./names.js";

export interface SlacklineStackProps extends StackProps {
  /** The Lambda code: a directory holding ingress.mjs and worker.mjs (`npm run build` makes dist/). */
  code: lambda.Code;
  /** SLACK_EVENTS_TOPIC: names the SNS topic and the queues (default "slack_events"). */
  topic?: string;
  /** Consumer groups: each gets a queue, a DLQ and a worker Lambda (default ["default"]). */
  groups?: string[];
  /** MAX_ATTEMPTS: the worker's attempts and the queues' maxReceiveCount (default 5). */
  maxAttempts?: number;
  /** The worker Lambda's timeout: the longest a handler batch may run (default 60 s). */
  workerTimeout?: Duration;
  /** Alarm when a group's oldest message is older than this (default 5 minutes). */
  oldestMessageAlarmAge?: Duration;
  /** DynamoDB table name (DYNAMODB_TABLE; default "slackline-dedup"). */
  tableName?: string;
}

const RETENTION = Duration.days(14);

/**
 * Slackline on AWS: Slack -> Function URL -> ingress Lambda (verify, dedup in DynamoDB, publish to
 * SNS) -> one SQS queue per consumer group (raw delivery) -> that group's worker Lambda. A message a
 * worker fails MAX_ATTEMPTS times goes to the group's DLQ; CloudWatch alarms watch every DLQ's depth
 * and every queue's oldest message. Names follow the sqs backend's (docs/aws.md), so `slackline dlq`
 * with QUEUE_BACKEND=sqs works on these queues.
 */
export class SlacklineStack extends Stack {
  constructor(scope: Construct, id: string, props: SlacklineStackProps) {
    super(scope, id, props);
    const topicName = props.topic ?? "slack_events";
    const groups = props.groups ?? ["default"];
    const maxAttempts = props.maxAttempts ?? 5;
    const workerTimeout = props.workerTimeout ?? Duration.seconds(60);

    const signingSecret = new CfnParameter(this, "SlackSigningSecret", {
      type: "String",
      noEcho: true,
      description: "The Slack app's signing secret (Basic Information page)",
    });
    const botToken = new CfnParameter(this, "SlackBotToken", {
      type: "String",
      noEcho: true,
      default: "",
      description: "xoxb- token for the handlers' Web API client (optional)",
    });

    const topic = new sns.Topic(this, "Events", { topicName: snsTopicName(topicName) });
    const table = new dynamodb.Table(this, "Dedup", {
      tableName: props.tableName ?? "slackline-dedup",
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // DynamoDB deletes expired items on its own, eventually; Slackline checks expiry itself.
      timeToLiveAttribute: "ttl",
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const alarms = new sns.Topic(this, "Alarms");

    const environment = {
      QUEUE_BACKEND: "sqs",
      DEDUP_STORE: "dynamodb",
      DYNAMODB_TABLE: table.tableName,
      SLACK_EVENTS_TOPIC: topicName,
      SNS_TOPIC_ARN: topic.topicArn,
      SLACKLINE_GROUPS: groups.join(","),
      MAX_ATTEMPTS: String(maxAttempts),
      SLACK_SIGNING_SECRET: signingSecret.valueAsString,
      SLACK_BOT_TOKEN: botToken.valueAsString,
      NODE_OPTIONS: "--enable-source-maps",
    };

    const ingress = new lambda.Function(this, "Ingress", {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      code: props.code,
      handler: "ingress.handler",
      memorySize: 512,
      // Slack gives up after 3 s; a publish that has not answered by then is answered 503 by Slackline.
      timeout: Duration.seconds(10),
      environment,
    });
    const url = ingress.addFunctionUrl({
      // Slack cannot sign AWS requests: the function checks Slack's own signature on every request.
      authType: lambda.FunctionUrlAuthType.NONE,
    });
    topic.grantPublish(ingress);
    ingress.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "DedupClaims",
        // Conditional PutItem claims, confirm, release (a conditional DeleteItem), the read after a
        // lost claim race, and the start-up check that the table exists.
        actions: ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:DescribeTable"],
        resources: [table.tableArn],
      }),
    );

    for (const group of groups) {
      const names = groupQueueNames(topicName, group);
      const id = `Group${group.replace(/[^A-Za-z0-9]/g, "")}`;
      const dlq = new sqs.Queue(this, `${id}Dlq`, { queueName: names.dlq, retentionPeriod: RETENTION });
      const queue = new sqs.Queue(this, `${id}Queue`, {
        queueName: names.queue,
        retentionPeriod: RETENTION,
        // AWS's advice for a Lambda event source: six times the function's timeout.
        visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * 6),
        deadLetterQueue: { queue: dlq, maxReceiveCount: maxAttempts },
      });
      // Also writes the queue policy that lets this topic (and only it) send to the queue.
      topic.addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true }));

      const worker = new lambda.Function(this, `${id}Worker`, {
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        code: props.code,
        handler: "worker.handler",
        memorySize: 512,
        timeout: workerTimeout,
        environment: { ...environment, SLACKLINE_GROUP: group },
      });
      // Grants receive, delete, change-visibility and attribute reads on this queue only.
      worker.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
      worker.addToRolePolicy(
        new iam.PolicyStatement({
          sid: "DeadLetters",
          // The worker writes a dead letter with its reason itself after the last attempt.
          actions: ["sqs:SendMessage"],
          resources: [dlq.queueArn],
        }),
      );
      worker.addToRolePolicy(
        new iam.PolicyStatement({
          sid: "ProcessedMarkers",
          // Lookups and writes of a batch's markers, and the start-up check that the table exists.
          actions: ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable"],
          resources: [table.tableArn],
        }),
      );

      const dead = new cloudwatch.Alarm(this, `${id}DeadLetters`, {
        alarmDescription: `Slackline group "${group}": messages in its dead-letter queue ${names.dlq} (replay with slackline dlq)`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      const maxAge = props.oldestMessageAlarmAge ?? Duration.minutes(5);
      const behind = new cloudwatch.Alarm(this, `${id}OldestMessage`, {
        alarmDescription: `Slackline group "${group}": its oldest message is older than ${maxAge.toHumanString()} (workers failing or too slow)`,
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
        threshold: maxAge.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      for (const alarm of [dead, behind]) alarm.addAlarmAction(new actions.SnsAction(alarms));
    }

    new CfnOutput(this, "SlackRequestUrl", {
      description: "Event Subscriptions, Interactivity and Slash Commands Request URL",
      value: `${url.url}slack/events`,
    });
    new CfnOutput(this, "AlarmTopicArn", {
      description: "Subscribe to this SNS topic (email, chat) to hear of the alarms",
      value: alarms.topicArn,
    });
    new CfnOutput(this, "DedupTableName", { value: table.tableName });
  }
}
