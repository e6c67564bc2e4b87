/**
 * @module The pool of worker threads that fit forecasts (piscina). Fits are CPU-bound: run on the
 * event loop they would stall record ingest and every RPC answer, so each one runs in a thread,
 * and a fit past its deadline is cut off by ending its thread.
 */
import { Piscina } from "piscina";
import type { FitReply, FitTask } from "./fit-worker.js";

export interface FitPool {
  /** Threads in the pool: the number of fits that run at once. */
  readonly size: number;
  /** Fits `task` in a thread; rejects when `signal` aborts (the thread is ended) or the thread dies. */
  fit(task: FitTask, signal?: AbortSignal): Promise<FitReply>;
  /** Loads the WebAssembly models in a thread and fits them once; throws what went wrong. */
  probe(): Promise<{ models: string[] }>;
  close(): Promise<void>;
}

// From source (tests, `npm run dev`) the thread needs the same loader and export conditions.
const FROM_SOURCE = import.meta.url.endsWith(".ts");

export function createFitPool(threads: number): FitPool {
  const pool = new Piscina({
    filename: new URL(FROM_SOURCE ? "./fit-worker.ts" : "./fit-worker.js", import.meta.url).href,
    name: "fit",
    minThreads: threads,
    maxThreads: threads,
    // A thread is kept (the models stay loaded) instead of being recycled when idle.
    idleTimeout: Number.POSITIVE_INFINITY,
    ...(FROM_SOURCE ? { execArgv: ["--conditions=@chartly/source", "--import", "tsx"] } : {}),
  });
  return {
    size: threads,
    fit: (task, signal) => pool.run(task, signal ? { signal } : {}) as Promise<FitReply>,
    probe: () => pool.run(undefined, { name: "probe" }) as Promise<{ models: string[] }>,
    close: () => pool.destroy(),
  };
}
