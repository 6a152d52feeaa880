import type {
  AllMessageEvents,
  KnownBlock,
  MessageAttachment,
  Option,
  OptionGroup,
  SelectOption,
  SlackEvent,
  View,
} from "@slack/types";

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
  | "dialog_submission"
  | "dialog_suggestion"
  | "dialog_cancellation";

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

/** An external select asking for options as the user types (`options_load_url` / the Request URL). */
export interface BlockSuggestionPayload extends InteractionPayload<"block_suggestion"> {
  action_id: string;
  block_id: string;
  value: string;
  container?: Record<string, unknown>;
  view?: { id: string; callback_id?: string; [k: string]: unknown };
}

/** A legacy dialog's external select asking for options. */
export interface DialogSuggestionPayload extends InteractionPayload<"dialog_suggestion"> {
  callback_id: string;
  name: string;
  value: string;
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
    : T extends "block_suggestion"
      ? BlockSuggestionPayload
      : T extends "dialog_suggestion"
        ? DialogSuggestionPayload
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

/** What an external select reads from the answer: options, or groups of them. */
export type OptionsResponse = { options: Option[] } | { option_groups: OptionGroup[] };

/** What a legacy dialog's external select reads. */
export type DialogOptionsResponse =
  | { options: SelectOption[] }
  | { option_groups: Array<{ label: string; options: SelectOption[] }> };

/** What a view_submission may answer: nothing (the modal closes), errors by block_id, or a new view. */
export type ViewSubmissionResponse =
  | { response_action: "errors"; errors: Record<string, string> }
  | { response_action: "update" | "push"; view: View }
  | { response_action: "clear" };

/** A message as a slash command's immediate answer, or a `response_url` reply. */
export interface MessageResponse {
  text?: string;
  blocks?: KnownBlock[];
  attachments?: MessageAttachment[];
  /** Default ephemeral: only the user who typed the command sees it. */
  response_type?: "ephemeral" | "in_channel";
  /** `response_url` replies only: replace the message the interaction came from. */
  replace_original?: boolean;
  /** `response_url` replies only: delete the message the interaction came from. */
  delete_original?: boolean;
  thread_ts?: string;
  mrkdwn?: boolean;
}

/** Route names whose HTTP answer Slack reads. */
export type AnswerableRoute =
  | "block_suggestion"
  | "view_submission"
  | "dialog_suggestion"
  | "dialog_submission"
  | "interactive_message"
  | `/${string}`;

/** What a responder of `N` may return; `undefined` is an empty 200. */
export type ResponseFor<N extends string> = N extends "block_suggestion"
  ? OptionsResponse
  : N extends "dialog_suggestion"
    ? DialogOptionsResponse
    : N extends "view_submission"
      ? ViewSubmissionResponse | undefined
      : N extends "dialog_submission"
        ? { errors: Array<{ name: string; error: string }> } | undefined
        : N extends `/${string}`
          ? MessageResponse | string | undefined
          : MessageResponse | Record<string, unknown> | string | undefined;
