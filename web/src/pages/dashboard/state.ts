// What the dashboard's parts share.
import type { Context } from '../../context';
import type { Dialogue, Me, Member, Session } from '../../types';

export interface DashboardState {
  context: Context;
  token: string;
  me: Me;
  dialogue: Dialogue;
  sessions: Session[];
  facilitators: Member[];
}
