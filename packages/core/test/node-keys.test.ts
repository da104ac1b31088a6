// nodeKeyCapability makes its first keys on libuv's pool and the rest on worker threads: both kinds
// must be real, distinct keys of the asked algorithm, and idle workers must not keep a process alive.
import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { join } from "node:path";
import { nodeKeyCapability, nodeRandom } from "../node/index.js";

describe("nodeKeyCapability", () => {
  it("gives distinct, usable keys of the asked algorithm, on the pool and on worker threads alike", async () => {
    const keys = nodeKeyCapability();
    const algorithms = Array.from({ length: 150 }, (_, index) =>
      index % 3 === 2 ? ("ecdsa-p384" as const) : ("ecdsa-p256" as const),
    );
    const pems = await Promise.all(
      algorithms.map((algorithm, index) => keys.generateKeyPair(algorithm, `k${index}`)),
    );
    expect(new Set(pems).size).toBe(pems.length);
    for (const [index, pem] of pems.entries()) {
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      const key = createPrivateKey(pem);
      expect(key.asymmetricKeyDetails?.namedCurve).toBe(
        algorithms[index] === "ecdsa-p384" ? "secp384r1" : "prime256v1",
      );
      const data = Buffer.from(`message ${index}`);
      const signature = await keys.sign(pem, "sha256", new Uint8Array(data));
      expect(verify("sha256", data, createPublicKey(key), signature)).toBe(true);
      expect(verify("sha256", Buffer.from("other"), createPublicKey(key), sign("sha256", data, key))).toBe(
        false,
      );
    }
  });

  it("a process that made keys on worker threads exits by itself", () => {
    const entry = join(__dirname, "../dist/node/index.js");
    const script = `import(${JSON.stringify(entry)}).then(async ({ nodeKeyCapability }) => {
      const keys = nodeKeyCapability();
      const pems = await Promise.all(Array.from({ length: 200 }, (_, i) => keys.generateKeyPair("ecdsa-p256", "k" + i)));
      console.log(new Set(pems).size);
    });`;
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(result.signal).toBeNull();
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("200");
    expect(result.status).toBe(0);
  });
});

describe("nodeRandom", () => {
  it("gives the asked number of bytes, never the same bytes twice, across its 4 KB batches", () => {
    const seen = new Set<string>();
    for (let index = 0; index < 5000; index += 1) {
      const bytes = nodeRandom(index % 7 === 0 ? 32 : 16);
      expect(bytes.length).toBe(index % 7 === 0 ? 32 : 16);
      seen.add(Buffer.from(bytes).toString("hex"));
    }
    expect(seen.size).toBe(5000);
    expect(nodeRandom(10_000).length).toBe(10_000);
    // Not all zero: the batch is wiped after use, so a bug handing out spent bytes would show here.
    const zeros = Array.from({ length: 300 }, () => nodeRandom(16)).filter((bytes) =>
      bytes.every((b) => b === 0),
    );
    expect(zeros).toEqual([]);
  });
});
