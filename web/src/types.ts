// Shapes of the JSON API (see the API contract in ARCHITECTURE.md / issue 2).

export type Role = 'convener' | 'facilitator' | 'participant';
export type InviteRole = 'participant' | 'facilitator';
export type DialogueStatus = 'scheduled' | 'open' | 'closed';

export interface Dialogue {
  id: string;
  title: string;
  description: string;
  prompts: string[];
  languages: string[];
  opens_at: string;
  closes_at: string;
  created_at: string;
  status: DialogueStatus;
}

export interface Member {
  id: string;
  dialogue_id: string;
  role: Role;
  display_name: string;
  language: string;
  created_at: string;
}

export interface SessionFacilitator {
  id: string;
  display_name: string;
}

export interface Session {
  id: string;
  dialogue_id: string;
  topic: string;
  languages: string[];
  capacity: number;
  starts_at: string;
  ends_at: string;
  facilitator: SessionFacilitator | null;
  participant_count: number;
  joined: boolean;
}

export interface Invite {
  id: string;
  dialogue_id: string;
  session_id: string | null;
  role: InviteRole;
  expires_at: string | null;
  max_uses: number | null;
  uses: number;
  revoked: boolean;
  created_at: string;
}

export interface CreatedInvite extends Invite {
  token: string;
  url: string;
}

export interface Health {
  status: string;
  version: string;
}

export interface Instance {
  name: string;
  version: string;
  creation_requires_key: boolean;
}

export interface NewDialogue {
  title: string;
  description: string;
  prompts: string[];
  languages: string[];
  opens_at: string;
  closes_at: string;
  convener: { display_name: string; language: string };
}

export interface CreatedDialogue {
  dialogue: Dialogue;
  member: Member;
  token: string;
}

export interface Me {
  member: Member;
  dialogue: Dialogue;
}

export interface NewSession {
  topic: string;
  languages: string[];
  capacity: number;
  starts_at: string;
  ends_at: string;
  facilitator_id?: string;
}

export interface NewInvite {
  role: InviteRole;
  session_id?: string;
  expires_at?: string;
  max_uses?: number;
}

export interface InvitePreview {
  dialogue: Dialogue;
  session: { id: string; topic: string } | null;
  role: InviteRole;
}

export interface AcceptedInvite {
  token: string;
  member: Member;
  dialogue: Dialogue;
  session_id: string | null;
}

export interface Stats {
  members: { convener: number; facilitator: number; participant: number };
  sessions: number;
  invites: { active: number; revoked: number; uses: number };
}

// The consultation (docs/api.md, "Consultation").

export type VoteChoice = 'agree' | 'disagree' | 'pass';
export type ReportReason = 'spam' | 'harassment' | 'hate' | 'personal_information' | 'off_topic' | 'other';
export type HideReason = 'spam' | 'harassment' | 'hate' | 'personal_information' | 'off_topic' | 'duplicate';
export type StatementStatus = 'unmoderated' | 'accepted' | 'hidden';

export interface StatementText {
  text: string;
  language: string;
}

export interface Translation extends StatementText {
  source: 'human' | 'machine';
}

export interface Statement {
  id: string;
  number: number;
  prompt_index: number;
  original: StatementText;
  translation: Translation | null;
  status: StatementStatus;
  created_at: string;
  my_vote: VoteChoice | null;
}

export interface NewStatement {
  prompt_index: number;
  text: string;
  language: string;
}

export interface NextCard {
  statement: Statement | null;
  remaining: number;
}

export interface QueueItem extends Statement {
  reports: number;
  report_reasons: Partial<Record<ReportReason, number>>;
}

export interface Decision {
  sequence: number;
  statement_number: number;
  action: 'accept' | 'hide';
  reason: string;
  actor_role: Role;
  created_at: string;
}

export interface OwnVote {
  statement_id: string;
  statement_number: number;
  statement_text: string;
  vote: VoteChoice;
  updated_at: string;
}

export interface Contributions {
  member: { display_name: string; language: string };
  statements: Statement[];
  votes: OwnVote[];
  reports: { statement_number: number; reason: ReportReason }[];
}

export interface Deleted {
  deleted: { statements: number; votes: number; reports: number };
}

export interface Representative {
  number: number;
  repful_for: 'agree' | 'disagree';
  n_success: number;
  n_trials: number;
  share: number;
}

export interface OpinionGroup {
  id: number;
  size: number;
  hull: [number, number][];
  representative: Representative[];
}

export interface ConsensusStatement {
  number: number;
  n_success: number;
  n_trials: number;
  share: number;
}

export interface MapPoint {
  x: number;
  y: number;
  group: number;
}

export interface OpinionMapData {
  participants: number;
  votes: number;
  statements: number;
  groups: OpinionGroup[];
  consensus: { agree: ConsensusStatement[]; disagree: ConsensusStatement[] };
  points: MapPoint[];
  me: MapPoint | null;
  statement_texts: Record<string, { original: StatementText; translation: Translation | null }>;
  note?: string;
}
