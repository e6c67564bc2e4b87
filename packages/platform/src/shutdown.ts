/**
 * @module Graceful shutdown: on SIGTERM/SIGINT, stop taking work, finish what is in flight,
 * drain NATS, close the database. Intake steps (listeners) run first; the others in the
 * reverse order things were started.
 */
import type { Logger } from "pino";

export class Shutdown {
  private readonly intake: { name: string; stop: () => Promise<unknown> }[] = [];
  private readonly steps: { name: string; stop: () => Promise<unknown> }[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 25_000,
  ) {}

  /** Registers a step; steps run last-registered first. */
  add(name: string, stop: () => Promise<unknown>): void {
    this.steps.push({ name, stop });
  }

  /**
   * Registers a step that stops work coming in (an HTTP listener, a stream of events). Intake
   * steps run before all others, last-registered first, so nothing arrives while the
   * database and NATS connections it would need are closing.
   */
  addIntake(name: string, stop: () => Promise<unknown>): void {
    this.intake.push({ name, stop });
  }

  /** Stops on SIGTERM and SIGINT, then exits. */
  listen(): void {
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        this.logger.info({ signal }, "shutting down");
        void this.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      });
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.run();
    return this.stopping;
  }

  private async run(): Promise<void> {
    const timer = setTimeout(() => {
      this.logger.error({ timeoutMs: this.timeoutMs }, "shutdown took too long; exiting");
      process.exit(1);
    }, this.timeoutMs);
    timer.unref();
    for (const step of [...this.intake.toReversed(), ...this.steps.toReversed()]) {
      try {
        await step.stop();
      } catch (error) {
        this.logger.error({ err: error, step: step.name }, "shutdown step failed");
      }
    }
    clearTimeout(timer);
    this.logger.info("stopped");
  }
}
