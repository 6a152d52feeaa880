import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { SlacklineStack } from "../lib/stack.js";

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown };

/** Synthesized offline: no AWS account, no Docker; the Lambda code is a plain directory asset. */
let template: Template;
let resources: Record<string, Resource>;

const ofType = (type: string): Array<[string, Resource]> =>
  Object.entries(resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, { ...r, Properties: r.Properties ?? {} }]);
const logicalId = (type: string, match: (r: Resource) => boolean): string => {
  const found = ofType(type).filter(([, r]) => match(r));
  expect(found, `one ${type}`).toHaveLength(1);
  return found[0]![0];
};
const roleOf = (functionId: string): string =>
  (resources[functionId]!.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;
/** Every statement of the inline policies attached to a role. */
const statementsOf = (roleId: string): Statement[] =>
  ofType("AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe("examples/aws: the CDK stack", () => {
  beforeAll(() => {
    const app = new App();
    const stack = new SlacklineStack(app, "Slackline", {
      code: lambda.Code.fromAsset(join(import.meta.dirname, "../lambda")),
      groups: ["default", "billing"],
    });
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources;
  });

  it("an SNS topic named after SLACK_EVENTS_TOPIC, and a DynamoDB table with TTL on `ttl`", () => {
    template.hasResourceProperties("AWS::SNS::Topic", { TopicName: "slack_events" });
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "slackline-dedup",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
      TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
    });
  });

  it("per group: a queue and a DLQ with the backend's names, redrive at MAX_ATTEMPTS, a raw subscription", () => {
    for (const group of ["default", "billing"]) {
      const dlq = logicalId("AWS::SQS::Queue", (r) => r.Properties.QueueName === `slack_events-${group}-dlq`);
      template.hasResourceProperties("AWS::SQS::Queue", {
        QueueName: `slack_events-${group}`,
        MessageRetentionPeriod: 1_209_600,
        VisibilityTimeout: 360,
        RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [dlq, "Arn"] }, maxReceiveCount: 5 },
      });
    }
    template.resourceCountIs("AWS::SNS::Subscription", 2);
    template.allResourcesProperties("AWS::SNS::Subscription", { Protocol: "sqs", RawMessageDelivery: true });
    // Only the topic may send to a queue.
    template.allResourcesProperties("AWS::SQS::QueuePolicy", {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: "sqs:SendMessage",
            Principal: { Service: "sns.amazonaws.com" },
            Condition: { ArnEquals: { "aws:SourceArn": { Ref: Match.anyValue() } } },
          }),
        ],
      },
    });
  });

  it("the ingress Lambda behind a Function URL, and the Request URL as an output", () => {
    const ingress = logicalId("AWS::Lambda::Function", (r) => r.Properties.Handler === "ingress.handler");
    template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      TargetFunctionArn: { "Fn::GetAtt": [ingress, "Arn"] },
    });
    const env = (resources[ingress]!.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env).toMatchObject({
      QUEUE_BACKEND: "sqs",
      DEDUP_STORE: "dynamodb",
      SLACK_EVENTS_TOPIC: "slack_events",
      SLACKLINE_GROUPS: "default,billing",
      SNS_TOPIC_ARN: { Ref: expect.any(String) },
    });
    const url = template.toJSON().Outputs.SlackRequestUrl.Value;
    expect(JSON.stringify(url)).toContain("slack/events");
  });

  it("a worker Lambda per group on its queue, reporting partial batch failures", () => {
    const workers = ofType("AWS::Lambda::Function").filter(
      ([, r]) => r.Properties.Handler === "worker.handler",
    );
    expect(workers).toHaveLength(2);
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 2);
    template.allResourcesProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: 10,
    });
    for (const group of ["default", "billing"]) {
      const queue = logicalId("AWS::SQS::Queue", (r) => r.Properties.QueueName === `slack_events-${group}`);
      const worker = workers.find(
        ([, r]) =>
          (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables.SLACKLINE_GROUP ===
          group,
      );
      expect(worker).toBeDefined();
      template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
        EventSourceArn: { "Fn::GetAtt": [queue, "Arn"] },
        FunctionName: { Ref: worker![0] },
      });
    }
  });

  it("least privilege: no `*` in any action or resource of the stack's own policies", () => {
    for (const [id, policy] of ofType("AWS::IAM::Policy")) {
      for (const s of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const action of actions(s)) expect(action, `${id}: ${action}`).not.toMatch(/\*/);
        for (const resource of [s.Resource].flat()) expect(resource, `${id}`).not.toBe("*");
      }
    }
  });

  it("the ingress may publish to the topic and make conditional writes to the table, and nothing else", () => {
    const ingress = logicalId("AWS::Lambda::Function", (r) => r.Properties.Handler === "ingress.handler");
    const topic = logicalId("AWS::SNS::Topic", (r) => r.Properties.TopicName === "slack_events");
    const table = logicalId("AWS::DynamoDB::Table", () => true);
    const statements = statementsOf(roleOf(ingress));
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        "dynamodb:DeleteItem",
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "sns:Publish",
      ].sort(),
    );
    for (const s of statements) {
      const resource = JSON.stringify(s.Resource);
      if (actions(s).includes("sns:Publish")) expect(resource).toBe(JSON.stringify({ Ref: topic }));
      else expect(resource).toBe(JSON.stringify({ "Fn::GetAtt": [table, "Arn"] }));
    }
  });

  it("a worker may consume its own queue, dead-letter to its own DLQ and use the table, and nothing else", () => {
    const worker = logicalId(
      "AWS::Lambda::Function",
      (r) =>
        r.Properties.Handler === "worker.handler" &&
        (r.Properties.Environment as { Variables: Record<string, unknown> }).Variables.SLACKLINE_GROUP ===
          "default",
    );
    const queue = logicalId("AWS::SQS::Queue", (r) => r.Properties.QueueName === "slack_events-default");
    const dlq = logicalId("AWS::SQS::Queue", (r) => r.Properties.QueueName === "slack_events-default-dlq");
    const table = logicalId("AWS::DynamoDB::Table", () => true);
    const byResource = new Map<string, string[]>();
    for (const s of statementsOf(roleOf(worker))) {
      const key = JSON.stringify(s.Resource);
      byResource.set(key, [...(byResource.get(key) ?? []), ...actions(s)]);
    }
    const arn = (id: string) => JSON.stringify({ "Fn::GetAtt": [id, "Arn"] });
    expect([...byResource.keys()].sort()).toEqual([arn(queue), arn(dlq), arn(table)].sort());
    expect(byResource.get(arn(queue))).toEqual(
      expect.arrayContaining(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]),
    );
    expect(byResource.get(arn(queue))).not.toContain("sqs:SendMessage");
    expect(byResource.get(arn(dlq))).toEqual(["sqs:SendMessage"]);
    expect(byResource.get(arn(table))?.sort()).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:DescribeTable",
    ]);
  });

  it("alarms: each DLQ's depth above 0, and each queue's oldest message past 5 minutes", () => {
    template.resourceCountIs("AWS::CloudWatch::Alarm", 4);
    for (const group of ["default", "billing"]) {
      const queue = logicalId("AWS::SQS::Queue", (r) => r.Properties.QueueName === `slack_events-${group}`);
      const dlq = logicalId("AWS::SQS::Queue", (r) => r.Properties.QueueName === `slack_events-${group}-dlq`);
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "ApproximateNumberOfMessagesVisible",
        Namespace: "AWS/SQS",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq, "QueueName"] } }],
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 0,
        AlarmActions: [{ Ref: Match.anyValue() }],
      });
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "ApproximateAgeOfOldestMessage",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        Threshold: 300,
      });
    }
  });
});
