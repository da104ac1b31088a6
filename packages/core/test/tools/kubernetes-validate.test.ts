import {
  validateKubeProxyConfiguration,
  validateKubeletConfiguration,
  validateKubernetesObject,
} from "./kubernetes-validate.js";

function staticApiServerPod(): Record<string, unknown> {
  const probe = (path: string) => ({
    httpGet: { host: "10.0.0.10", path, port: 6443, scheme: "HTTPS" },
    initialDelaySeconds: 10,
    timeoutSeconds: 15,
    failureThreshold: 8,
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "kube-apiserver",
      namespace: "kube-system",
      labels: {
        component: "kube-apiserver",
        tier: "control-plane",
        "app.kubernetes.io/part-of": "kubescratch",
      },
      annotations: { "kubescratch.io/generated": "true" },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "kube-apiserver",
          image: "registry.k8s.io/kube-apiserver:v1.32.3",
          command: ["kube-apiserver", "--secure-port=6443", "--authorization-mode=Node,RBAC"],
          ports: [{ name: "https", containerPort: 6443, protocol: "TCP" }],
          resources: { requests: { cpu: "250m", memory: "256Mi" } },
          livenessProbe: probe("/livez"),
          readinessProbe: { ...probe("/readyz"), periodSeconds: 1 },
          startupProbe: probe("/livez"),
          volumeMounts: [
            { name: "pki", mountPath: "/etc/kubernetes/pki", readOnly: true },
            { name: "ca-certs", mountPath: "/etc/ssl/certs", readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: "pki", hostPath: { path: "/etc/kubernetes/pki", type: "DirectoryOrCreate" } },
        { name: "ca-certs", hostPath: { path: "/etc/ssl/certs", type: "Directory" } },
      ],
    },
  };
}

/** The pod with one edit applied to its (only) container. */
function withContainer(edit: (container: Record<string, unknown>) => void): Record<string, unknown> {
  const pod = staticApiServerPod();
  const spec = pod.spec as { containers: Record<string, unknown>[] };
  const container = spec.containers[0];
  if (!container) throw new Error("the fixture pod has a container");
  edit(container);
  return pod;
}

describe("validateKubernetesObject", () => {
  it("passes a static control-plane pod: hostNetwork, hostPath volumes, HTTPS httpGet probes", () => {
    expect(validateKubernetesObject(staticApiServerPod())).toEqual([]);
  });

  it("passes labels and annotations with arbitrary keys (additionalProperties maps)", () => {
    const pod = staticApiServerPod();
    pod.metadata = { name: "x", labels: { "anything.example/goes": "yes", "k-8": "s" } };
    expect(validateKubernetesObject(pod)).toEqual([]);
  });

  it("passes int-or-string ports given either way", () => {
    const namedPort = withContainer((container) => {
      container.livenessProbe = { httpGet: { path: "/livez", port: "https", scheme: "HTTPS" } };
    });
    expect(validateKubernetesObject(namedPort)).toEqual([]);
  });

  it("reports a misspelt container field with its path", () => {
    const pod = withContainer((container) => {
      container.imagee = container.image;
    });
    expect(validateKubernetesObject(pod)).toEqual([
      "data/spec/containers/0/imagee is not a field of IoK8sApiCoreV1Container (did you mean image?)",
    ]);
  });

  it("reports a misspelt pod spec field with its path", () => {
    const pod = staticApiServerPod();
    const spec = pod.spec as Record<string, unknown>;
    spec.hostNetwrok = spec.hostNetwork;
    delete spec.hostNetwork;
    expect(validateKubernetesObject(pod)).toEqual([
      "data/spec/hostNetwrok is not a field of IoK8sApiCoreV1PodSpec (did you mean hostNetwork?)",
    ]);
  });

  it("reports a misspelt field deep inside a probe", () => {
    const pod = withContainer((container) => {
      container.livenessProbe = { httpGet: { path: "/livez", port: 6443, shceme: "HTTPS" } };
    });
    expect(validateKubernetesObject(pod)).toEqual([
      "data/spec/containers/0/livenessProbe/httpGet/shceme is not a field of IoK8sApiCoreV1HTTPGetAction (did you mean scheme?)",
    ]);
  });

  it("reports a wrong type through kubernetes-models' own validator", () => {
    const pod = withContainer((container) => {
      container.ports = [{ containerPort: "6443" }];
    });
    expect(validateKubernetesObject(pod)).toEqual([
      "data/spec/containers/0/ports/0/containerPort must be integer",
    ]);
  });

  it("reports enum and required-field violations", () => {
    const pod = withContainer((container) => {
      delete container.name;
      container.ports = [{ containerPort: 6443, protocol: "tcp" }];
    });
    expect(validateKubernetesObject(pod)).toEqual([
      "data/spec/containers/0 must have required property name",
      'data/spec/containers/0/ports/0/protocol must be equal to one of the allowed values ("SCTP", "TCP", "UDP")',
    ]);
  });

  it("reports unknown fields in the other kinds it knows", () => {
    const daemonSet = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "kube-proxy", namespace: "kube-system" },
      spec: {
        selector: { matchLabels: { k8s: "kube-proxy" } },
        template: {
          metadata: { labels: { k8s: "kube-proxy" } },
          spec: { containers: [{ name: "p", image: "i", securityContext: { privilegd: true } }] },
        },
      },
    };
    expect(validateKubernetesObject(daemonSet)).toEqual([
      "data/spec/template/spec/containers/0/securityContext/privilegd is not a field of IoK8sApiCoreV1SecurityContext (did you mean privileged?)",
    ]);
    const binding = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:kube-apiserver-to-kubelet" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "x" },
      subjects: [{ kind: "User", name: "kubernetes", apiGroup: "rbac.authorization.k8s.io" }],
    };
    expect(validateKubernetesObject(binding)).toEqual([]);
    const budget = {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "coredns" },
      spec: { minAvailable: 1, selector: { matchLabels: { k8s: "coredns" } }, maxUnavilable: 1 },
    };
    expect(validateKubernetesObject(budget)).toEqual([
      "data/spec/maxUnavilable is not a field of IoK8sApiPolicyV1PodDisruptionBudgetSpec (did you mean maxUnavailable?)",
    ]);
  });

  it("reports a kind or apiVersion it does not know", () => {
    expect(validateKubernetesObject({ ...staticApiServerPod(), kind: "Pood" })[0]).toMatch(
      /^data has apiVersion "v1" and kind "Pood", which this harness does not know/,
    );
  });
});

describe("validateKubeletConfiguration (allow-list)", () => {
  const kubeletConfiguration = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: "/var/lib/kubelet/ca.crt" },
    },
    authorization: { mode: "Webhook" },
    cgroupDriver: "systemd",
    containerRuntimeEndpoint: "unix:///var/run/containerd/containerd.sock",
    staticPodPath: "/etc/kubernetes/manifests",
    clusterDNS: ["10.32.0.10"],
    clusterDomain: "cluster.local",
    registerNode: true,
    tlsCertFile: "/var/lib/kubelet/kubelet.crt",
    tlsPrivateKeyFile: "/var/lib/kubelet/kubelet.key",
    port: 10250,
    runtimeRequestTimeout: "15m",
  };

  it("passes the minimal configuration from k8s-versions.md", () => {
    expect(validateKubeletConfiguration(kubeletConfiguration)).toEqual([]);
  });

  it("reports unknown fields, wrong types, bad enums and bad durations", () => {
    expect(
      validateKubeletConfiguration({
        ...kubeletConfiguration,
        staticPodPth: "/etc/kubernetes/manifests",
        clusterDNS: "10.32.0.10",
        cgroupDriver: "systemD",
        runtimeRequestTimeout: "900",
        authentication: { anonymous: { enable: false } },
      }),
    ).toEqual([
      "data/authentication/anonymous/enable is not in the allow-list (did you mean enabled?)",
      'data/cgroupDriver must be one of "systemd", "cgroupfs"',
      "data/clusterDNS must be array",
      'data/runtimeRequestTimeout must be a Go duration string such as "1m30s"',
      "data/staticPodPth is not in the allow-list (did you mean staticPodPath?)",
    ]);
  });

  it("reports a missing or wrong apiVersion", () => {
    const rest: Record<string, unknown> = { ...kubeletConfiguration };
    delete rest.apiVersion;
    expect(validateKubeletConfiguration(rest)).toEqual(["data must have required property apiVersion"]);
    expect(validateKubeletConfiguration({ ...rest, apiVersion: "kubelet.config.k8s.io/v1" })).toEqual([
      'data/apiVersion must be one of "kubelet.config.k8s.io/v1beta1"',
    ]);
  });
});

describe("validateKubeProxyConfiguration (allow-list)", () => {
  const kubeProxyConfiguration = {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    clientConnection: { kubeconfig: "/var/lib/kube-proxy/kubeconfig" },
    mode: "iptables",
    clusterCIDR: "10.200.0.0/16",
  };

  it("passes the minimal configuration from k8s-versions.md", () => {
    expect(validateKubeProxyConfiguration(kubeProxyConfiguration)).toEqual([]);
  });

  it("reports unknown fields and bad modes", () => {
    expect(
      validateKubeProxyConfiguration({
        ...kubeProxyConfiguration,
        mode: "userspace",
        clusterCidr: "10.200.0.0/16",
        clientConnection: { kubeConfig: "/var/lib/kube-proxy/kubeconfig" },
      }),
    ).toEqual([
      "data/clientConnection/kubeConfig is not in the allow-list (did you mean kubeconfig?)",
      'data/mode must be one of "", "iptables", "ipvs", "nftables", "kernelspace"',
      "data/clusterCidr is not in the allow-list (did you mean clusterCIDR?)",
    ]);
  });
});
