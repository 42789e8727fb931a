// What the sandbox forge tells its subscribers (the sandbox CI), like webhook deliveries.

export interface PushEvent {
  type: "push";
  /** owner/name */
  repo: string;
  /** refs/heads/<branch> */
  ref: string;
  before: string;
  after: string;
  pusher: string;
  at: string;
}

export interface PullRequestEvent {
  type: "pull_request";
  action: "opened" | "synchronized" | "closed" | "reopened";
  repo: string;
  number: number;
  title: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  merged: boolean;
  sender: string;
  at: string;
}

export type ForgeEvent = PushEvent | PullRequestEvent;

export type EventListener = (e: ForgeEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: ForgeEvent): void {
    for (const l of this.listeners) {
      // A subscriber's bug must not fail the forge request that caused the event.
      try {
        l(e);
      } catch (err) {
        process.emitWarning(`sandbox forge: event listener threw: ${String(err)}`);
      }
    }
  }
}
