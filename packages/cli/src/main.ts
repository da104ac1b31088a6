#!/usr/bin/env node
import { availableParallelism } from "node:os";
import { nodeIo, run } from "./run.js";

// libuv's pool compresses and writes the bundles: one thread per core (its default is 4). On 2 cores,
// 4 threads fighting the main thread made a 1,000-node regeneration 10 % slower (measured). Read
// when the pool first starts, which is after this line.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));

process.exitCode = await run(process.argv.slice(2), nodeIo());
