// The pure parts of rehearsing the seed's era (Kubernetes 1.2 on docker): which images a bundle
// names, and the docker drop-in the sandbox puts beside the bundle's docker.service.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imagesListed, legacyNodeOverlays } from "@kubescratch/rehearse";

describe("the seed's era in the rehearsal", () => {
  it("reads the image references of images.txt and skips comments, blank lines and the binaries' prose", () => {
    const text = `# Images (mirror them into your registry; images.registry points the cluster at it)
gcr.io/google_containers/hyperkube:v1.2.7
gcr.io/google_containers/skydns:2015-10-13-8c72f8c

# Images validate-cluster.sh runs for its checks
busybox:1.28

# Binaries (from the release tarball)
kubernetes-server-linux-amd64.tar.gz v1.2.7: server/bin/kubelet, server/bin/kube-proxy, server/bin/kubectl
docker (the OS package of the era; /usr/bin/docker)
`;
    expect(imagesListed(text)).toEqual([
      "gcr.io/google_containers/hyperkube:v1.2.7",
      "gcr.io/google_containers/skydns:2015-10-13-8c72f8c",
      "busybox:1.28",
    ]);
  });

  it("runs the bundle's docker.service with dockerd and a shareable IPC default, through a drop-in it reports", async () => {
    const root = mkdtempSync(join(tmpdir(), "kubescratch-legacy-"));
    try {
      const overlays = await legacyNodeOverlays(root);
      const dropIn = readFileSync(
        join(root, "etc/systemd/system/docker.service.d/kubescratch-rehearse.conf"),
        "utf8",
      );
      // The bundle's ExecStart is reset, then dockerd gets the bundle's own DOCKER_OPTS.
      expect(dropIn).toMatch(/^ExecStart=$/m);
      expect(dropIn).toMatch(/^ExecStart=\/usr\/sbin\/dockerd \$DOCKER_OPTS --default-ipc-mode=shareable$/m);
      expect(overlays.map((overlay) => overlay.id)).toEqual([
        "nf-conntrack-hashsize",
        "node-names-in-hosts",
        "docker-daemon-command",
        "docker-default-ipc-mode",
      ]);
      for (const overlay of overlays) expect(overlay.why.length).toBeGreaterThan(40);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
