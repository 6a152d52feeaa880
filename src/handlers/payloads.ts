import type { AllMessageEvents, SlackEvent } from "@slack/types";

/** Every Events API event type @slack/types knows. */
export type EventType = SlackEvent["type"];
export type EventOf<T extends string> = Extract<SlackEvent, { type: T }>;

export type MessageSubtype = NonNullable<AllMessageEvents["subtype"]>;
/** Slack's subscription names for messages: they match the payload's channel_type, subtypes included. */
export type MessageSubscription = "message.channels" | "message.groups" | "message.im" | "message.mpim";
export const SUBSCRIPTION_BY_CHANNEL_TYPE: Readonly<Record<string, MessageSubscription>> = {
  channel: "message.channels",
  group: "message.groups",
  im: "message.im",
  mpim: "message.mpim",
};

/** Interactivity payloads Slack posts as `payload=` forms, routed on their `type`. */
export type InteractionType =
  | "block_actions"
  | "block_suggestion"
  | "view_submission"
  | "view_closed"
  | "shortcut"
  | "message_action"
  | "interactive_message"
  | "dialog_submission";

/** What every interactivity payload carries; the rest depends on its type (see Slack's reference). */
export interface InteractionPayload<T extends string = InteractionType> {
  type: T;
  trigger_id?: string;
  user: { id: string; team_id?: string; username?: string; name?: string };
  team: { id: string; domain?: string } | null;
  api_app_id?: string;
  response_url?: string;
  [field: string]: unknown;
}

export interface BlockActionsPayload extends InteractionPayload<"block_actions"> {
  actions: Array<{
    action_id: string;
    block_id: string;
    type: string;
    value?: string;
    action_ts: string;
    [k: string]: unknown;
  }>;
  channel?: { id: string; name?: string };
  message?: Record<string, unknown>;
  container?: Record<string, unknown>;
}

export interface ViewSubmissionPayload extends InteractionPayload<"view_submission"> {
  view: {
    id: string;
    callback_id: string;
    state: { values: Record<string, Record<string, unknown>> };
    [k: string]: unknown;
  };
}

/** A slash command, as Slack posts it (form fields). */
export interface SlashCommand {
  command: string;
  text: string;
  token?: string;
  team_id: string;
  team_domain?: string;
  enterprise_id?: string;
  channel_id: string;
  channel_name?: string;
  user_id: string;
  user_name?: string;
  response_url: string;
  trigger_id: string;
  api_app_id?: string;
  [field: string]: string | undefined;
}

type InteractionOf<T extends string> = T extends "block_actions"
  ? BlockActionsPayload
  : T extends "view_submission"
    ? ViewSubmissionPayload
    : InteractionPayload<T>;

/** A route name: an event type, type.subtype, a message subscription, "*", an interaction type, or "/command". */
export type RouteName =
  | EventType
  | `message.${MessageSubtype}`
  | MessageSubscription
  | "*"
  | InteractionType
  | `/${string}`
  // Event types newer than @slack/types still route; their payload is untyped.
  | (string & {});

/** The payload a handler of `N` receives, typed from @slack/types where Slack's types know it. */
export type PayloadFor<N extends string> = N extends "*"
  ? SlackEvent
  : N extends MessageSubscription
    ? AllMessageEvents
    : N extends `message.${infer S}`
      ? Extract<AllMessageEvents, { subtype: S }>
      : N extends EventType
        ? EventOf<N>
        : N extends InteractionType
          ? InteractionOf<N>
          : N extends `/${string}`
            ? SlashCommand
            : { type?: string; [field: string]: unknown };
