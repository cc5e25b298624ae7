// Timers of the auto workflow: "if step N is still running after its wait, move on".
// The Redis deployment uses BullMQ delayed jobs (services/bullmq-scheduler.ts); the embedded
// store uses these in-process timers with the same contract.

export type StepHandler = (verificationId: string, step: number) => Promise<void>;

export interface WorkflowScheduler {
  /** Runs the handler for (id, step) once, after delayMs. Scheduling twice is harmless. */
  schedule(verificationId: string, step: number, delayMs: number): Promise<void>;
  /** Drops every pending timer of the verification (it ended). */
  cancel(verificationId: string): Promise<void>;
  /** Begins running handlers. Called once the service exists. */
  start(handler: StepHandler): Promise<void>;
  close(): Promise<void>;
}

export class InProcessScheduler implements WorkflowScheduler {
  private readonly timers = new Map<string, Map<number, NodeJS.Timeout>>();
  private handler?: StepHandler;

  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  async schedule(id: string, step: number, delayMs: number) {
    const steps = this.timers.get(id) ?? new Map<number, NodeJS.Timeout>();
    if (steps.has(step)) return;
    const t = setTimeout(() => {
      steps.delete(step);
      if (steps.size === 0) this.timers.delete(id);
      this.handler?.(id, step).catch(this.onError);
    }, delayMs);
    t.unref();
    steps.set(step, t);
    this.timers.set(id, steps);
  }

  async cancel(id: string) {
    for (const t of this.timers.get(id)?.values() ?? []) clearTimeout(t);
    this.timers.delete(id);
  }

  async start(handler: StepHandler) {
    this.handler = handler;
  }

  async close() {
    for (const id of [...this.timers.keys()]) await this.cancel(id);
  }
}
