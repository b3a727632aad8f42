/**
 * The deployment description an operator edits (`triage.config.yaml`), as it is once validated:
 * defaults filled in, opening hours in minutes, keyword lists flattened. The same object drives
 * `cdk synth`, the local stack and the functions at run time, so a field means one thing everywhere.
 *
 * Types only: the schema that validates a config and produces this shape lives in
 * `lib/config/schema.ts`, which proves at compile time that its output is exactly these types. Keeping
 * it out of the domain keeps zod, luxon and handlebars out of the Lambda bundles.
 */

import type { Weekday } from './weekdays';
export type { Weekday };

/** A priority level of a ticket, lowest first. */
export type PriorityLevel = 'low' | 'normal' | 'high' | 'urgent';

/** A phrase (`{ phrase, weight }`) or a regular expression (`{ regex, flags, weight }`), with the language of its list. */
export type Matcher = { weight: number; phrase?: string; regex?: string; flags?: string; language?: string };

/** A matcher of a rule condition: a phrase or a regular expression (flags default to `i`). */
export type RuleMatcher = { phrase: string; weight: number } | { regex: string; flags: string; weight: number };

/** What a routing or priority rule looks at. Every condition given must hold (and); inside one, any entry may match (or). */
export interface RuleConditions {
  /** The receiving address (the envelope recipient) is one of these. */
  recipient?: string[];
  /** The sender's domain is one of these, or a subdomain of one. */
  senderDomain?: string[];
  /** The mail is in one of these languages (as detected). */
  language?: string[];
  /** Words, phrases or regular expressions in the subject. */
  subject?: RuleMatcher[];
  /** ... in the body (its first 4,000 characters). */
  body?: RuleMatcher[];
  /** ... in the subject or the body. */
  text?: RuleMatcher[];
  /** The weights of the subject/body/text entries that matched must add up to this. */
  minScore: number;
}

/** An ordered routing rule: the first rule whose conditions hold places the mail (before addresses and keywords). */
export interface RoutingRule extends RuleConditions {
  name: string;
  department: string;
  priority?: PriorityLevel;
}

/** A priority rule: every rule that holds is applied, the highest priority wins (urgent words, VIP sender domains). */
export interface PriorityRule extends RuleConditions {
  name: string;
  priority: PriorityLevel;
}

/** A simple question answered in the acknowledgement: the ticket stays open for an agent to confirm. */
export interface FaqEntry {
  id: string;
  /** What the question looks like. */
  keywords: Matcher[];
  /** The weights of the keywords that matched must add up to this. */
  minScore: number;
  /** The answer (handlebars text), or one per language: `{ en: ..., de: ... }`. */
  answer: string | Record<string, string>;
  /** Only for mail routed to these departments; none given, every department. */
  departments?: string[];
}

/** Opening hours of one range, in minutes after midnight. */
export interface OpeningHours {
  open: number;
  close: number;
}

/** When a department works, in its own time zone. */
export interface BusinessHours {
  /** An IANA time zone such as "Europe/Berlin". */
  timeZone: string;
  /** Opening hours per weekday; a closed day has none. */
  weekly: Record<Weekday, OpeningHours[]>;
  /** Dates (YYYY-MM-DD, in the department's zone) on which the department is closed. */
  holidays: string[];
}

/** The timed steps of a ticket, per department. */
export interface DepartmentTimers {
  /** Warn the assignee (or the agents) when this share of the first-response target has passed; 0 turns the warning off. */
  warnAtShare: number;
  /** Business days an answered ticket waits on the customer before the follow-up asks whether it is solved; 0 sends none. */
  followUpAfterBusinessDays: number;
  /** Quiet business days after the follow-up (or the answer, without one) before the ticket closes itself; 0 never auto-closes. */
  autoCloseAfterBusinessDays: number;
  /** On close, ask the customer one question: did we solve it? */
  survey: boolean;
}

/** A department of the deployment. */
export interface Department {
  /** Short, stable id used in commands and keys: lower-case letters, digits, dashes. */
  name: string;
  /** What customers read, e.g. "Technical support". */
  displayName?: string;
  /** Ticket id prefix: BIL -> BIL-1042. */
  prefix: string;
  /** Addresses that deliver straight to this department. */
  addresses: string[];
  /** Words, phrases and regular expressions that place mail sent to the general address here. */
  keywords: Matcher[];
  /** Target for the first response, in business hours. */
  firstResponseHours: number;
  businessHours: BusinessHours;
  agents: string[];
  lead: string;
  /** Added to the first-response target in the promise the ack makes (the team works to the target). */
  promiseMarginHours: number;
  timers: DepartmentTimers;
  /** How customers reach the department other than by mail; offered in the follow-up. */
  contact: {
    /** Phone number customers may call, or ask to be called back from. */
    phone?: string;
    /** Live chat link. */
    chatUrl?: string;
  };
  /** A short block about complementary products or offers in the follow-up, shown only to customers who opted in. */
  offers?: {
    text: string;
    /** Addresses, or `@domain` for everyone at a domain. */
    optedIn: string[];
  };
  /** Language of this department's mail when the customer's cannot be told (ISO 639-1). */
  language: string;
  /** A ticket answered automatically from the FAQ is closed when the customer replies that the answer solved it. */
  resolveOnFaqConfirmation: boolean;
  /** What happens to mail SES marks as spam or virus: quarantined (true) or handled as usual. */
  quarantine: { spam: boolean; virus: boolean };
}

/** A window of an automatic-reply limit. */
export interface WindowLimit {
  /** Length of the window in minutes. */
  minutes: number;
  /** Most automatic replies inside one window. */
  max: number;
}

/** A validated deployment description. */
export interface TriageConfig {
  /** The domain customers write to (and that SES sends from). */
  mailDomain: string;
  /** Domain of the per-ticket reply addresses (`reply.<mailDomain>` unless given). */
  replyDomain: string;
  /** The general address: its mail is placed by keywords. */
  generalAddress: string;
  /** The department that receives what no rule places. */
  triageQueue: string;
  /** Sender name shown on automatic mail, e.g. "Example Corp". */
  companyName: string;
  departments: Department[];
  /** Caps on automatic replies, per sender in tiered windows and for the whole deployment. */
  autoReplyLimits: { perSender: WindowLimit[]; global: WindowLimit };
  /** A customer who writes on a closed ticket within this many days reopens it; later mail opens a new, linked ticket. */
  reopenWithinDays: number;
  /** Agents may answer tickets of every department, not only their own. */
  agentsAnswerAnyDepartment: boolean;
  /** Attachments forwarded to agents with the mail, in MB in all; larger ones are kept in S3 and linked instead. */
  forwardAttachmentsUpToMb: number;
  /** How long the download links of attachments too large to forward stay valid, in days. */
  attachmentLinkDays: number;
  /** Raw mail retention in the S3 bucket, in days (0 keeps mail for ever). */
  rawMailRetentionDays: number;
  /** Ordered routing rules and priority rules. */
  routing: { rules: RoutingRule[]; priority: PriorityRule[] };
  /** Simple questions answered in the acknowledgement. */
  faq: FaqEntry[];
  /** Who is told when an alarm fires: e-mail subscriptions of the stack's alarm topic. */
  alerts: { emails: string[] };
  /** The customer's status page and the satisfaction survey (the web function). */
  web: {
    /** How long the status link in an acknowledgement stays valid, in days. */
    statusLinkDays: number;
    /** How long the survey links of a closing mail stay valid, in days. */
    surveyLinkDays: number;
    /** A custom domain in front of the web function; links use it instead of the function URL. */
    publicUrl?: string;
  };
  /** The weekly report to the managers: who gets it by mail (none, no schedule) and when, in UTC. */
  reports: { weekly: { to: string[]; schedule: string } };
}

/** Finds the department by name. */
export function departmentByName(cfg: TriageConfig, name: string): Department | undefined {
  return cfg.departments.find((d) => d.name === name);
}
