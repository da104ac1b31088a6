// Key generation on worker threads, for clusters that need many keys. libuv's pool generates keys
// in parallel too, but Node exports each key (PEM) on the main thread, which is also the thread that
// signs the certificates: at 15,000 P-256 keys the export alone is about a second of it. Workers
// generate and export, and the main thread only receives the PEM text.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** What crypto.generateKeyPairSync takes: the key type and its options. */
export interface KeySpec {
  readonly type: "rsa" | "ec";
  readonly options: {
    readonly modulusLength?: number;
    readonly publicExponent?: number;
    readonly namedCurve?: string;
  };
}

// An eval'd script rather than a file beside this one: the same code then runs from dist, from the
// sources under test, and from a bundler's output, none of which agree on where a file would be.
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { generateKeyPairSync } = require("node:crypto");
parentPort.on("message", (batch) => {
  const results = [];
  for (const { type, options } of batch) {
    try {
      const { privateKey } = generateKeyPairSync(type, options);
      results.push({ pem: privateKey.export({ type: "pkcs8", format: "pem" }) });
    } catch (error) {
      results.push({ error: String(error && error.message ? error.message : error) });
    }
  }
  parentPort.postMessage(results);
});
`;

interface Request {
  readonly spec: KeySpec;
  readonly resolve: (pem: string) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  batch: Request[] | undefined;
}

/**
 * Keys per message: enough that messaging costs little next to a P-256 key (about 0.1 ms), few enough
 * that work spreads evenly. An RSA key takes 50-600 ms, so one at a time: a batch of them would leave
 * one core idle at the end while another finishes its batch.
 */
const BATCH: Readonly<Record<KeySpec["type"], number>> = { ec: 16, rsa: 1 };

export class KeyWorkers {
  private readonly queue: Request[] = [];
  private readonly slots: Slot[] = [];
  private readonly size: number;

  constructor(size = Math.max(1, Math.min(4, availableParallelism()))) {
    this.size = size;
  }

  generate(spec: KeySpec): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ spec, resolve, reject });
      if (this.slots.length < this.size) this.slots.push(this.start());
      this.dispatch();
    });
  }

  private start(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, batch: undefined };
    worker.on("message", (results: { pem?: string; error?: string }[]) => {
      const batch = slot.batch ?? [];
      slot.batch = undefined;
      batch.forEach((request, index) => {
        const result = results[index];
        if (result?.pem !== undefined) request.resolve(result.pem);
        else request.reject(new Error(`key generation failed: ${result?.error ?? "no result"}`));
      });
      this.dispatch();
    });
    worker.on("error", (error) => {
      for (const request of slot.batch ?? []) request.reject(error);
      slot.batch = undefined;
      this.slots.splice(this.slots.indexOf(slot), 1);
      for (const request of this.queue.splice(0)) request.reject(error);
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.batch !== undefined) continue;
      if (this.queue.length === 0) {
        // An idle worker must not keep the process alive.
        slot.worker.unref();
        continue;
      }
      slot.batch = this.queue.splice(0, BATCH[this.queue[0]?.spec.type ?? "ec"]);
      slot.worker.ref();
      slot.worker.postMessage(slot.batch.map((request) => request.spec));
    }
  }
}
