// The sqs backend's naming (docs/aws.md): the SNS topic is named after SLACK_EVENTS_TOPIC, each
// group's queue is "<topic>-<group>" and its DLQ "<topic>-<group>-dlq" (names of [A-Za-z0-9_] as
// they are; others mapped with a hash). Inside the Slackline repository this points at the source;
// in your own project the package exports it (or, for such plain names, write them out).
export { groupQueueNames, snsTopicName } from "../../../src/queue/backends/sqs/names.js";
