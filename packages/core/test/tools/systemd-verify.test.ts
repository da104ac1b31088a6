import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { stubRootPrefix, verifyUnits } from "./systemd-verify.js";

const kubelet = `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service network-online.target
Requires=containerd.service
Wants=network-online.target

[Service]
EnvironmentFile=-/etc/default/kubelet
EnvironmentFile=/etc/kubescratch/kubelet.env
ExecStart=/usr/local/bin/kubelet \\
  --config=/var/lib/kubelet/kubelet-config.yaml \\
  --kubeconfig=/var/lib/kubelet/kubeconfig \\
  --v=2
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
`;

const containerd = `[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target local-fs.target

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5
LimitNPROC=infinity
LimitCORE=infinity
LimitNOFILE=1048576
TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
`;

function stubRoots(): string[] {
  return readdirSync(tmpdir()).filter((entry) => entry.startsWith(stubRootPrefix));
}

describe("verifyUnits", () => {
  it("passes a kubelet unit that requires containerd, with containerd provided", () => {
    const result = verifyUnits(
      [{ name: "kubelet.service", content: kubelet }],
      [{ name: "containerd.service", content: containerd }],
    );
    expect(result).toEqual({
      status: 0,
      output: "",
      stubbedUnits: [],
      stubbedExecutables: ["/sbin/modprobe", "/usr/local/bin/containerd", "/usr/local/bin/kubelet"],
    });
  });

  it("stubs a dependency nobody provides, and says so: a misspelt name shows up there", () => {
    const result = verifyUnits([
      { name: "kubelet.service", content: kubelet.replace("Requires=containerd", "Requires=containred") },
    ]);
    expect(result).toMatchObject({ status: 0, output: "", stubbedUnits: ["containred.service"] });
  });

  it("verifies several units and their drop-ins together", () => {
    const result = verifyUnits([
      { name: "kubelet.service", content: kubelet },
      { name: "kubelet.service.d/10-node-ip.conf", content: "[Service]\nEnvironment=NODE_IP=10.0.0.11\n" },
      { name: "containerd.service", content: containerd },
    ]);
    expect(result).toMatchObject({ status: 0, output: "" });
  });

  it("reports a misspelt key, although systemd-analyze exits 0", () => {
    const result = verifyUnits([{ name: "kubelet.service", content: kubelet.replace("After=", "Afterr=") }]);
    expect(result.status).toBe(0);
    expect(result.output).toBe(
      "/etc/systemd/system/kubelet.service:4: Unknown key 'Afterr' in section [Unit], ignoring.",
    );
  });

  it("reports an invalid value", () => {
    const result = verifyUnits([
      { name: "kubelet.service", content: kubelet.replace("Restart=always", "Restart=sometimes") },
    ]);
    expect(result.output).toBe(
      "/etc/systemd/system/kubelet.service:15: Failed to parse service restart specifier, ignoring: sometimes",
    );
  });

  it("reports a misspelt section", () => {
    const result = verifyUnits([
      { name: "kubelet.service", content: kubelet.replace("[Install]", "[Instal]") },
    ]);
    expect(result.output).toBe("/etc/systemd/system/kubelet.service:18: Unknown section 'Instal'. Ignoring.");
  });

  it("reports a relative ExecStart as a fatal error", () => {
    const result = verifyUnits([
      {
        name: "kubelet.service",
        content: kubelet.replace("ExecStart=/usr/local/bin/kubelet", "ExecStart=usr/local/bin/kubelet"),
      },
    ]);
    expect(result.status).toBe(1);
    expect(result.output).toContain(
      // systemd numbers a continued line by its last physical line.
      "/etc/systemd/system/kubelet.service:14: Neither a valid executable name nor an absolute path: usr/local/bin/kubelet",
    );
    expect(result.output).toContain(
      "kubelet.service: Unit configuration has fatal error, unit will not be started.",
    );
  });

  it("cleans up its stub roots", () => {
    const before = stubRoots();
    verifyUnits([{ name: "kubelet.service", content: kubelet }]);
    verifyUnits([{ name: "kubelet.service", content: "[Unit]\nAfterr=x\n" }]);
    expect(stubRoots()).toEqual(before);
  });
});
