// Where frame keys come from: the session's MLS group, through a small interface.
//
// The conversation client (web/src/conversation/) owns the MLS state.  The meeting asks it
// only for the current epoch's exporter and to be told when the epoch changes; nothing
// else about the group leaks into media code.
import { mlsExporter } from 'ts-mls';
import type { ClientState } from 'ts-mls';
import { suiteImpl } from '../conversation/mls';
import { EXPORTER_LABEL, EXPORTER_LENGTH } from './sframe';

export interface MediaEpoch {
  epoch: number;
  /** This member's leaf index: its SFrame sender index. */
  senderIndex: number;
  exporterSecret(label: string, length: number): Promise<Uint8Array>;
}

export interface MediaKeySource {
  currentEpoch(): MediaEpoch | null;
  /** Calls ``cb`` after every epoch change (and when this member is removed: null). */
  onEpochChange(cb: (epoch: MediaEpoch | null) => void): () => void;
}

/** The value the worker needs per epoch. */
export interface EpochKeys {
  epoch: number;
  senderIndex: number;
  secret: Uint8Array;
}

export async function epochKeys(epoch: MediaEpoch): Promise<EpochKeys> {
  return {
    epoch: epoch.epoch,
    senderIndex: epoch.senderIndex,
    secret: await epoch.exporterSecret(EXPORTER_LABEL, EXPORTER_LENGTH),
  };
}

/** A key source fed by its owner: the conversation client pushes each epoch of its group. */
export class PushedKeySource implements MediaKeySource {
  private current: MediaEpoch | null = null;
  private readonly listeners = new Set<(epoch: MediaEpoch | null) => void>();

  currentEpoch(): MediaEpoch | null {
    return this.current;
  }

  onEpochChange(cb: (epoch: MediaEpoch | null) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  push(epoch: MediaEpoch | null): void {
    this.current = epoch;
    for (const cb of this.listeners) cb(epoch);
  }

  /** Push the epoch of a ts-mls state (what the conversation client holds). */
  pushState(state: ClientState, senderIndex: number): void {
    const exporterSecret = state.keySchedule.exporterSecret;
    this.push({
      epoch: Number(state.groupContext.epoch),
      senderIndex,
      exporterSecret: async (label, length) =>
        mlsExporter(exporterSecret, label, new Uint8Array(0), length, await suiteImpl()),
    });
  }
}
