// Writes fixtures/state/test-keys.json: pre-made private keys that tests hand to the PKI in order, so
// certificates are byte-for-byte reproducible without slow seeded key generation. TEST ONLY: these
// keys are public; never use them for a real cluster. Run once; the file is committed.
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";

const COUNTS = { "rsa-2048": 48, "rsa-3072": 4, "rsa-4096": 4, "ecdsa-p256": 48, "ecdsa-p384": 32 };
const pem = {
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
};

const keys = {};
for (const [algorithm, count] of Object.entries(COUNTS)) {
  keys[algorithm] = Array.from({ length: count }, () => {
    const { privateKey } = algorithm.startsWith("rsa-")
      ? generateKeyPairSync("rsa", {
          modulusLength: Number(algorithm.slice(4)),
          publicExponent: 0x10001,
          ...pem,
        })
      : generateKeyPairSync("ec", {
          namedCurve: algorithm === "ecdsa-p256" ? "prime256v1" : "secp384r1",
          ...pem,
        });
    return privateKey;
  });
}
const note = "TEST ONLY. These private keys are public; scripts/make-test-keys.mjs made them.";
writeFileSync(
  new URL("../fixtures/state/test-keys.json", import.meta.url),
  JSON.stringify({ note, keys }, null, 2) + "\n",
);
