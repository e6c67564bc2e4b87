/** @module A bench worker: loads the models once, then scores the series it is sent. */
import { parentPort } from "node:worker_threads";
import { loadModels } from "@chartly/forecast";
import { type SeriesScore, scoreSeries } from "./evaluate.js";

export interface Job {
  index: number;
  train: number[];
  test: number[];
  h: number;
  m: number;
  methods: string[];
}

export interface JobResult {
  index: number;
  scores: Record<string, SeriesScore>;
}

loadModels();
parentPort?.on("message", (job: Job) => {
  const scores: Record<string, SeriesScore> = {};
  for (const method of job.methods) scores[method] = scoreSeries(method, job.train, job.test, job.h, job.m);
  parentPort?.postMessage({ index: job.index, scores } satisfies JobResult);
});
